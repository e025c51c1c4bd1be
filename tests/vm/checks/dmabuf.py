#!/usr/bin/python3
"""DMABUF end to end on a real V4L2 driver (issue 16, point 2, first item).

vivid's webcam input at 640x360 NV12 30 fps, OSD text off. zerotee captures it with
io-mode=dmabuf; a GStreamer consumer (zeroteesrc ! appsink), zerotee-monitor, a gst-launch-1.0
pipeline and the AI worker must all hold the driver's own buffers (/dmabuf: fds,
gst_is_dmabuf_memory), the supervisor must have copied 0 pixel bytes, status, API and /metrics
must say the bus carries the camera's DMABUFs, and the pixels a consumer gets must equal a direct
v4l2src capture of the same pattern.

Then the same judgement on a capture forced to io-mode=mmap, which must come out the other way
(memfd copies, pixel bytes copied, memory "copied"): the checks above can tell the difference."""
import os
import time

from gstconsumer import consume, kinds
from vmcheck import (BIN, DEVICE, Background, Checks, Supervisor, dmabuf_fds, dmabuf_maps, evidence, finish,
                     main_guard, monitor_totals, set_controls, vivid_load, vivid_webcam,
                     vivid_unload, wait_for)

W, H, FPS = 640, 360, 30
TO_I420 = "videoconvert ! video/x-raw,format=I420 ! appsink name=out sync=false"


def bus_consumers(check, sup, expect_dmabuf):
    """Consumers of sup's bus; returns (dmabuf buffers, buffers, last I420 frame)."""
    raw = consume(f"zeroteesrc socket-path={sup.socket} ! appsink name=out sync=false "
                  "max-buffers=2 drop=true", 20)
    evidence(f"zeroteesrc ! appsink: {raw.buffers} buffers, {raw.dmabuf} gst_is_dmabuf_memory, "
             f"fd kinds {kinds(raw.fd_links)}, offsets {raw.offsets[:3]}..{raw.offsets[-2:]}, "
             f"caps {raw.caps[:60]} {raw.error}")
    check(raw.buffers == 20, f"a zeroteesrc consumer got {raw.buffers} of 20 buffers")
    all_dmabuf = raw.buffers > 0 and raw.dmabuf == raw.buffers and \
        all(link.startswith("/dmabuf:") for link in raw.fd_links)
    check(all_dmabuf == expect_dmabuf,
          f"every buffer the consumer got is a DMABUF (/dmabuf: fd): {all_dmabuf}, expected {expect_dmabuf}")
    pixels = consume(f"zeroteesrc socket-path={sup.socket} ! {TO_I420}", 3, keep_last=True)
    return raw, pixels.last


