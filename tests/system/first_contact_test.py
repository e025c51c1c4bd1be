#!/usr/bin/env python3
"""Issue 17, first contact: the README's "Use it" line works from a build tree with nothing set
by hand, and the programs use their own elements.

usage: first_contact_test.py BIN_DIR

1. `zerotee --headless --source test --record DIR --rtsp --ai` (the default 1920x1080) with no
   GST_PLUGIN_PATH* in the environment: capture running, a recording that ffprobe reads as H.264,
   the RTSP stream read by ffprobe as H.264, AI motion events within 10 s, and a `custom` worker
   (gst-launch-1.0, which only has the plugin module) writing JPEGs: the supervisor handed it the
   plugin folder of this build.
2. The same programs with the build's plugin folder on GST_PLUGIN_PATH as well (both the
   in-process registration and the module could load): the in-process one wins, the module is
   never mapped by zerotee's own processes, and nothing warns.

Ports are free loopback ports, sockets and files in a temporary directory; GST_REGISTRY_1_0 is a
fresh file so no cached registry helps. Exits non-zero when a check fails.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zerotee_harness import (Checks, connect_control, ffprobe_video, free_port,  # noqa: E402
                             proc_children, terminate, wait_for, worker)

BIN = os.path.abspath(sys.argv[1])
PLUGIN_DIR = os.path.join(os.path.dirname(BIN), "gst")
ZEROTEE = os.path.join(BIN, "zerotee")
check = Checks()

# What a broken start looks like on stderr: a missing element, a second copy of a GType, a GLib
# warning or critical.
BAD_OUTPUT = ("no element", "cannot register existing type", "CRITICAL", "GLib-GObject-WARNING",
              "GStreamer-WARNING")


def clean_env(tmp):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GST_")}
    runtime = os.path.join(tmp, "run")
    os.makedirs(runtime, mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = runtime
    env["GST_REGISTRY_1_0"] = os.path.join(tmp, "registry.bin")
    return env


def maps(pid):
    try:
        with open(f"/proc/{pid}/maps") as f:
            return f.read()
    except OSError:
        return ""


def exe(pid):
    try:
        return os.path.basename(os.readlink(f"/proc/{pid}/exe"))
    except OSError:
        return ""


def bad_lines(text):
    return [line for line in text.splitlines() if any(b in line for b in BAD_OUTPUT)]


def stop(sup, log_path):
    terminate(sup)
    with open(log_path, errors="replace") as f:
        return f.read()


def own_processes(sup_pid):
    """{name: pid} of the supervisor and its workers (recorder, rtsp, ai, gst-launch-1.0)."""
    out = {"zerotee": sup_pid}
    for pid, _ in proc_children(sup_pid):
        out[exe(pid)] = pid
    return out


def phase_nothing_set(tmp):
    print("--- 1. nothing set by hand: the README's line at its default 1920x1080", flush=True)
    env = clean_env(tmp)
    rec = os.path.join(tmp, "rec")
    rtsp_port, http_port = free_port(), free_port()
    control = os.path.join(env["XDG_RUNTIME_DIR"], "zerotee", "control.sock")
    log_path = os.path.join(tmp, "zerotee-1.log")
    started = time.monotonic()
    with open(log_path, "w") as log:
        sup = subprocess.Popen([ZEROTEE, "--headless", "--source", "test", "--record", rec, "--rtsp",
                                "--ai", "--rtsp-port", str(rtsp_port), "--http-port", str(http_port)],
                               env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        ctl = connect_control(control, 15)
        if not check(bool(ctl), "control socket is up"):
            return
        status = wait_for(lambda: (lambda s: s["cameras"][0]["state"] == "running" and s)(
            ctl(cmd="status")["result"]), 20, 0.2)
        check(bool(status), "capture running without GST_PLUGIN_PATH"
              + (f" ({status['cameras'][0]['width']}x{status['cameras'][0]['height']})" if status else
                 f": {ctl(cmd='status')['result']['cameras'][0].get('error')}"))
        running_at = time.monotonic()

        def recorder_writing():
            w = worker(ctl(cmd="status")["result"], "recorder")
            files = glob.glob(os.path.join(rec, "cam0", "*", "cam0_*.mkv*"))
            return w and w["state"] == "running" and w["bus_connected"] and files
        files = wait_for(recorder_writing, 20, 0.2)
        check(bool(files), f"recorder running and writing: {files[:1] if files else 'nothing in ' + rec}")

        # AI: motion events from the test source within 10 s of the capture running.
        def ai_event():
            for e in ctl(cmd="events", since=0, limit=500)["result"]:
                if e.get("source") == "ai" and e.get("type") in ("event", "detection"):
                    return e
            return None
        event = wait_for(ai_event, max(0.1, running_at + 10 - time.monotonic()), 0.2)
        check(bool(event), f"AI event within 10 s: {event['type'] + ' ' + event['message'] if event else 'none'}"
              + f" after {time.monotonic() - running_at:.1f} s")

        url = f"rtsp://127.0.0.1:{rtsp_port}/live"
        probe = ffprobe_video(url, ["-rtsp_transport", "tcp"])
        check(probe is not None and probe[0] == "h264", f"ffprobe {url}: {probe}")

        # A custom worker runs gst-launch-1.0, which knows only the plugin module.
        jpegs = os.path.join(tmp, "jpeg")
        os.makedirs(jpegs)
        pipeline = (f"zeroteesrc policy=fps-cap max-fps=2 ! videoconvert ! jpegenc ! "
                    f"multifilesink location={jpegs}/t-%05d.jpg")
        reply = ctl(cmd="add", kind="custom", name="thumbs", options={"pipeline": pipeline})
        check(reply.get("ok"), f"add custom: {reply}")
        got = wait_for(lambda: len(glob.glob(os.path.join(jpegs, "*.jpg"))) >= 2, 20, 0.2)
        check(got, f"custom worker wrote {len(glob.glob(os.path.join(jpegs, '*.jpg')))} JPEGs")

        # Every event says what happened (no `event rtsp: ` with nothing after it).
        events = ctl(cmd="events", since=0, limit=1000)["result"]
        empty = [e for e in events if not e.get("message", "").strip()]
        check(not empty, f"all {len(events)} events have a message; empty: {empty[:2]}")
        listening = [e["message"] for e in events if e.get("source") == "rtsp" and e.get("type") == "event"]
        check(any(m.startswith(f"listening on port {rtsp_port}") for m in listening),
              f"the RTSP worker's event says where it listens: {listening[:1]}")

        procs = own_processes(sup.pid)
        for name in ("zerotee", "zerotee-recorder", "zerotee-rtsp"):
            pid = procs.get(name)
            check(pid is not None and "libgstzerotee.so" not in maps(pid),
                  f"{name} (pid {pid}) uses its in-process elements, the module is not mapped")
        launch = procs.get("gst-launch-1.0")
        check(launch is not None and os.path.join(PLUGIN_DIR, "libgstzerotee.so") in maps(launch),
              f"custom worker (pid {launch}) loaded the module from this build's {PLUGIN_DIR}")
    finally:
        output = stop(sup, log_path)
    check(sup.returncode == 0, f"supervisor stopped cleanly (exit {sup.returncode})")
    bad = bad_lines(output)
    check(not bad, f"no missing element or GLib warning in the log: {bad[:3]}")
    finished = sorted(glob.glob(os.path.join(rec, "cam0", "*", "cam0_*.mkv")))
    probe = ffprobe_video(finished[-1]) if finished else None
    check(probe is not None and probe[0] == "h264" and probe[1:] == (1920, 1080),
          f"recording {os.path.basename(finished[-1]) if finished else '(none)'}: {probe}")
    print(f"    took {time.monotonic() - started:.1f} s", flush=True)


def phase_both_could_load(tmp):
    print("--- 2. the module on GST_PLUGIN_PATH too: the in-process elements win, silently",
          flush=True)
    env = clean_env(tmp)
    env["GST_PLUGIN_PATH"] = PLUGIN_DIR
    env["GST_DEBUG"] = "2"  # GStreamer's own warnings too
    rec = os.path.join(tmp, "rec2")
    control = os.path.join(env["XDG_RUNTIME_DIR"], "zerotee", "control.sock")
    log_path = os.path.join(tmp, "zerotee-2.log")
    with open(log_path, "w") as log:
        sup = subprocess.Popen([ZEROTEE, "--headless", "--source", "test", "--size", "640x360",
                                "--record", rec, "--no-http"], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    try:
        ctl = connect_control(control, 15)
        if not check(bool(ctl), "control socket is up"):
            return

        def ready():
            s = ctl(cmd="status")["result"]
            w = worker(s, "recorder")
            return s["cameras"][0]["state"] == "running" and w and w["bus_connected"] and s
        check(bool(wait_for(ready, 20, 0.2)), "capture running, recorder connected")
        procs = own_processes(sup.pid)
        for name in ("zerotee", "zerotee-recorder"):
            pid = procs.get(name)
            check(pid is not None and "libgstzerotee.so" not in maps(pid),
                  f"{name} (pid {pid}): in-process elements, the module on the path not mapped")
    finally:
        output = stop(sup, log_path)
    bad = bad_lines(output) + [line for line in output.splitlines() if "zerotee" in line and " WARN " in line]
    check(not bad, f"no warning from either copy: {bad[:3]}")


def main():
    for tool in ("ffprobe", "gst-launch-1.0"):
        if not shutil.which(tool):
            print(f"{tool} not installed: skipped")
            return 77
    tmp = tempfile.mkdtemp(prefix="zerotee-first.")
    phase_nothing_set(tmp)
    phase_both_could_load(tmp)
    return check.finish(tmp)


if __name__ == "__main__":
    sys.exit(main())
