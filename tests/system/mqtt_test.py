#!/usr/bin/env python3
"""Issue 20, events to MQTT, against a real mosquitto broker (docs/mqtt.md).

  mqtt_test.py BIN events   detections on <base>/<camera>/detection within 1 s of capture, Home
                            Assistant discovery (retained), availability online (retained) and
                            "offline" by last will after kill -9, worker states, recordings
  mqtt_test.py BIN outage   broker killed for 30 s with the AI's detections flowing, then
                            triggers: zeroteectl status answers all along (worst time printed),
                            the bridge reconnects, the newest queue_size events arrive, the
                            older ones are dropped and counted exactly
  mqtt_test.py BIN auth     wrong password: "refused" in status and the event log, no retry loop;
                            right password and TLS (a CA made here with openssl) deliver

Exits 77 when mosquitto is not installed."""
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zerotee_harness import Checks, ffprobe_video, free_port, terminate, wait_for  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
PART = sys.argv[2]
ZEROTEE = os.path.join(BIN, "zerotee")
CTL = os.path.join(BIN, "zeroteectl")
# The broker is in /usr/sbin, which a user's PATH may lack.
MOSQUITTO = shutil.which("mosquitto") or shutil.which("mosquitto", path="/usr/sbin:/sbin")
DEVICE = "testdev"
BASE = f"zerotee/{DEVICE}"
check = Checks()


class Broker:
    """mosquitto on 127.0.0.1:port with a config of our own (extra lines appended)."""

    def __init__(self, tmp, port, extra=""):
        self.port = port
        self.conf = os.path.join(tmp, f"mosquitto-{port}.conf")
        with open(self.conf, "w") as f:
            f.write(f"listener {port} 127.0.0.1\nallow_anonymous true\n{extra}")
            if os.geteuid() == 0:
                # As root mosquitto switches to user "mosquitto", which cannot read our files.
                f.write("user root\n")
        self.log = os.path.join(tmp, f"mosquitto-{port}.log")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdout=open(self.log, "a"),
                                     stderr=subprocess.STDOUT)

        def listening():
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        return wait_for(listening, 5, step=0.01)

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


class Subscriber:
    """mosquitto_sub on topics; every message kept with its arrival (CLOCK_MONOTONIC ns)."""

    def __init__(self, port, topics, extra=()):
        args = ["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-q", "1", "-F", "%r %t %p",
                *extra]
        for t in topics:
            args += ["-t", t]
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages = []  # (arrival_ns, retained, topic, payload)
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            now = time.monotonic_ns()
            retained, topic, payload = line.decode(errors="replace").rstrip("\n").split(" ", 2)
            with self.lock:
                self.messages.append((now, retained == "1", topic, payload))

    def on(self, topic):
        with self.lock:
            return [m for m in self.messages if m[2] == topic]

    def all(self):
        with self.lock:
            return list(self.messages)

    def stop(self):
        self.proc.terminate()
        self.proc.wait()


def retained_now(port, topic, extra=()):
    """What a new subscriber gets at once on topic: {topic: payload} of retained messages."""
    r = subprocess.run(["mosquitto_sub", "-h", "127.0.0.1", "-p", str(port), "-t", topic, "-F",
                        "%r %t %p", "-W", "1", *extra], capture_output=True, text=True)
    out = {}
    for line in r.stdout.splitlines():
        flag, t, p = line.split(" ", 2)
        if flag == "1":
            out[t] = p
    return out


class Service:
    def __init__(self, tmp, config, args=("--no-http",)):
        runtime = os.path.join(tmp, "run")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
        self.config = os.path.join(tmp, "zerotee.toml")
        with open(self.config, "w") as f:
            f.write(config)
        self.log = os.path.join(tmp, "zerotee.log")
        self.proc = subprocess.Popen([ZEROTEE, "--headless", "--source", "test", "--size", "640x360",
                                      "--config", self.config, *args], env=self.env,
                                     stdout=open(self.log, "a"), stderr=subprocess.STDOUT)

    def ctl(self, *args, timeout=5):
        r = subprocess.run([CTL, *args], env=self.env, capture_output=True, text=True,
                           timeout=timeout)
        return r

    def status(self, timeout=5):
        try:
            r = self.ctl("status", "--json", timeout=timeout)
            return json.loads(r.stdout) if r.returncode == 0 else None
        except (subprocess.TimeoutExpired, json.JSONDecodeError):
            return None

    def mqtt(self):
        s = self.status()
        return s and s.get("mqtt")


