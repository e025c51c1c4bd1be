#!/usr/bin/python3
"""Camera faults (issue 16, point 2, third item).

vivid's Disconnect control simulates a USB unplug: every open file handle fails with ENODEV
until all are closed. The capture must report the fault and close the device; the module is then
unloaded in the window before the capture's retry (the device node goes away), the capture keeps
retrying with backoff, and once vivid is loaded again capture resumes by itself. A consumer
watching throughout continues without restarting; the recorder ends its file at the unplug (a
pause of 3 s or more in the stream) and starts the next when frames return; all decode cleanly."""
import glob
import os
import signal

from vmcheck import (BIN, DEVICE, Background, Checks, Supervisor, evidence, finish,
                     main_guard, monitor_totals, vivid_load, vivid_unload, vivid_webcam, wait_for)
from zerotee_harness import decode_errors


def run():
    check = Checks()
    vivid_load()
    rec = os.path.join(os.environ.get("TMPDIR", "/tmp"), "faults-rec")
    try:
        vivid_webcam()
        sup = Supervisor("--source", f"v4l2:{DEVICE}", "--size", "320x180", "--fps", "15",
                         "--format", "NV12", "--record", rec, http=False)
        witness = None
        try:
            check(sup.wait_capture(frames=10), "capture running")
            witness = Background([os.path.join(BIN, "zerotee-monitor"), "--socket", sup.socket,
                                  "--json", "--name", "witness", "--seconds", "600"])
            check(bool(wait_for(lambda: (sup.consumer(witness.pid) or {}).get("frames_sent", 0) > 5, 60)),
                  "the witness consumer receives frames")
            check(bool(wait_for(lambda: (sup.worker("recorder") or {}).get("frames", 0) > 15, 90)),
                  "the recorder receives frames")

            # The unplug.
            r0 = sup.camera()["retries"]
            os.system(f"v4l2-ctl -d {DEVICE} -c disconnect=1")
            # vivid can be unloaded only once nothing has the device open: the capture must close it.
            unloaded = vivid_unload(timeout=60)
            check(unloaded, "the capture closed the device after the unplug (vivid could be unloaded)")
            check(not os.path.exists(DEVICE), f"{DEVICE} is gone")
            wait_for(lambda: sup.camera()["retries"] >= r0 + 3, 90)
            cam = sup.camera()
            errors = [e["message"] for e in sup.events("capture") if e.get("state") == "error"]
            evidence(f"after the unplug: capture state {cam['state']}, error {cam['error']!r}, retries "
                     f"{r0} -> {cam['retries']}; capture events: {errors[:3]}")
            check(len(errors) >= 1 and cam["error"] != "", "the capture reports the fault")
            check(cam["retries"] >= r0 + 3 and cam["state"] != "running",
                  "capture keeps retrying (with backoff) while the camera is away")

            # Plugged back in.
            frames_before = sup.camera()["frames"]
            sent_before = (sup.consumer(witness.pid) or {}).get("frames_sent", 0)
            print("reloading vivid", flush=True)
            vivid_load()
            vivid_webcam()
            print(f"vivid is back; capture {sup.camera()['state']}, retries {sup.camera()['retries']}", flush=True)
            back = wait_for(lambda: sup.camera()["state"] == "running" and
                            sup.camera()["frames"] > frames_before + 15, 90, step=0.5)
            cam = sup.camera()
            evidence(f"after reloading vivid: capture {cam['state']}, frames {frames_before} -> {cam['frames']}, "
                     f"retries {cam['retries']}, pixel_bytes_copied {cam.get('pixel_bytes_copied')}")
            check(bool(back), "capture resumes by itself once the device is back")
            got = wait_for(lambda: (sup.consumer(witness.pid) or {}).get("frames_sent", 0) > sent_before + 10, 60)
            check(bool(got) and witness.proc.poll() is None,
                  "the witness consumer (same process) receives frames again")
            rec_frames = (sup.worker("recorder") or {}).get("frames", 0)
            check(bool(wait_for(lambda: (sup.worker("recorder") or {}).get("frames", 0) > rec_frames + 10, 90)),
                  "the recorder receives frames again")
            recorder = sup.worker("recorder")
            check(recorder["restarts"] == 0, f"the recorder was not restarted ({recorder['restarts']} restarts)")
            witness.stop()
            totals = monitor_totals(witness.text())
            evidence(f"witness totals: {totals}")
        finally:
            if witness:
                witness.stop(signal.SIGKILL)
            sup.stop()
        files = sorted(glob.glob(os.path.join(rec, "**", "*.mkv"), recursive=True) +
                       glob.glob(os.path.join(rec, "**", "*.mp4"), recursive=True))
        bad = {os.path.basename(f): decode_errors(f) for f in files}
        bad = {k: v for k, v in bad.items() if v}
        evidence(f"recordings: {[os.path.basename(f) for f in files]}; decode errors: {bad or 'none'}")
        check(len(files) >= 1 and not bad, "every recording decodes cleanly (ffmpeg)")
        # The unplug ends the file being written; the camera's return starts the next one.
        check(len(files) >= 2, f"the recording split at the unplug ({len(files)} files)")
    finally:
        vivid_unload()
    return finish(check)


main_guard(run)
