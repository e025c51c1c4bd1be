#!/usr/bin/python3
"""A camera pool that cannot grow (issue 16, point 2, second item, last part).

The supervisor runs with VIDIOC_CREATE_BUFS failing (an LD_PRELOAD shim, as on a driver without
it), so v4l2src keeps the buffers it allocated at start. Consumers must be admitted against
those, not against the configured pool_size: the first is degraded to what is left, the next is
refused with a reason, and with every admitted consumer frozen (SIGSTOP, leases long enough not
to be evicted) the capture goes on."""
import os
import signal

from vmcheck import (BUILD, BIN, DEVICE, Background, Checks, Supervisor, evidence, finish, frozen_consumers_config, kill_all,
                     main_guard, vivid_load, vivid_unload, vivid_webcam, wait_for)

PRELOAD = os.path.join(BUILD, "tests", "vm", "libzerotee-vm-no-create-bufs.so")


def run():
    check = Checks()
    vivid_load()
    try:
        vivid_webcam()
        cfg = frozen_consumers_config("fixedpool", pool_size=32)
        # After a preload already there (an ASan build's runtime must stay first).
        preload = " ".join(filter(None, [os.environ.get("LD_PRELOAD"), PRELOAD]))
        sup = Supervisor("--config", cfg, http=False, env={"LD_PRELOAD": preload})
        consumers = []
        try:
            check(sup.wait_capture(frames=10), "capture running")
            cam = sup.camera()
            pool = cam.get("source_pool", {})
            capacity = cam["bus"].get("pool_capacity")
            evidence(f"pool_size 32 configured; the camera's pool {pool}; the bus admits against {capacity}")
            check(pool.get("buffers", 0) > 0 and pool.get("max_buffers") == pool.get("buffers"),
                  "without VIDIOC_CREATE_BUFS the camera's pool cannot grow")
            check(capacity == pool.get("max_buffers"), "consumers are admitted against the camera's buffers")

            monitor = os.path.join(BIN, "zerotee-monitor")
            for name in ("first", "second", "third"):
                refused0 = sup.camera()["bus"]["clients_refused"]
                consumers.append(Background([monitor, "--socket", sup.socket, "--name", name, "--quota", "3",
                                             "--seconds", "600"]))
                # Admitted, or refused (a refused monitor keeps retrying, never admitted).
                wait_for(lambda: sup.consumer(consumers[-1].pid) is not None or
                         sup.camera()["bus"]["clients_refused"] > refused0, 30)
            wait_for(lambda: sup.camera()["bus"]["clients_refused"] >= 1, 30)
            cam = sup.camera()
            admitted = cam["bus"]["consumers"]
            evidence("admitted: " + ", ".join(f"{c['name']} quota {c['quota']} policy {c['policy']} "
                                              f"degraded {c['degraded']}" for c in admitted)
                     + f"; refused {cam['bus']['clients_refused']}")
            held_max = sum(c["quota"] for c in admitted)
            check(held_max + 4 <= capacity, f"admitted quotas ({held_max}) + capture reserve (4) fit the "
                  f"camera's {capacity} buffers")
            check(cam["bus"]["clients_refused"] >= 1 or any(c["degraded"] for c in admitted),
                  "consumers that do not fit are degraded or refused")
            # A refused monitor retries at once: stop those, they are not part of the pool.
            refused = [c for c in consumers if sup.consumer(c.pid) is None]
            for c in refused:
                c.stop(signal.SIGKILL)
            evidence(f"refused consumers' last words: {[c.text().strip().splitlines()[-1:] for c in refused]}")

            for c in consumers:
                if c.proc.poll() is None:
                    c.proc.send_signal(signal.SIGSTOP)  # the admitted ones
            wait_for(lambda: all(c["held"] == c["quota"] for c in sup.camera()["bus"]["consumers"]), 30)
            cam = sup.camera()
            frames0 = cam["frames"]
            evidence(f"frozen consumers hold {[c['held'] for c in cam['bus']['consumers']]}; capture {frames0} frames")
            moved = wait_for(lambda: sup.camera()["frames"] >= frames0 + 3 * capacity, 90, step=0.5)
            cam = sup.camera()
            evidence(f"while frozen: capture +{cam['frames'] - frames0} frames, state {cam['state']}, "
                     f"retries {cam['retries']}")
            check(bool(moved) and cam["state"] == "running" and cam["retries"] == 0,
                  "the capture never starves: frames keep coming while every admitted consumer is frozen")
        finally:
            kill_all(consumers)
            sup.stop()
        print("--- zerotee log (tail) ---\n" + "\n".join(sup.log_text().splitlines()[-8:]), flush=True)
    finally:
        vivid_unload()
    return finish(check)


main_guard(run)
