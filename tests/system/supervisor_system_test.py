#!/usr/bin/env python3
"""Issue 3 end to end: the real zerotee supervisor with the real workers, judged from outside
(zeroteectl, the control socket, /proc, ffprobe).

usage: supervisor_system_test.py BIN_DIR [--cycles N]
Prints the measured figures; exits non-zero on the first failed check.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zerotee_harness import (Checks, Control, free_port, proc_children, proc_fds,  # noqa: E402
                             proc_rss_kb, under_asan, wait_for, worker)

BIN = os.path.abspath(sys.argv[1])
CYCLES = int(sys.argv[sys.argv.index("--cycles") + 1]) if "--cycles" in sys.argv else 100
ZEROTEE = os.path.join(BIN, "zerotee")
CTL = os.path.join(BIN, "zeroteectl")
MONITOR = os.path.join(BIN, "zerotee-monitor")
check = Checks()
failures = check.failures


def main():
    tmp = tempfile.mkdtemp(prefix="zerotee-system.")
    runtime = os.path.join(tmp, "run")
    os.makedirs(runtime, mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    rec_dir = os.path.join(tmp, "rec")
    rtsp_port, http_port = free_port(), free_port()
    control_path = os.path.join(runtime, "zerotee", "control.sock")

    # --- bad input: exit code 2 and a message naming what was wrong ----------------------------
    bad_config = os.path.join(tmp, "bad.toml")
    with open(bad_config, "w") as f:
        f.write("[[camera]]\nzoom = 3\n")
    for args, needle in ((["--colour"], "colour"), (["--size", "big"], "--size"),
                         (["--config", bad_config], "camera[0].zoom: unknown key")):
        r = subprocess.run([ZEROTEE, "--headless"] + args, env=env, capture_output=True, text=True, timeout=20)
        check(r.returncode == 2 and needle in r.stderr, f"zerotee {' '.join(args)} -> exit {r.returncode}: {r.stderr.strip()[:90]}")

    # --- up with recorder, RTSP and AI ------------------------------------------------------------
    config = os.path.join(tmp, "zerotee.toml")
    with open(config, "w") as f:
        f.write('[http]\ntoken = "s3cret"\n')
    log = open(os.path.join(tmp, "zerotee.log"), "w")
    # systemd's notify socket, played by us: READY=1, STATUS=, WATCHDOG=1 must arrive.
    notify_path = os.path.join(tmp, "notify.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    notify.settimeout(0.1)
    env_sup = dict(env, NOTIFY_SOCKET=notify_path, WATCHDOG_USEC="1000000")
    started = time.monotonic()
    sup = subprocess.Popen([ZEROTEE, "--headless", "--source", "test", "--size", "640x360",
                            "--record", rec_dir, "--rtsp", "--rtsp-port", str(rtsp_port), "--ai",
                            "--http-port", str(http_port), "--config", config], env=env_sup, stdout=log, stderr=subprocess.STDOUT)
    try:
        ctl = wait_for(lambda: os.path.exists(control_path) and Control(control_path), 10)
        check(bool(ctl), "control socket is up")

        def all_running():
            s = ctl(cmd="status")["result"]
            ws = s["workers"]
            # Recorder and RTSP share the camera's one `main` stream encoder (encode once).
            return (len(ws) == 4 and [w["kind"] for w in ws].count("encoder") == 1
                    and all(w["state"] == "running" for w in ws)
                    and s["cameras"][0]["state"] == "running" and s)
        status = wait_for(all_running, 15)
        up_s = time.monotonic() - started
        check(bool(status), f"capture, three workers and one stream encoder running after {up_s:.2f} s")
        check(up_s < 3.0, f"up in {up_s:.2f} s < 3 s")
        # The RTSP worker reads the bus only while a viewer watches (one encode, on demand).
        viewer = subprocess.Popen(["ffmpeg", "-v", "error", "-rtsp_transport", "tcp", "-i",
                                   f"rtsp://127.0.0.1:{rtsp_port}/live", "-f", "null", "-"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: all(w["frames"] > 0 for w in ctl(cmd="status")["result"]["workers"]), 10)
        r = subprocess.run([CTL, "status", "--json"], env=env, capture_output=True, text=True, timeout=10)
        js = json.loads(r.stdout)
        check(r.returncode == 0 and len(js["workers"]) == 4 and all(w["frames"] > 0 for w in js["workers"]),
              "zeroteectl status --json (a viewer on RTSP): " + ", ".join(f"{w['name']}={w['state']}/{w['frames']} frames" for w in js["workers"]))
        check(all(w["rss_bytes"] > 0 and w["uptime_s"] > 0 and "cpu_percent" in w for w in js["workers"]),
              "per worker: " + ", ".join(f"{w['name']} pid {w['pid']} cpu {w['cpu_percent']:.1f}% rss {w['rss_bytes'] // 1024} KiB up {w['uptime_s']:.1f} s" for w in js["workers"]))
        viewer.terminate()
        viewer.wait(timeout=10)

        probe = subprocess.run(["ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries",
                                "stream=codec_name,width,height", "-of", "json",
                                f"rtsp://127.0.0.1:{rtsp_port}/live"], capture_output=True, text=True, timeout=30)
        streams = json.loads(probe.stdout or "{}").get("streams", [])
        check(bool(streams) and streams[0].get("codec_name") == "h264",
              f"ffprobe rtsp://127.0.0.1:{rtsp_port}/live sees {streams}")

        notes = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            try:
                notes.append(notify.recv(4096).decode())
            except socket.timeout:
                pass
        check(any("READY=1" in n for n in notes) and any("WATCHDOG=1" in n for n in notes),
              f"sd_notify: {sorted(set(n.split(chr(10))[0] for n in notes))}")
        notify.close()

        # --- HTTP API: same verbs, bearer token, Prometheus metrics -----------------------------
        def http(method, path, body=None, token="s3cret"):
            req = urllib.request.Request(f"http://127.0.0.1:{http_port}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None)
            if token:
                req.add_header("Authorization", "Bearer " + token)
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    return r.status, r.read().decode()
            except urllib.error.HTTPError as e:
                return e.code, e.read().decode()
        code, _ = http("GET", "/api/status", token=None)
        check(code == 401, f"HTTP without token -> {code}")
        code, _ = http("GET", "/api/status", token="wrong")
        check(code == 401, f"HTTP with a wrong token -> {code}")
        code, text = http("GET", "/api/status")
        check(code == 200 and len(json.loads(text)["result"]["workers"]) == 4, f"GET /api/status -> {code}")
        code, text = http("POST", "/api/workers", {"kind": "custom", "name": "viahttp", "options": {"pipeline": "zeroteesrc ! fakesink"}})
        check(code == 201 and json.loads(text)["ok"], f"POST /api/workers -> {code}")
        code, text = http("POST", "/api/workers/viahttp/fly")
        check(code == 400 and "unknown action" in text, f"POST /api/workers/viahttp/fly -> {code}")
        code, text = http("DELETE", "/api/workers/viahttp")
        check(code == 200, f"DELETE /api/workers/viahttp -> {code}")
        code, text = http("DELETE", "/api/workers/nobody")
        check(code == 404, f"DELETE /api/workers/nobody -> {code}")
        code, text = http("GET", "/metrics")
        check(code == 200 and 'zerotee_capture_running{camera="cam0"} 1' in text and "zerotee_worker_up{" in text,
              f"GET /metrics -> {code}, {len(text.splitlines())} lines")

        # --- kill -9 of a worker: restarted within 2 s, the others see no gap --------------------
        monitor = subprocess.Popen([MONITOR, "--socket", os.path.join(runtime, "zerotee", "cam0.sock"),
                                    "--json", "--name", "witness"], env=env, stdout=subprocess.PIPE, text=True)
        time.sleep(1.5)
        before = ctl(cmd="status")["result"]
        for name in ("recorder", "rtsp", "ai", "enc-cam0-main"):
            snapshot = ctl(cmd="status")["result"]
            w = worker(snapshot, name)
            old_pid, old_restarts = w["pid"], w["restarts"]
            # The others' bus drops (the producer's own counters) must not move meanwhile.
            others = {o["name"]: (o["pid"], o["drops"]) for o in snapshot["workers"]
                      if o["name"] != name and o["bus_connected"]}
            killed = time.monotonic()
            os.kill(old_pid, signal.SIGKILL)
            # The RTSP worker connects to the bus only when a viewer comes; the others at once.
            back = wait_for(lambda: (lambda x: x if x and x["state"] == "running" and x["pid"] != old_pid
                                     and (x["bus_connected"] or name == "rtsp") else None)(
                worker(ctl(cmd="status")["result"], name)), 5)
            took = time.monotonic() - killed
            check(bool(back) and took < 2.0 and back["restarts"] == old_restarts + 1,
                  f"kill -9 {name}: back in {took:.2f} s, restarts {old_restarts} -> {back and back['restarts']}")
            now = {o["name"]: (o["pid"], o["drops"]) for o in ctl(cmd="status")["result"]["workers"]}
            check(all(now.get(n) == v for n, v in others.items()),
                  f"  the others undisturbed (pid, bus drops): {others} -> { {n: now.get(n) for n in others} }")
            time.sleep(0.5)
        after = ctl(cmd="status")["result"]
        cam_before, cam_after = before["cameras"][0], after["cameras"][0]
        check(cam_after["state"] == "running" and cam_after["retries"] == cam_before["retries"],
              f"capture undisturbed: {cam_after['state']}, fps {cam_after['fps']}")
        monitor.send_signal(signal.SIGINT)
        lines = [json.loads(l) for l in monitor.communicate(timeout=10)[0].splitlines() if l.startswith("{")]
        total = [l for l in lines if l["type"] == "total"]
        check(bool(total) and total[0]["gaps"] == 0 and total[0]["frames"] > 100,
              f"a consumer running through the kills saw {total and total[0]['frames']} frames, {total and total[0]['gaps']} missed")
        witness_drops = [c for c in cam_after["bus"]["consumers"] if c["name"] == "witness"]

        # --- event recording: a trigger from zeroteectl reaches a recorder in event mode -------
        event_dir = os.path.join(tmp, "events")
        r = ctl(cmd="add", kind="recorder", name="eventrec",
                options={"dir": event_dir, "mode": "event", "pre_event_seconds": 1, "post_event_seconds": 1})
        check(r["ok"], f"add an event-mode recorder: {r.get('error', 'ok')}")
        wait_for(lambda: worker(ctl(cmd="status")["result"], "eventrec")["frames"] > 60, 10)
        t = subprocess.run([CTL, "trigger", "doorbell"], env=env, capture_output=True, text=True, timeout=10)
        check(t.returncode == 0 and "2 recorder" in t.stdout, f"zeroteectl trigger doorbell -> {t.stdout.strip()} (the continuous recorder logs it, the event one records)")

        def event_files():
            found = []
            for root, _, names in os.walk(event_dir):
                found += [os.path.join(root, n) for n in names if "doorbell" in n and n.endswith(".mkv")]
            return found
        clips = wait_for(event_files, 10, 0.2)
        dur = None
        if clips:
            p = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", clips[0]],
                               capture_output=True, text=True)
            dur = float(p.stdout.strip() or 0)
        check(bool(clips) and dur and dur >= 1.5, f"event clip {clips and os.path.basename(clips[0])}: {dur} s (pre 1 s + post 1 s)")
        events = ctl(cmd="events", limit=50)["result"]
        check(any(e["type"] == "trigger" and e["message"] == "doorbell" for e in events), "the trigger is in the event log")
        ctl(cmd="remove", name="eventrec")

        # --- a crash loop ends in failed --------------------------------------------------------
        r = ctl(cmd="add", kind="custom", name="broken",
                options={"pipeline": "zeroteesrc ! videoconvert ! capsfilter caps=video/x-raw,format=NOPE ! fakesink"})
        check(r["ok"], f"add broken custom worker: {r.get('error', 'ok')}")
        failed = wait_for(lambda: (lambda x: x if x and x["state"] == "failed" else None)(
            worker(ctl(cmd="status")["result"], "broken")), 40, 0.2)
        check(bool(failed), f"crash loop ends in failed: {failed and failed.get('failure_reason')}")
        time.sleep(1.0)
        check(worker(ctl(cmd="status")["result"], "broken")["state"] == "failed", "and stays failed (no endless loop)")
        ctl(cmd="remove", name="broken")

        # --- bad requests on the control socket ---------------------------------------------------
        for request, needle in (({"cmd": "fly"}, "unknown command"), ({"cmd": "start"}, "needs 'name'"),
                                ({"cmd": "start", "name": "nobody"}, "nobody"),
                                ({"cmd": "add", "kind": "painter"}, "painter"),
                                ({"cmd": "add", "kind": "rtsp", "options": {"prot": 1}}, "unknown option 'prot'")):
            r = ctl(**request)
            check(not r["ok"] and needle in r["error"], f"{request} -> {r.get('error')}")
        ctl.file.write(b"this is not json\n")
        ctl.file.flush()
        r = json.loads(ctl.file.readline())
        check(not r["ok"] and "not JSON" in r["error"], f"garbage line -> {r['error']}")
        check(sup.poll() is None, "the supervisor survived every bad request")

        # --- add/remove N times: no fd, memory or process growth ----------------------------------
        def cycle(i):
            name = f"churn{i}"
            r = ctl(cmd="add", kind="custom", name=name, options={"pipeline": "zeroteesrc ! fakesink"})
            assert r["ok"], r
            wait_for(lambda: worker(ctl(cmd="status")["result"], name)["state"] == "running", 10, 0.02)
            r = ctl(cmd="remove", name=name)
            assert r["ok"], r
            wait_for(lambda: worker(ctl(cmd="status")["result"], name) is None, 10, 0.02)
        for i in range(5):
            cycle(f"warm{i}")
        time.sleep(1.0)
        print("  children before:", proc_children(sup.pid))
        fds0, rss0, kids0 = proc_fds(sup.pid), proc_rss_kb(sup.pid), len(proc_children(sup.pid))
        t0 = time.monotonic()
        for i in range(CYCLES):
            cycle(i)
        time.sleep(1.0)
        fds1, rss1, kids1 = proc_fds(sup.pid), proc_rss_kb(sup.pid), len(proc_children(sup.pid))
        if fds1[0] != fds0[0]:
            print("  supervisor fds now:", sorted(os.readlink(f"/proc/{sup.pid}/fd/{n}") for n in os.listdir(f"/proc/{sup.pid}/fd")))
        zombies = [c for c in proc_children(sup.pid) if c[1] == "Z"]
        check(fds1[0] == fds0[0] and fds1[1] <= 2 * 32 and kids1 == kids0 and not zombies,
              f"{CYCLES} add/remove cycles in {time.monotonic() - t0:.1f} s: fds {fds0[0]}->{fds1[0]} "
              f"(+ pool memfds {fds0[1]}->{fds1[1]}, bound 64), children {kids0}->{kids1}, zombies {len(zombies)}")
        if under_asan(sup.pid):
            print(f"  supervisor RSS {rss0} -> {rss1} KiB: not judged under ASan (its quarantine)")
        else:
            check(rss1 - rss0 < 4096, f"supervisor RSS {rss0} -> {rss1} KiB (growth {rss1 - rss0} KiB < 4 MiB)")
        ctl.close()
    finally:
        stop_started = time.monotonic()
        sup.send_signal(signal.SIGTERM)
        try:
            code = sup.wait(timeout=30)
        except subprocess.TimeoutExpired:
            sup.kill()
            code = sup.wait()
        check(code == 0, f"SIGTERM: clean exit {code} in {time.monotonic() - stop_started:.1f} s")
        log.close()

    # recordings finalized by the graceful stop: every file plays (ffprobe, independent)
    files = []
    for root, _, names in os.walk(rec_dir):
        files += [os.path.join(root, n) for n in names]
    playable = [f for f in files if subprocess.run(["ffprobe", "-v", "error", f], capture_output=True).returncode == 0]
    check(files and len(playable) == len(files) and not any(f.endswith(".part") for f in files),
          f"recordings after shutdown: {len(files)} files, {len(playable)} playable by ffprobe")

    # --- a failing source: a clear error, retried, consumers stay connected -----------------------
    env2 = dict(env, XDG_RUNTIME_DIR=os.path.join(tmp, "run2"))
    os.makedirs(env2["XDG_RUNTIME_DIR"], mode=0o700)
    for source, needle in (("v4l2:/dev/video99", "video99"), ("pipeline:filesrc location=/nonexistent.raw", "nonexistent")):
        sup2 = subprocess.Popen([ZEROTEE, "--headless", "--no-http", "--source", source], env=env2,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            cpath = os.path.join(env2["XDG_RUNTIME_DIR"], "zerotee", "control.sock")
            ctl2 = wait_for(lambda: os.path.exists(cpath) and Control(cpath), 10)
            cam = wait_for(lambda: (lambda c: c if c["retries"] >= 2 else None)(ctl2(cmd="status")["result"]["cameras"][0]), 15, 0.2)
            check(bool(cam) and cam["state"] in ("error", "starting") and needle in cam["error"],
                  f"source {source}: state {cam and cam['state']}, retries {cam and cam['retries']}, error '{cam and cam['error']}'")
            ctl2.close()
        finally:
            sup2.send_signal(signal.SIGTERM)
            sup2.wait(timeout=20)

    shutil.rmtree(tmp, ignore_errors=True)
    print(f"{len(failures)} failed" if failures else "all checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
