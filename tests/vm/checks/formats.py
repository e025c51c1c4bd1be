#!/usr/bin/python3
"""Formats (issue 16, point 2, fourth item).

vivid's webcam offers NV12 and YUYV (among others). With `--source v4l2` and the bus format
NV12, the capture must pick NV12 from the camera and convert nothing (the camera's own DMABUFs
on the bus, 0 pixel bytes copied). A camera that delivers only YUYV (forced here with a caps
filter after v4l2src) needs a conversion to NV12: every converted frame is a copy of its pixels
and must be counted as such and shown in status."""
from vmcheck import (DEVICE, Checks, Supervisor, evidence, finish, main_guard, v4l2, vivid_load,
                     vivid_unload, vivid_webcam, wait_for)

W, H = 640, 360
FRAME = W * H * 3 // 2  # NV12


def camera_format():
    out = v4l2("--get-fmt-video")
    for line in out.splitlines():
        if "Pixel Format" in line:
            return line.split(":", 1)[1].strip()
    return out


def run():
    check = Checks()
    vivid_load()
    try:
        vivid_webcam()
        formats = v4l2("--list-formats")
        check("'NV12'" in formats and "'YUYV'" in formats, "vivid's webcam offers NV12 and YUYV")

        sup = Supervisor("--source", f"v4l2:{DEVICE}", "--size", f"{W}x{H}", "--fps", "30",
                         "--format", "NV12", http=False)
        try:
            check(sup.wait_capture(frames=20), "capture running")
            cam = sup.camera()
            fmt = camera_format()
            evidence(f"--source v4l2, bus NV12: the camera runs {fmt}; conversion {cam.get('conversion')!r}, "
                     f"pixel_bytes_copied {cam.get('pixel_bytes_copied')}, memory {cam.get('memory')}, "
                     f"{cam['frames']} frames")
            check("NV12" in fmt, "the capture picked the camera's NV12")
            check(cam.get("conversion") == "" and cam.get("pixel_bytes_copied") == 0 and
                  cam.get("pixel_bytes_converted") == 0, "nothing converted, nothing copied")
            check(cam.get("memory") == "upstream-dmabuf", "the bus carries the camera's own DMABUFs")
        finally:
            sup.stop()

        yuyv = Supervisor("--source", f"pipeline:v4l2src device={DEVICE} io-mode=dmabuf ! "
                          f"capsfilter caps=video/x-raw,format=YUY2", "--size", f"{W}x{H}",
                          "--fps", "30", "--format", "NV12", http=False, name="yuyv")
        try:
            check(yuyv.wait_capture(frames=20), "YUYV capture running")
            wait_for(lambda: yuyv.camera().get("pixel_bytes_copied", 0) >= 10 * FRAME, 30)
            cam = yuyv.camera()
            fmt = camera_format()
            frames = cam["frames"]
            converted = cam.get("pixel_bytes_converted", 0)
            evidence(f"YUYV camera, bus NV12: the camera runs {fmt}; conversion {cam.get('conversion')!r}, "
                     f"pixel_bytes_converted {converted} ({converted / FRAME:.0f} NV12 frames of {frames} "
                     f"captured), pixel_bytes_copied {cam.get('pixel_bytes_copied')}, memory {cam.get('memory')}")
            check("YUYV" in fmt, "the camera delivers YUYV")
            check(cam.get("conversion") == f"YUY2 {W}x{H} -> NV12 {W}x{H}", "status names the conversion")
            check(converted > 0 and converted % FRAME == 0 and converted // FRAME <= frames,
                  "the converted bytes are whole NV12 frames, no more than were captured")
            check(cam.get("pixel_bytes_copied", 0) >= converted > 0,
                  "the conversion is counted as copied pixel bytes")
        finally:
            yuyv.stop()
    finally:
        vivid_unload()
    return finish(check)


main_guard(run)
