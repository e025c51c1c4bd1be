#!/usr/bin/python3
"""The pool is the camera's (issue 16, point 2, second item).

zerotee captures vivid with io-mode=dmabuf; the bus's buffers are the driver's videobuf2
buffers. Two consumers are frozen with SIGSTOP while each holds its whole quota of distinct
camera buffers (leases long enough that they are not evicted meanwhile): capture must go on
(more frames than the pool had buffers, the frozen consumers still holding theirs) and a
watching consumer must see the camera's sequence numbers without a stall. kill -9 of a frozen
consumer returns its buffers at once; SIGCONT lets the other one resume."""
import os
import signal

from vmcheck import (BIN, DEVICE, Background, Checks, Supervisor, evidence, finish, frozen_consumers_config, kill_all, main_guard,
                     monitor_totals, vivid_load, vivid_unload, vivid_webcam, wait_for)

QUOTA = 4


def run():
    check = Checks()
    vivid_load()
    try:
        vivid_webcam()
        cfg = frozen_consumers_config("pool")
        sup = Supervisor("--config", cfg, http=False)
        consumers = []
        try:
            check(sup.wait_capture(frames=10), "capture running")
            registered0 = sup.camera()["bus"]["buffers_registered"]
            cam = sup.camera()
            evidence(f"the camera's pool: {cam.get('source_pool')}; the bus admits consumers against "
                     f"{cam['bus'].get('pool_capacity')} buffers")
            check(cam.get("source_pool", {}).get("max_buffers", 0) > cam.get("source_pool", {}).get("buffers", 0)
                  and cam["bus"].get("pool_capacity") == cam["source_pool"]["max_buffers"],
                  "admission counts the buffers v4l2src can create (VIDIOC_CREATE_BUFS), not pool_size")
            monitor = os.path.join(BIN, "zerotee-monitor")
            witness = Background([monitor, "--socket", sup.socket, "--json", "--name", "witness",
                                  "--seconds", "600"])
            consumers.append(witness)
            frozen = []
            for name in ("frozen-a", "frozen-b"):
                c = Background([monitor, "--socket", sup.socket, "--name", name, "--quota", str(QUOTA),
                                "--seconds", "600"])
                consumers.append(c)
                check(bool(wait_for(lambda: (sup.consumer(c.pid) or {}).get("frames_sent", 0) >= QUOTA, 60)),
                      f"{name} receives frames")
                c.proc.send_signal(signal.SIGSTOP)
                held = wait_for(lambda: (sup.consumer(c.pid) or {}).get("held") == QUOTA, 60)
                check(bool(held), f"{name} frozen with SIGSTOP holds its whole quota ({QUOTA} buffers)")
                frozen.append(c)
                # The next one must hold other buffers than this one: let the camera move on.
                start = sup.camera()["frames"]
                wait_for(lambda: sup.camera()["frames"] >= start + 2 * QUOTA, 60)

            cam = sup.camera()
            frames0, held0 = cam["frames"], cam["bus"]["buffers_held"]
            sent0 = (sup.consumer(witness.pid) or {}).get("frames_sent", 0)
            evidence(f"frozen consumers hold {held0} buffers; the bus had {registered0} camera buffers "
                     f"registered at start, {cam['bus']['buffers_registered']} now; capture {frames0} frames")
            # More frames than there are buffers: the camera recycles buffers the frozen ones do not hold.
            target = frames0 + 3 * max(cam["bus"]["buffers_registered"], 8)
            moved = wait_for(lambda: sup.camera()["frames"] >= target, 120, step=0.5)
            cam = sup.camera()
            sent = (sup.consumer(witness.pid) or {}).get("frames_sent", 0) - sent0
            still = [(sup.consumer(c.pid) or {}).get("held") for c in frozen]
            evidence(f"while frozen: capture +{cam['frames'] - frames0} frames, witness +{sent} frames, "
                     f"frozen consumers still hold {still}, buffers registered {cam['bus']['buffers_registered']}")
            check(bool(moved), f"capture goes on while consumers are frozen (+{cam['frames'] - frames0} frames, "
                  f"more than the {cam['bus']['buffers_registered']} buffers)")
            check(still == [QUOTA, QUOTA], "the frozen consumers still hold their quota (not evicted)")
            check(sent > 0, "the watching consumer kept receiving frames")

            # kill -9: the bus returns the buffers to the camera at once.
            held_before = sup.camera()["bus"]["buffers_held"]
            frozen[0].proc.kill()
            frozen[0].proc.wait()
            gone = wait_for(lambda: sup.consumer(frozen[0].pid) is None, 10, step=0.1)
            cam = sup.camera()
            held_after = cam["bus"]["buffers_held"]
            others = sum(c["held"] for c in cam["bus"]["consumers"])
            evidence(f"kill -9 of frozen-a: buffers held by consumers {held_before} -> {held_after}; "
                     f"the remaining consumers hold {others} leases")
            check(bool(gone) and held_after <= others,
                  "kill -9 of a frozen consumer returns its buffers at once (none left held for it)")

            frozen[1].proc.send_signal(signal.SIGCONT)
            b0 = (sup.consumer(frozen[1].pid) or {}).get("frames_sent", 0)
            resumed = wait_for(lambda: (sup.consumer(frozen[1].pid) or {}).get("frames_sent", 0) > b0 + 5, 60)
            check(bool(resumed), "the consumer resumed with SIGCONT receives frames again")

            witness.stop()
            totals = monitor_totals(witness.text())
            evidence(f"witness totals: {totals} (gaps: camera sequence numbers it never saw)")
            ratio = totals["frames"] / max(1, totals["frames"] + totals["gaps"]) if totals else 0
            # Emulation alone makes vivid skip a few sequence numbers when its thread runs late; a
            # starved capture would lose most of them.
            check(ratio >= 0.9, f"the watching consumer saw {ratio:.1%} of the camera's sequence numbers")
        finally:
            kill_all(consumers)
            sup.stop()
    finally:
        vivid_unload()
    return finish(check)


main_guard(run)
