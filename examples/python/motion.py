#!/usr/bin/python3
"""Motion detection with OpenCV at 5 frames per second, on frames the producer thins for us.

    PYTHONPATH=build/python examples/python/motion.py /run/user/1000/zerotee/cam0.sock [seconds]

policy="fps-cap" with max_fps=5: the producer sends 5 frames a second and skips the rest (no
frame is copied or even looked at here unless it is analysed). Each analysed frame's Y plane is
a view of the shared buffer; cv2.resize reads it in place and writes a small private image,
which is all that outlives the frame. Prints one line per frame: motion score and verdict.
"""
import sys
import time

import cv2
import numpy as np

import zerotee

THRESHOLD = 25      # luma difference that counts as changed
MIN_CHANGED = 0.002  # share of changed pixels that counts as motion


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 10.0
    previous = None
    analysed = moving = 0
    with zerotee.Subscriber(sys.argv[1], policy="fps-cap", max_fps=5, name="motion-py") as sub:
        start = time.monotonic()
        while time.monotonic() - start < seconds:
            try:
                with sub.next(timeout=1.0) as frame:
                    small = cv2.resize(frame.planes[0], (frame.width // 4, frame.height // 4),
                                       interpolation=cv2.INTER_AREA)
            except zerotee.TimeoutError:
                continue
            small = cv2.GaussianBlur(small, (5, 5), 0)
            if previous is not None:
                changed = np.count_nonzero(cv2.absdiff(small, previous) > THRESHOLD) / small.size
                motion = changed >= MIN_CHANGED
                moving += motion
                print(f"frame {frame.sequence}: {changed * 100:.2f} % changed"
                      f"{'  MOTION' if motion else ''}", flush=True)
            previous = small
            analysed += 1
    print(f"analysed {analysed} frames in {seconds:.0f} s, motion in {moving}", flush=True)
    return 0 if analysed else 1


if __name__ == "__main__":
    sys.exit(main())