def mqtt_config(port, extra=""):
    return f'[mqtt]\nhost = "127.0.0.1"\nport = {port}\ndevice = "{DEVICE}"\n{extra}'


def part_events(tmp):
    broker = Broker(tmp, free_port())
    check(broker.start(), f"mosquitto listening on 127.0.0.1:{broker.port}")
    sub = Subscriber(broker.port, ["zerotee/#", "homeassistant/#"])
    time.sleep(0.3)
    rec = os.path.join(tmp, "rec")
    config = (mqtt_config(broker.port) +
              f'[[worker]]\nkind = "ai"\n[[worker]]\nkind = "recorder"\n'
              f'options = {{ dir = "{rec}", segment_seconds = 2 }}\n')
    http_port = free_port()
    svc = Service(tmp, config, ("--http-port", str(http_port)))
    try:
        m = wait_for(lambda: (s := svc.mqtt()) and s["connected"] and s, 15)
        check(bool(m), f"status: mqtt {m and {k: m[k] for k in ('state', 'broker', 'topic_base')}}")
        detections = wait_for(lambda: len(sub.on(f"{BASE}/cam0/detection")) >= 20 and
                              sub.on(f"{BASE}/cam0/detection"), 20)
        check(bool(detections), f"{len(detections or [])} messages on {BASE}/cam0/detection")
        if detections:
            lat = []
            for arrival, _, _, payload in detections:
                d = json.loads(payload)
                lat.append((arrival - d["pts_ns"]) / 1e6)
            first = json.loads(detections[0][3])
            check(all(k in first for k in ("camera", "label", "score", "box", "captured", "pts_ns",
                                           "time", "worker")) and len(first["box"]) == 4,
                  f"detection payload {detections[0][3]}")
            print(f"capture -> MQTT arrival over {len(lat)} detections: median "
                  f"{statistics.median(lat):.1f} ms, max {max(lat):.1f} ms")
            check(max(lat) < 1000, f"every detection within 1 s of its frame's capture "
                  f"(max {max(lat):.1f} ms)")
        on = wait_for(lambda: any(p == "ON" for _, _, t, p in sub.all() if t == f"{BASE}/cam0/detected"), 10)
        check(bool(on), f"{BASE}/cam0/detected went ON with the AI's event")
        events = [json.loads(p) for _, _, t, p in sub.all() if t == f"{BASE}/cam0/event"]
        check(any(e.get("state") == "start" for e in events),
              f"AI event on {BASE}/cam0/event: {events[:1]}")

        disc = retained_now(broker.port, "homeassistant/#")
        bs = disc.get(f"homeassistant/binary_sensor/zerotee_{DEVICE}/cam0_detection/config")
        se = disc.get(f"homeassistant/sensor/zerotee_{DEVICE}/cam0_last_detection/config")
        check(bool(bs) and json.loads(bs)["state_topic"] == f"{BASE}/cam0/detected" and
              json.loads(bs)["availability_topic"] == f"{BASE}/availability",
              f"retained discovery binary_sensor: {bs}")
        check(bool(se) and json.loads(se)["state_topic"] == f"{BASE}/cam0/detection",
              f"retained discovery sensor: {se and se[:120]}")
        state = retained_now(broker.port, f"{BASE}/#")
        check(state.get(f"{BASE}/availability") == "online", "retained availability: online")
        ai = json.loads(state.get(f"{BASE}/workers/ai/state", "{}"))
        check(ai.get("state") == "running" and ai.get("camera") == "cam0",
              f"retained {BASE}/workers/ai/state: {ai}")

        rec_msgs = wait_for(lambda: [json.loads(p) for _, _, t, p in sub.all() if t == f"{BASE}/cam0/recording"]
                            if any('"finished"' in p for _, _, t, p in sub.all() if t == f"{BASE}/cam0/recording") else None, 15)
        started = [r for r in rec_msgs or [] if r["state"] == "started"]
        finished = [r for r in rec_msgs or [] if r["state"] == "finished"]
        probe = finished and ffprobe_video(finished[0]["path"])
        check(bool(started) and bool(finished) and finished[0]["path"] == started[0]["path"] and
              bool(probe) and probe[0] == "h264",
              f"recording started/finished with path: {finished[:1]}; ffprobe: {probe}")

        m = svc.mqtt()
        check(m["published"] > 20 and m["dropped"] == 0 and m["connects"] == 1,
              f"status mqtt: published {m['published']}, queued {m['queued']}, dropped "
              f"{m['dropped']}, connects {m['connects']}")

        metrics = urllib.request.urlopen(f"http://127.0.0.1:{http_port}/metrics", timeout=5).read().decode()
        lines = [l for l in metrics.splitlines() if l.startswith("zerotee_mqtt_")]
        check(f'zerotee_mqtt_connected{{broker="127.0.0.1:{broker.port}"}} 1' in lines and
              any(l.startswith("zerotee_mqtt_published_total") and float(l.split()[-1]) > 20 for l in lines) and
              any(l.startswith("zerotee_mqtt_dropped_total") for l in lines),
              "/metrics: " + "; ".join(lines))

        # kill -9: the broker publishes the last will.
        killed = time.monotonic_ns()
        svc.proc.send_signal(signal.SIGKILL)
        svc.proc.wait()
        offline = wait_for(lambda: [m for m in sub.on(f"{BASE}/availability") if m[3] == "offline"], 5)
        check(bool(offline), "availability 'offline' (last will) after kill -9 of the supervisor, "
              f"{(offline[0][0] - killed) / 1e6:.0f} ms later" if offline else "no last will")
        check(retained_now(broker.port, f"{BASE}/availability").get(f"{BASE}/availability") == "offline",
              "retained availability is 'offline' for a new subscriber")
    finally:
        if svc.proc.poll() is None:
            terminate(svc.proc)
        sub.stop()
        broker.kill()
    return svc.log


