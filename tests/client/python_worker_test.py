#!/usr/bin/python3
"""examples/python/motion_worker.py as a supervised `custom` worker (option `command`), as
docs/custom-worker.md shows it: `zerotee --headless --source test` (a moving ball) runs the
script from this build tree; its JSON motion event reaches the supervisor's event log and
triggers the camera's recorders; SIGTERM stops everything cleanly.

    python_worker_test.py SOURCE_DIR BUILD_DIR
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

SOURCE, BUILD = sys.argv[1], sys.argv[2]


def ask(path, request):
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(5)
        s.connect(path)
        s.sendall((json.dumps(request) + "\n").encode())
        return json.loads(s.makefile("r").readline())


def main():
    work = tempfile.mkdtemp(prefix="zt-python-worker.")
    runtime = os.path.join(work, "run")
    os.makedirs(runtime, mode=0o700)
    config = os.path.join(work, "zerotee.toml")
    script = os.path.join(SOURCE, "examples", "python", "motion_worker.py")
    with open(config, "w") as f:
        f.write('[[worker]]\nname = "motion"\nkind = "custom"\ncamera = "cam0"\n'
                f'[worker.options]\ncommand = "/usr/bin/python3 {script} {{socket}}"\n')
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    env.pop("PYTHONPATH", None)  # the supervisor gives the worker this build's package
    control = os.path.join(runtime, "zerotee", "control.sock")
    log = open(os.path.join(work, "zerotee.log"), "w")
    sup = subprocess.Popen([os.path.join(BUILD, "bin", "zerotee"), "--headless", "--source", "test",
                            "--size", "320x240", "--fps", "15", "--no-http", "--config", config],
                           env=env, stdout=log, stderr=subprocess.STDOUT)
    failures = []

    def check(condition, what):
        print(("ok   " if condition else "FAIL ") + what, flush=True)
        if not condition:
            failures.append(what)

    try:
        events, worker = [], None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                events = [e for e in ask(control, {"cmd": "events"})["result"]
                          if e.get("source") == "motion"]
                worker = next(w for w in ask(control, {"cmd": "workers"})["result"]
                              if w["name"] == "motion")
            except (OSError, ValueError, KeyError, StopIteration):
                continue
            if any(e.get("type") == "event" for e in events) and \
                    any(e.get("type") == "trigger" for e in events):
                break
        print(json.dumps(events)[:600], flush=True)
        check(worker is not None and worker.get("state") == "running",
              f"the Python worker runs under the supervisor: {worker and worker.get('state')}")
        if worker and worker.get("pid"):
            exe = os.readlink(f"/proc/{worker['pid']}/exe")
            check("python3" in exe, f"the worker process is {exe}")
        motion = [e for e in events if e.get("type") == "event"]
        check(bool(motion) and motion[0].get("label") == "motion",
              f"its motion event is in the event log: {motion[:1]}")
        check(any(e.get("type") == "trigger" for e in events),
              "the event triggered the camera's recorders (a trigger from source 'motion')")
    finally:
        sup.send_signal(signal.SIGTERM)
        try:
            rc = sup.wait(timeout=30)
        except subprocess.TimeoutExpired:
            sup.kill()
            rc = sup.wait()
        log.close()
        check(rc == 0, f"SIGTERM stops the supervisor and its Python worker cleanly (exit {rc})")
        if failures:
            print(open(os.path.join(work, "zerotee.log")).read()[-3000:])
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
