#!/usr/bin/python3
"""Workers on camera buffers (issue 16, point 2, fifth item; issue 15, encode once).

The stream's encoder runs on the camera's DMABUFs (small size and rate: x264 is software here
and everything is emulated); the recorder and the RTSP worker read its access units from the
stream's bus (cam0.main.sock, beside the camera's socket) and produce a file and a stream that
ffprobe and ffmpeg accept."""
import glob
import json
import os
import subprocess

from vmcheck import (DEVICE, Checks, Supervisor, dmabuf_fds, dmabuf_maps, evidence, finish,
                     free_port, main_guard, vivid_load, vivid_unload, vivid_webcam, wait_for)
from zerotee_harness import decode_errors

W, H, FPS = 320, 180, 15


def holds_dmabuf(pid):
    return len(dmabuf_fds(pid)) + len(dmabuf_maps(pid))


def probe(target, extra=()):
    r = subprocess.run(["ffprobe", "-v", "error", *extra, "-select_streams", "v:0", "-count_frames",
                        "-show_entries", "stream=codec_name,width,height,nb_read_frames", "-of", "json",
                        target], capture_output=True, text=True, timeout=120)
    try:
        return json.loads(r.stdout)["streams"][0], r.stderr.strip()
    except (ValueError, KeyError, IndexError):
        return {}, r.stderr.strip() or r.stdout.strip()


def run():
    check = Checks()
    vivid_load()
    rec = os.path.join(os.environ.get("TMPDIR", "/tmp"), "workers-rec")
    port = free_port()
    try:
        vivid_webcam()
        sup = Supervisor("--source", f"v4l2:{DEVICE}", "--size", f"{W}x{H}", "--fps", str(FPS),
                         "--format", "NV12", "--record", rec, "--rtsp-port", str(port), http=False)
        try:
            check(sup.wait_capture(frames=10), "capture running")
            check(bool(wait_for(lambda: (sup.worker("enc-cam0-main") or {}).get("frames", 0) >= 3 * FPS, 120)),
                  "the stream's encoder receives the camera's frames")
            check(bool(wait_for(lambda: (sup.worker("recorder") or {}).get("frames", 0) >= 3 * FPS, 120)),
                  "the recorder receives the stream's access units")
            url = f"rtsp://127.0.0.1:{port}/live"
            # A client pulls 30 decoded frames of the shared stream.
            pull = subprocess.Popen(["ffmpeg", "-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url,
                                     "-frames:v", "30", "-f", "null", "-"],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            encoder = sup.worker("enc-cam0-main")
            recorder = sup.worker("recorder")
            rtsp = sup.worker("rtsp")
            evidence(f"encoder pid {encoder['pid']} holds {holds_dmabuf(encoder['pid'])} /dmabuf: fds and "
                     f"mappings; recorder pid {recorder['pid']} holds {holds_dmabuf(recorder['pid'])}; "
                     f"rtsp pid {rtsp['pid']} holds {holds_dmabuf(rtsp['pid'])}")
            check(holds_dmabuf(encoder["pid"]) > 0, "the stream's encoder reads the camera's DMABUFs")
            check(holds_dmabuf(recorder["pid"]) == 0 and holds_dmabuf(rtsp["pid"]) == 0,
                  "the recorder and the RTSP worker encode nothing: no camera buffer in them")
            out, _ = pull.communicate(timeout=150)
            evidence(f"ffmpeg pulled 30 frames from {url}: exit {pull.returncode} {out.strip()[:200]}")
            check(pull.returncode == 0, "ffmpeg decodes 30 frames of the RTSP stream")
            stream, err = probe(url, ["-rtsp_transport", "tcp", "-read_intervals", "%+#10"])
            evidence(f"ffprobe {url}: {stream} {err[:200]}")
            check(stream.get("codec_name") == "h264" and stream.get("width") == W and
                  stream.get("height") == H, "ffprobe accepts the RTSP stream (h264 at the camera's size)")
            cam = sup.camera()
            evidence(f"capture: {cam['frames']} frames, pixel_bytes_copied {cam.get('pixel_bytes_copied')}, "
                     f"memory {cam.get('memory')}")
            check(cam.get("pixel_bytes_copied") == 0 and cam.get("memory") == "upstream-dmabuf",
                  "the encoder ran on the camera's DMABUFs, nothing copied")
        finally:
            sup.stop()
        files = sorted(glob.glob(os.path.join(rec, "**", "*.mkv"), recursive=True))
        check(len(files) >= 1, f"the recorder finished a file: {[os.path.basename(f) for f in files]}")
        for f in files:
            stream, err = probe(f)
            bad = decode_errors(f)
            evidence(f"ffprobe {os.path.basename(f)}: {stream} {err[:200]}; ffmpeg decode errors: {bad or 'none'}")
            check(stream.get("codec_name") == "h264" and int(stream.get("nb_read_frames", 0)) > 0 and not bad,
                  f"{os.path.basename(f)} is h264 with frames and decodes cleanly")
    finally:
        vivid_unload()
    return finish(check)


main_guard(run)