def part_outage(tmp):
    broker = Broker(tmp, free_port())
    check(broker.start(), f"mosquitto listening on 127.0.0.1:{broker.port}")
    bound = 20
    svc = Service(tmp, mqtt_config(broker.port, f"queue_size = {bound}\nreconnect_min = 2\n"
                                                 "reconnect_max = 2\n") +
                  '[[worker]]\nkind = "ai"\n')
    sub = None
    try:
        check(bool(wait_for(lambda: (s := svc.mqtt()) and s["connected"], 15)), "bridge connected")
        check(svc.ctl("trigger", "before").returncode == 0, "zeroteectl trigger before")
        sub = Subscriber(broker.port, [f"{BASE}/#"])
        broker.kill()
        killed = time.monotonic()
        s0 = wait_for(lambda: (m := svc.mqtt()) and not m["connected"] and m, 5)
        check(bool(s0), f"bridge saw the broker go: state {s0 and s0['state']}, error "
              f"'{s0 and s0['last_error']}'")
        sub.stop()
        # 30 s without a broker, the control socket asked all the while: 15 s of the AI's
        # detections (many more than the bound), then the AI stopped and 60 triggers, so
        # exactly which events survive is known.
        worst, answered, asked, sent, ai_stopped = 0.0, 0, 0, 0, None
        next_trigger = killed + 15
        while time.monotonic() - killed < 30:
            t = time.monotonic()
            asked += 1
            answered += bool(svc.status(timeout=2))
            worst = max(worst, time.monotonic() - t)
            if time.monotonic() >= next_trigger:
                if ai_stopped is None:
                    detections = svc.mqtt()["enqueued"] - s0["enqueued"]
                    ai_stopped = svc.ctl("stop", "ai", timeout=10).returncode == 0
                sent += 1
                svc.ctl("trigger", f"t{sent}")
                next_trigger += 0.2
            time.sleep(0.05)
        check(bool(ai_stopped) and detections > bound,
              f"{detections} AI events queued in the first 15 s (bound {bound}), AI then stopped")
        print(f"zeroteectl status during the outage: {answered}/{asked} answered, worst "
              f"{worst * 1000:.0f} ms")
        check(answered == asked and worst < 1.0,
              f"the supervisor answered every status request during 30 s without a broker "
              f"(worst {worst * 1000:.0f} ms)")
        s1 = svc.mqtt()
        dropped = s1["dropped"] - s0["dropped"]
        expected = s0["queued"] + (s1["enqueued"] - s0["enqueued"]) - s1["queued"]
        check(s1["queued"] == bound and dropped == expected and dropped >= sent - bound,
              f"{sent} triggers while away: queued {s1['queued']} (bound {bound}), dropped "
              f"{dropped} (expected {expected}), connect failures {s1['connect_failures']}")
        # Restart right after a failed attempt: the next one is 2 s later, our subscriber is
        # on the new broker well before it.
        failures = s1["connect_failures"]
        wait_for(lambda: svc.mqtt()["connect_failures"] > failures, 5, step=0.01)
        restarted = time.monotonic()
        check(broker.start(), "mosquitto restarted on the same port")
        sub = Subscriber(broker.port, [f"{BASE}/#"])
        time.sleep(0.2)
        up = wait_for(lambda: (m := svc.mqtt()) and m["connected"] and m, 10, step=0.02)
        reconnected = time.monotonic()
        check(bool(up), f"bridge reconnected {reconnected - restarted:.2f} s after the broker "
              f"came back (connects {up and up['connects']})")
        labels = wait_for(lambda: (ls := [json.loads(p)["message"] for _, _, t, p in sub.all()
                                          if t == f"{BASE}/event" and
                                          json.loads(p).get("type") == "trigger"])
                          and len(ls) >= bound and ls, 10)
        want = [f"t{i}" for i in range(sent - bound + 1, sent + 1)]
        check(labels == want, f"after the reconnect exactly the newest {bound} triggers arrived, "
              f"in order: {labels and labels[0]}..{labels and labels[-1]} ({len(labels or [])})")
        events = json.loads(svc.ctl("events", "--json").stdout or "[]")
        notes = [e["message"] for e in events if e.get("type") == "mqtt"]
        check(any("connection lost" in n for n in notes) and notes[-1].startswith("MQTT connected"),
              f"event log: {notes[-2:]}")
    finally:
        if svc.proc.poll() is None:
            terminate(svc.proc)
        if sub:
            sub.stop()
        if broker.proc.poll() is None:
            broker.kill()
    return svc.log


