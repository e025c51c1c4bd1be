#!/usr/bin/python3
"""Prints the frame rate and mean luma of a zerotee bus once a second.

    PYTHONPATH=build/python examples/python/frames.py /run/user/1000/zerotee/cam0.sock [seconds]
    examples/python/frames.py --camera cam0 [seconds]

The Y plane is a numpy view of the producer's buffer (no copy); y.mean() reads it in place.
"""
import sys
import time

import zerotee


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if sys.argv[1] == "--camera":
        bus, rest = zerotee.find_bus(sys.argv[2]), sys.argv[3:]
    else:
        bus, rest = sys.argv[1], sys.argv[2:]
    seconds = float(rest[0]) if rest else 5.0
    total = 0
    with zerotee.Subscriber(bus, policy="latest", name="frames-py") as sub:
        start = interval = time.monotonic()
        frames, luma = 0, 0.0
        while time.monotonic() - start < seconds:
            try:
                with sub.next(timeout=0.5) as frame:
                    luma += float(frame.planes[0].mean()) if frame.planes else 0.0
            except zerotee.TimeoutError:
                continue
            frames += 1
            total += 1
            now = time.monotonic()
            if now - interval >= 1.0:
                print(f"{frames / (now - interval):.2f} fps  mean luma {luma / frames:.1f}",
                      flush=True)
                interval, frames, luma = now, 0, 0.0
        print(f"total {total} frames, {sub.info['reconnects']} reconnects", flush=True)
    return 0 if total else 1


if __name__ == "__main__":
    sys.exit(main())
