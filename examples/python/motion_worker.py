#!/usr/bin/python3
"""A motion detector to run as a supervised `custom` worker (docs/custom-worker.md):

    [[worker]]
    name = "motion"
    kind = "custom"
    camera = "cam0"
    [worker.options]
    command = "/usr/bin/python3 /opt/motion_worker.py {socket}"

Prints a JSON event line on stdout when the picture starts and stops moving; the supervisor logs
it and a start triggers event recording on the camera's recorders."""
import json
import sys

import cv2
import numpy as np

import zerotee

previous, moving = None, False
try:
    with zerotee.Subscriber(sys.argv[1], policy="fps-cap", max_fps=5, name="motion") as sub:
        for frame in sub:  # survives supervisor restarts (reconnects)
            y = frame.planes[0]  # a view of the shared buffer: no copy
            small = cv2.resize(y, (frame.width // 4, frame.height // 4),
                               interpolation=cv2.INTER_AREA)
            del y  # the lease ends with the loop step
            if previous is not None:
                changed = np.count_nonzero(cv2.absdiff(small, previous) > 25) / small.size
                if (changed > 0.002) != moving:
                    moving = not moving
                    print(json.dumps({"type": "event", "state": "start" if moving else "end",
                                      "label": "motion", "score": round(changed, 4)}), flush=True)
            previous = small
except KeyboardInterrupt:  # the supervisor stops a worker with SIGINT
    pass
