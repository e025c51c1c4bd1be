"""zerotee: camera frames from a zerotee bus in Python, as numpy views of the shared buffer.

    import zerotee
    with zerotee.Subscriber("/run/user/1000/zerotee/cam0.sock", policy="fps-cap", max_fps=5) as sub:
        with sub.next(timeout=1.0) as frame:
            y = frame.planes[0]          # (height, width) uint8, read-only, no copy
            print(frame.width, frame.height, frame.format, frame.pts_ns, y.mean())

See docs/clients.md: the lifetime rules, threading, what is and is not zero-copy.
"""
from .convert import nv12_to_bgr_copy
from .errors import (ClosedError, DisconnectedError, InvalidUseError, LeaseWarning,
                     NotFoundError, ProtocolError, QuotaError, RefusedError, SystemCallError,
                     TimeoutError, VersionError, ZeroteeError)
from ._frames import Frame
from .subscriber import Subscriber, find_bus

__all__ = ["Subscriber", "Frame", "find_bus", "nv12_to_bgr_copy", "ZeroteeError",
           "InvalidUseError", "NotFoundError", "RefusedError", "VersionError", "QuotaError",
           "DisconnectedError", "ProtocolError", "TimeoutError", "ClosedError",
           "SystemCallError", "LeaseWarning"]
