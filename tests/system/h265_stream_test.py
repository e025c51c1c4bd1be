#!/usr/bin/env python3
"""An H.265 stream end to end (issue 15, item 1: "H.265 where the encoder exists"). The real
supervisor with a `main` H.264 stream and an `hevc` H.265 stream of the same camera, a recorder
and an RTSP worker on the H.265 one and a recorder on the H.264 one, judged from outside
(zeroteectl status, ffprobe on the RTSP URL and on the files, ffmpeg decoding every file, a
third-party gst-launch-1.0 pipeline on the stream's socket).

Skips (77) where the registry has no H.265 encoder (x265enc comes with gstreamer1.0-plugins-bad).

usage: h265_stream_test.py BIN_DIR
"""
import glob
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zerotee_harness import Checks, connect_control, decode_errors, ffprobe_video, free_port, wait_for, worker  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
ZEROTEE = os.path.join(BIN, "zerotee")
check = Checks()


def bad_configs(env, tmp):
    cases = [
        ('[[camera]]\nname = "c"\n[[camera.stream]]\nname = "h"\ncodec = "h265"\nprofile = "high"\n',
         "camera[0].stream[0].profile"),
        ('[[camera]]\nname = "c"\n[[worker]]\nkind = "recorder"\ncamera = "c"\n[worker.options]\n'
         'dir = "/tmp"\nstream = "main"\ncodec = "h265"\n',
         "worker 'recorder': option 'stream' with its own encoding options"),
    ]
    for text, key in cases:
        path = os.path.join(tmp, "bad.toml")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([ZEROTEE, "--headless", "--config", path], env=env, capture_output=True,
                           text=True, timeout=20)
        check(r.returncode != 0 and key in r.stderr,
              f"bad H.265 config -> exit {r.returncode}: {r.stderr.strip()[:140]}")


def main():
    if subprocess.run(["gst-inspect-1.0", "x265enc"], capture_output=True).returncode != 0:
        print("SKIP: no x265enc in the GStreamer registry")
        return 77
    tmp = tempfile.mkdtemp(prefix="zerotee-h265.")
    runtime = os.path.join(tmp, "run")
    os.makedirs(runtime, mode=0o700)
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime)
    bad_configs(env, tmp)

    rec_dir = os.path.join(tmp, "rec")
    port = free_port()
    config = os.path.join(tmp, "zerotee.toml")
    with open(config, "w") as f:
        f.write(f"""log_level = "warning"
[http]
enabled = false
[[camera]]
name = "cam0"
source = "test"
size = "640x360"
fps = 15
[[camera.stream]]
name = "main"
bitrate = 800
gop = 15
[[camera.stream]]
name = "hevc"
codec = "h265"
bitrate = 600
gop = 15
[[worker]]
name = "rec-hevc"
kind = "recorder"
[worker.options]
dir = "{rec_dir}/hevc"
segment_seconds = 3
stream = "hevc"
[[worker]]
name = "rec-avc"
kind = "recorder"
[worker.options]
dir = "{rec_dir}/avc"
segment_seconds = 3
[[worker]]
name = "live"
kind = "rtsp"
[worker.options]
port = {port}
stream = "hevc"
""")
    log = open(os.path.join(tmp, "zerotee.log"), "w")
    sup = subprocess.Popen([ZEROTEE, "--headless", "--config", config], env=env, stdout=log,
                           stderr=subprocess.STDOUT)
    control = os.path.join(runtime, "zerotee", "control.sock")
    try:
        ctl = connect_control(control)
        check(bool(ctl), "control socket is up")

        def status():
            return ctl(cmd="status")["result"]

        def hevc(s):
            return worker(s, "enc-cam0-hevc")
        up = wait_for(lambda: (lambda s: s if all(w["state"] == "running" for w in s["workers"])
                               and hevc(s) and hevc(s)["reported"].get("frames", 0) > 15 else None)(status()), 30)
        check(bool(up), "all workers running, the H.265 stream encoding")
        s = status()
        streams = {st["name"]: st for st in s["streams"]}
        check(streams.get("hevc", {}).get("codec") == "h265" and streams.get("main", {}).get("codec") == "h264",
              f"status: streams {[(n, st.get('codec'), st.get('encoder')) for n, st in streams.items()]}")
        reported = (hevc(s) or {}).get("reported", {})
        check(reported.get("encoder") == "x265enc" and reported.get("codec") == "h265",
              f"the hevc stream's encoder reports {reported.get('encoder')} / {reported.get('codec')}")
        text = subprocess.run([os.path.join(BIN, "zeroteectl"), "--control", control, "status"],
                              capture_output=True, text=True, timeout=10).stdout
        lines = [l for l in text.splitlines() if l.startswith("stream cam0.hevc")]
        check(len(lines) == 1 and "h265" in lines[0], f"zeroteectl status: {lines}")

        st = ffprobe_video(f"rtsp://127.0.0.1:{port}/live", ["-rtsp_transport", "tcp"])
        check(st == ("hevc", 640, 360), f"ffprobe of the RTSP mount on the H.265 stream: {st}")
        sock = os.path.join(runtime, "zerotee", "cam0.hevc.sock")
        if not os.path.exists(sock):
            sock = next(iter(glob.glob(os.path.join(runtime, "**", "cam0.hevc.sock"), recursive=True)), sock)
        r = subprocess.run(["gst-launch-1.0", "-q", "zeroteesrc", f"socket-path={sock}", "num-buffers=20",
                            "!", "h265parse", "!", "avdec_h265", "!", "fakesink"],
                           env=env, capture_output=True, text=True, timeout=30)
        check(r.returncode == 0, f"gst-launch-1.0 zeroteesrc socket-path=…/cam0.hevc.sock ! h265parse ! "
                                 f"avdec_h265: exit {r.returncode} {r.stderr.strip()[-200:]}")
        time.sleep(8)  # a few 3 s segments on both recorders
    finally:
        sup.send_signal(signal.SIGTERM)
        try:
            rc = sup.wait(20)
        except subprocess.TimeoutExpired:
            sup.kill()
            rc = -9
        log.close()
    check(rc == 0, f"supervisor stopped cleanly (exit {rc})")
    for name, codec in (("hevc", "hevc"), ("avc", "h264")):
        files = sorted(glob.glob(os.path.join(rec_dir, name, "**", "*.mkv"), recursive=True))
        codecs = {(ffprobe_video(f) or ("?",))[0] for f in files}
        bad = [f for f in files if decode_errors(f)]
        check(len(files) >= 2 and codecs == {codec} and not bad,
              f"recorder on {name}: {len(files)} files, codecs {sorted(c or '?' for c in codecs)}, "
              f"{len(bad)} with ffmpeg errors")
    return check.finish(tmp, os.path.join(tmp, "zerotee.log"))


if __name__ == "__main__":
    sys.exit(main())