def run():
    check = Checks()
    vivid_load()
    try:
        vivid_webcam(osd=False)
        set_controls(test_pattern=4)  # 100% colour squares: content in every plane
        # The reference: the driver's frames read directly, before zerotee owns the device.
        ref = consume(f"v4l2src device={DEVICE} io-mode=mmap ! video/x-raw,format=NV12,width={W},"
                      f"height={H} ! {TO_I420}", 3, keep_last=True)
        evidence(f"direct v4l2src capture: {ref.buffers} frames, {len(ref.last)} bytes I420 {ref.error}")
        check(ref.buffers == 3 and len(ref.last) == W * H * 3 // 2, "a direct v4l2src capture of vivid")

        sup = Supervisor("--source", f"v4l2:{DEVICE}", "--size", f"{W}x{H}", "--fps", str(FPS),
                         "--format", "NV12", "--ai")
        try:
            check(sup.wait_capture(frames=30), f"capture running: {sup.camera()}")
            cam = sup.camera()
            sup_dmabufs = dmabuf_fds(sup.pid)
            evidence(f"supervisor pid {sup.pid} holds {len(sup_dmabufs)} /dmabuf: fds; capture "
                     f"{cam['frames']} frames, pixel_bytes_copied {cam.get('pixel_bytes_copied')}, "
                     f"memory {cam.get('memory')}")
            check(len(sup_dmabufs) >= 2, "the supervisor holds the camera's DMABUFs (/dmabuf: fds)")
            check(cam.get("pixel_bytes_copied") == 0, "status: 0 pixel bytes copied")
            check(cam.get("memory") == "upstream-dmabuf", f"status: the bus carries the camera's DMABUFs "
                  f"(memory {cam.get('memory')!r})")

            monitor = Background([os.path.join(BIN, "zerotee-monitor"), "--socket", sup.socket,
                                  "--seconds", "600", "--json", "--name", "vm-monitor"])
            launch = Background(["gst-launch-1.0", "-q", "zeroteesrc", f"socket-path={sup.socket}",
                                 "!", "fakesink", "sync=false"])
            # A consumer holds the DMABUF as an fd or as a mapping (map once, close the fd).
            mon = wait_for(lambda: dmabuf_fds(monitor.pid) + dmabuf_maps(monitor.pid), 60)
            gl = wait_for(lambda: dmabuf_fds(launch.pid) + dmabuf_maps(launch.pid), 60)
            evidence(f"zerotee-monitor holds {len(dmabuf_fds(monitor.pid))} /dmabuf: fds and "
                     f"{len(dmabuf_maps(monitor.pid))} /dmabuf: mappings; gst-launch-1.0 zeroteesrc "
                     f"{len(dmabuf_fds(launch.pid))} fds and {len(dmabuf_maps(launch.pid))} mappings")
            check(bool(mon), "zerotee-monitor receives the driver's DMABUFs")
            check(bool(gl), "gst-launch-1.0 zeroteesrc receives the driver's DMABUFs")

            raw, frame = bus_consumers(check, sup, expect_dmabuf=True)
            same = frame == ref.last
            differing = sum(1 for a, b in zip(frame, ref.last) if a != b) if not same else 0
            evidence(f"pixels over the bus vs direct capture: {len(frame)} / {len(ref.last)} bytes, "
                     f"{differing} differ")
            check(len(frame) == len(ref.last) and same,
                  "the pixels a consumer gets equal a direct v4l2src capture of the same pattern")

            monitor.stop()
            launch.stop()
            totals = monitor_totals(monitor.text())
            evidence(f"zerotee-monitor totals: {totals}")
            check(totals is not None and totals["frames"] > 0, "zerotee-monitor counted frames")
            if not gl:
                print(launch.text()[-2000:])

            ai = wait_for(lambda: (sup.worker("ai") or {}).get("frames", 0) > 0 and sup.worker("ai"), 60)
            ai_dmabufs = dmabuf_fds(ai["pid"]) + dmabuf_maps(ai["pid"]) if ai and ai.get("pid") else []
            evidence(f"AI worker: {ai and ai.get('frames')} frames, pid {ai and ai.get('pid')} holds "
                     f"{len(ai_dmabufs)} /dmabuf: fds and mappings")
            check(bool(ai) and len(ai_dmabufs) > 0, "the AI worker receives the driver's DMABUFs")

            api = sup.http("/api/status")
            metrics = sup.http("/metrics")
            copied_line = [m for m in metrics.splitlines() if m.startswith("zerotee_capture_pixel_bytes_copied_total")]
            memory_line = [m for m in metrics.splitlines() if m.startswith("zerotee_capture_memory")]
            evidence(f"/metrics: {copied_line} {memory_line}")
            check('"memory":"upstream-dmabuf"' in api.replace(" ", ""), "/api/status says memory upstream-dmabuf")
            check(any(line.endswith(" 0") for line in copied_line), "/metrics: 0 pixel bytes copied")
            check(any('memory="upstream-dmabuf"' in m and m.endswith(" 1") for m in memory_line),
                  "/metrics says the bus carries upstream DMABUFs")
            cam = sup.camera()
            check(cam.get("pixel_bytes_copied") == 0, f"after all consumers: still 0 pixel bytes copied "
                  f"({cam['frames']} frames captured)")
        finally:
            sup.stop()
        print("--- zerotee log (tail) ---\n" + "\n".join(sup.log_text().splitlines()[-15:]), flush=True)

        # The same judgement on a capture forced to io-mode=mmap: it must come out the other way.
        time.sleep(0.5)
        mmap = Supervisor("--source", f"pipeline:v4l2src device={DEVICE} io-mode=mmap",
                          "--size", f"{W}x{H}", "--fps", str(FPS), "--format", "NV12", name="mmap")
        try:
            check(mmap.wait_capture(frames=10), "io-mode=mmap capture running")
            bus_consumers(check, mmap, expect_dmabuf=False)
            cam = mmap.camera()
            evidence(f"io-mode=mmap: supervisor holds {len(dmabuf_fds(mmap.pid))} /dmabuf: fds, "
                     f"pixel_bytes_copied {cam.get('pixel_bytes_copied')}, memory {cam.get('memory')}")
            check(cam.get("pixel_bytes_copied", 0) > 0 and cam.get("memory") == "copied-memfd",
                  "io-mode=mmap: copies are counted and status says memory copied-memfd")
        finally:
            mmap.stop()
    finally:
        vivid_unload()
    return finish(check)


main_guard(run)