def part_auth(tmp):
    pwfile = os.path.join(tmp, "passwd")
    subprocess.run(["mosquitto_passwd", "-b", "-c", pwfile, "cam", "right-password"], check=True,
                   capture_output=True)
    broker = Broker(tmp, free_port(), f"password_file {pwfile}\n")
    with open(broker.conf) as f:
        text = f.read().replace("allow_anonymous true", "allow_anonymous false")
    with open(broker.conf, "w") as f:
        f.write(text)
    check(broker.start(), f"mosquitto with a password file on 127.0.0.1:{broker.port}")
    logs = []
    try:
        d = os.path.join(tmp, "wrong")
        os.makedirs(d)
        svc = Service(d, mqtt_config(broker.port, 'username = "cam"\npassword = "wrong"\n'))
        logs.append(svc.log)
        m = wait_for(lambda: (s := svc.mqtt()) and s["state"] == "refused" and s, 10)
        check(bool(m), f"wrong password: state {m and m['state']}, last_error '{m and m['last_error']}'")
        time.sleep(4)
        m2 = svc.mqtt()
        check(m2["connect_failures"] == 1 and m2["state"] == "refused",
              f"no retry loop: {m2['connect_failures']} attempt(s) 4 s later")
        events = json.loads(svc.ctl("events", "--json").stdout or "[]")
        notes = [e["message"] for e in events if e.get("type") == "mqtt"]
        check(any("refused the login" in n and "mqtt.password" in n for n in notes),
              f"event log says why: {notes}")
        terminate(svc.proc)

        d = os.path.join(tmp, "right")
        os.makedirs(d)
        sub = Subscriber(broker.port, [f"{BASE}/#"], ["-u", "cam", "-P", "right-password"])
        svc = Service(d, mqtt_config(broker.port, 'username = "cam"\npassword = "right-password"\n'))
        logs.append(svc.log)
        ok = wait_for(lambda: (s := svc.mqtt()) and s["connected"], 10)
        svc.ctl("trigger", "hello")
        got = wait_for(lambda: [p for _, _, t, p in sub.all() if t == f"{BASE}/event" and "hello" in p], 5)
        check(bool(ok) and bool(got), "right password: connected, a trigger arrived")
        terminate(svc.proc)
        # A clean stop says "offline" itself (the broker sends the will only on a lost link).
        gone = wait_for(lambda: [p for _, _, t, p in sub.all() if t == f"{BASE}/availability" and p == "offline"], 3)
        check(bool(gone), "SIGTERM: the bridge published availability 'offline' before it left")
        sub.stop()
    finally:
        broker.kill()

    # TLS: a CA and a server certificate for 127.0.0.1, made here.
    ca_key, ca, key, csr, crt = (os.path.join(tmp, n) for n in
                                 ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    ext = os.path.join(tmp, "san.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName = IP:127.0.0.1\n")
    for cmd in (["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key,
                 "-out", ca, "-days", "2", "-subj", "/CN=zerotee test CA"],
                ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                 "-subj", "/CN=127.0.0.1"],
                ["openssl", "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                 "-CAcreateserial", "-out", crt, "-days", "2", "-extfile", ext]):
        subprocess.run(cmd, check=True, capture_output=True)
    broker = Broker(tmp, free_port(), f"cafile {ca}\ncertfile {crt}\nkeyfile {key}\n")
    check(broker.start(), f"mosquitto with TLS on 127.0.0.1:{broker.port}")
    try:
        d = os.path.join(tmp, "tls")
        os.makedirs(d)
        sub = Subscriber(broker.port, [f"{BASE}/#"], ["--cafile", ca])
        svc = Service(d, mqtt_config(broker.port, f'ca_file = "{ca}"\n'))
        logs.append(svc.log)
        m = wait_for(lambda: (s := svc.mqtt()) and s["connected"] and s, 10)
        svc.ctl("trigger", "over-tls")
        got = wait_for(lambda: [p for _, _, t, p in sub.all() if "over-tls" in p], 5)
        check(bool(m) and m["tls"] and bool(got), f"TLS with the test CA: connected, a trigger arrived")
        terminate(svc.proc)
        sub.stop()
        # A CA that did not sign the broker's certificate: a clear error, retried.
        d = os.path.join(tmp, "tls-wrong-ca")
        os.makedirs(d)
        other_key, other = os.path.join(tmp, "other.key"), os.path.join(tmp, "other.crt")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        other_key, "-out", other, "-days", "2", "-subj", "/CN=other"],
                       check=True, capture_output=True)
        svc = Service(d, mqtt_config(broker.port, f'ca_file = "{other}"\n'))
        logs.append(svc.log)
        m = wait_for(lambda: (s := svc.mqtt()) and s["connect_failures"] >= 1 and s, 10)
        check(bool(m) and not m["connected"] and m["last_error"] != "",
              f"TLS with the wrong CA: state {m and m['state']}, last_error '{m and m['last_error']}'")
        terminate(svc.proc)
    finally:
        broker.kill()
    return logs[-1] if logs else None


def main():
    if not MOSQUITTO or not shutil.which("mosquitto_sub"):
        print("SKIP: mosquitto / mosquitto_sub not installed (scripts/deps.sh)")
        return 77
    tmp = tempfile.mkdtemp(prefix=f"zerotee-mqtt-{PART}.")
    log = {"events": part_events, "outage": part_outage, "auth": part_auth}[PART](tmp)
    return check.finish(tmp, log)


if __name__ == "__main__":
    sys.exit(main())
