#!/usr/bin/env python3
"""Issue 17, two cameras: each camera's recorder writes into its own folder under its own name,
and each camera has its own RTSP mount; judged with ffprobe.

usage: multi_camera_test.py BIN_DIR

Cameras `front` (640x360) and `back` (320x240) on the test source, a recorder and an RTSP
server each, configured with [[camera]] and [[worker]] tables. The sizes tell the two streams
apart: a file or stream with the other camera's size is in the wrong place. Before the fix both
recorders wrote to DIR/cam0/<day>/cam0_....mkv.
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
                             terminate, wait_for, worker)

BIN = os.path.abspath(sys.argv[1])
check = Checks()
CAMERAS = {"front": (640, 360), "back": (320, 240)}


def main():
    if not shutil.which("ffprobe"):
        print("ffprobe not installed: skipped")
        return 77
    tmp = tempfile.mkdtemp(prefix="zerotee-multicam.")
    runtime = os.path.join(tmp, "run")
    os.makedirs(runtime, mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    rec = os.path.join(tmp, "rec")
    ports = {name: free_port() for name in CAMERAS}
    config = os.path.join(tmp, "zerotee.toml")
    with open(config, "w") as f:
        for name, (w, h) in CAMERAS.items():
            f.write(f'[[camera]]\nname = "{name}"\nsource = "test"\nsize = "{w}x{h}"\nfps = 15\n\n')
        for name in CAMERAS:
            f.write(f'[[worker]]\nname = "rec-{name}"\nkind = "recorder"\ncamera = "{name}"\n'
                    f'options = {{ dir = "{rec}", segment_seconds = 3 }}\n\n')
            f.write(f'[[worker]]\nname = "rtsp-{name}"\nkind = "rtsp"\ncamera = "{name}"\n'
                    f'options = {{ port = {ports[name]}, mount = "/{name}" }}\n\n')
    log_path = os.path.join(tmp, "zerotee.log")
    with open(log_path, "w") as log:
        sup = subprocess.Popen([os.path.join(BIN, "zerotee"), "--headless", "--config", config,
                                "--no-http"], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        ctl = connect_control(os.path.join(runtime, "zerotee", "control.sock"), 15)
        if not check(bool(ctl), "control socket is up"):
            return 1

        def all_running():
            s = ctl(cmd="status")["result"]
            return (len(s["cameras"]) == 2 and all(c["state"] == "running" for c in s["cameras"])
                    and all(w["state"] == "running" for w in s["workers"]) and s)
        status = wait_for(all_running, 20, 0.2)
        check(bool(status), "two captures and four workers running")
        for name, (w, h) in CAMERAS.items():
            url = f"rtsp://127.0.0.1:{ports[name]}/{name}"
            probe = ffprobe_video(url, ["-rtsp_transport", "tcp"])
            check(probe == ("h264", w, h), f"{url}: {probe}, expected h264 {w}x{h}")
        # Both recorders connected to their own camera's bus, and each has closed a segment.
        for name in CAMERAS:
            w = worker(ctl(cmd="status")["result"], f"rec-{name}")
            check(w and w["camera"] == name and w["bus_connected"],
                  f"rec-{name} reads camera {w and w['camera']} (connected {w and w['bus_connected']})")
        wait_for(lambda: all(glob.glob(os.path.join(rec, n, "*", f"{n}_*.mkv")) for n in CAMERAS),
                 15, 0.2)
    finally:
        terminate(sup)
    check(sup.returncode == 0, f"supervisor stopped cleanly (exit {sup.returncode})")

    check(sorted(os.listdir(rec)) == sorted(CAMERAS), f"folders in {rec}: {sorted(os.listdir(rec))}")
    for name, (w, h) in CAMERAS.items():
        files = sorted(glob.glob(os.path.join(rec, name, "*", "*")))
        names_ok = files and all(os.path.basename(p).startswith(name + "_") and p.endswith(".mkv")
                                 for p in files)
        check(names_ok, f"{name}: {len(files)} files, all {name}_*.mkv: "
              f"{[os.path.basename(p) for p in files[:2]]}")
        probes = [ffprobe_video(p) for p in files]
        check(files and all(p == ("h264", w, h) for p in probes),
              f"{name}: every file is h264 {w}x{h}: {sorted(set(map(str, probes)))}")
    return check.finish(tmp, log_path)


if __name__ == "__main__":
    sys.exit(main())
