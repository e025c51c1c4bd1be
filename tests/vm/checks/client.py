#!/usr/bin/python3
"""The client library on a real driver's DMABUFs (issue 19).

vivid's webcam input, 640x360 NV12, colour squares (content in both planes), captured by zerotee
with io-mode=dmabuf. A Python client (the `zerotee` package from the build tree, on
libzerotee-client) reads 20 frames under strace: every frame must be the driver's DMABUF (the
frame's fd links to /dmabuf:, memory_type "dmabuf"), its Y and UV planes numpy views, the Y
plane's mean equal to that of the same picture taken by a zeroteesrc consumer, and the library
must bracket the reads with DMA_BUF_IOCTL_SYNC (start and end: at least two successful calls per
frame) — the call memfds never get."""
import json
import os
import shutil
import subprocess
import tempfile

from gstconsumer import consume
from vmcheck import (BUILD, DEVICE, Checks, Supervisor, evidence, finish, main_guard,
                     set_controls, vivid_load, vivid_unload, vivid_webcam)

W, H, FPS, FRAMES = 640, 360, 30, 20

CLIENT = """
import json, os, sys
import zerotee
out = []
with zerotee.Subscriber(sys.argv[1], policy="all", quota=2, name="vm-client") as sub:
    for _ in range(int(sys.argv[2])):
        with sub.next(timeout=20) as frame:
            y, uv = frame.planes
            out.append({"memory": frame.memory_type, "link": os.readlink(f"/proc/self/fd/{frame.fd}"),
                        "shape": [list(y.shape), list(uv.shape)], "owndata": bool(y.flags.owndata),
                        "y": float(y.mean()), "uv": float(uv.mean())})
            del y, uv
print(json.dumps(out))
"""


def run():
    check = Checks()
    vivid_load()
    work = tempfile.mkdtemp(prefix="vm-client.")
    try:
        vivid_webcam(osd=False)
        set_controls(test_pattern=4)  # 100% colour squares: every frame the same pixels
        sup = Supervisor("--source", f"v4l2:{DEVICE}", "--size", f"{W}x{H}", "--fps", str(FPS),
                         "--format", "NV12", http=False)
        try:
            check(sup.wait_capture(frames=10), "capture running")
            ref = consume(f"zeroteesrc socket-path={sup.socket} ! videoconvert ! "
                          "video/x-raw,format=I420 ! appsink name=out sync=false", 3, keep_last=True)
            y_ref = sum(ref.last[:W * H]) / (W * H) if len(ref.last) >= W * H else -1.0
            evidence(f"zeroteesrc reference: {ref.buffers} frames, Y mean {y_ref:.2f} {ref.error}")

            script = os.path.join(work, "client.py")
            with open(script, "w") as f:
                f.write(CLIENT)
            env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"))
            trace = os.path.join(work, "ioctl.txt")
            strace = shutil.which("strace")
            cmd = ["/usr/bin/python3", script, sup.socket, str(FRAMES)]
            if strace:
                cmd = [strace, "-f", "-e", "trace=ioctl", "-o", trace] + cmd
            done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
            lines = [line for line in done.stdout.splitlines() if line.startswith("[")]
            frames = json.loads(lines[-1]) if lines else []
            evidence(f"python client: exit {done.returncode}, {len(frames)} frames, first "
                     f"{frames[:1]} {done.stderr.strip()[-300:]}")
            check(len(frames) == FRAMES, f"the Python client read {len(frames)} of {FRAMES} frames")
            check(bool(frames) and all(f["memory"] == "dmabuf" and f["link"].startswith("/dmabuf:")
                                       for f in frames),
                  "every frame is the driver's DMABUF (memory_type dmabuf, fd -> /dmabuf:)")
            check(bool(frames) and all(f["shape"] == [[H, W], [H // 2, W // 2, 2]] and
                                       not f["owndata"] for f in frames),
                  "planes are views (OWNDATA false) of 360x640 Y and 180x320x2 UV")
            first_y = frames[0]["y"] if frames else -1.0
            check(bool(frames) and y_ref >= 0 and all(abs(f["y"] - y_ref) < 0.5 for f in frames),
                  f"the Y plane read through the mapping equals the zeroteesrc picture "
                  f"({first_y:.2f} vs {y_ref:.2f})")
            if strace:
                with open(trace) as f:
                    syncs = [line for line in f if "DMA_BUF_IOCTL_SYNC" in line]
                ok = [line for line in syncs if line.rstrip().endswith("= 0")]
                evidence(f"strace: {len(syncs)} DMA_BUF_IOCTL_SYNC calls, {len(ok)} returned 0; "
                         f"e.g. {syncs[:1]}")
                check(len(ok) >= 2 * FRAMES,
                      f"reads bracketed by DMA_BUF_IOCTL_SYNC: {len(ok)} successful calls for "
                      f"{FRAMES} frames (start + end each)")
            else:
                evidence("strace is not installed: the DMA_BUF_IOCTL_SYNC count is not checked")
        finally:
            sup.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
        vivid_unload()
    return finish(check)


main_guard(run)
