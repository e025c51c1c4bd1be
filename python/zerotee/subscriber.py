"""Subscriber: a consumer of one zerotee bus."""
import ctypes
import json
import os
import socket
import sys

from . import _frames, _native
from .errors import ClosedError, InvalidUseError, QuotaError, from_status

def find_bus(camera, stream=None, control=None):
    """The socket path of `camera`'s raw bus (or of its named `stream`): asked of the running
    supervisor over its control socket when it answers, else looked up in the runtime directory
    ($ZEROTEE_RUNTIME_DIR, else $XDG_RUNTIME_DIR/zerotee). Raises NotFoundError."""
    if not stream or stream == "raw":
        path = _ask_supervisor(camera, control)
        if path:
            return path
    buffer = ctypes.create_string_buffer(4096)
    ret = _native.lib.zt_find_bus(camera.encode() if camera else None,
                                  stream.encode() if stream else None, buffer, len(buffer))
    if ret != _native.OK:
        raise from_status(ret)
    return buffer.value.decode()


def _ask_supervisor(camera, control):
    if control is None:
        runtime = os.environ.get("ZEROTEE_RUNTIME_DIR") or os.path.join(
            os.environ.get("XDG_RUNTIME_DIR", f"/tmp/zerotee-{os.getuid()}"), "zerotee")
        control = os.path.join(runtime, "control.sock")
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(2.0)
            s.connect(control)
            s.sendall(b'{"cmd":"status"}\n')
            answer = s.makefile("r").readline()
        for entry in json.loads(answer).get("result", {}).get("cameras", []):
            if entry.get("name") == camera:
                return entry.get("bus", {}).get("socket")
    except (OSError, ValueError, AttributeError):
        pass
    return None


class Subscriber:
    """A consumer of one zerotee bus.

        with zerotee.Subscriber(path, policy="fps-cap", max_fps=5) as sub:
            with sub.next(timeout=1.0) as frame:
                y = frame.planes[0]      # a read-only view of the shared buffer

    `policy` is "all", "latest" or "fps-cap" (as zeroteesrc names them). Reconnects when the
    producer restarts (reconnect=True). Thread-safe; the GIL is released while waiting."""

    def __init__(self, path=None, *, camera=None, stream=None, policy="latest", max_fps=0.0,
                 quota=0, name=None, reconnect=True, connect_timeout=2.0,
                 reconnect_interval=0.2):
        if path is None and camera is None:
            raise InvalidUseError("give a bus socket path or a camera name")
        if path is None:
            path = find_bus(camera, stream)
        if policy not in _native.POLICIES:
            raise InvalidUseError(f"unknown policy {policy!r}: use "
                                  + ", ".join(sorted(_native.POLICIES)))
        options = _native.Options()
        _native.lib.zt_options_init(ctypes.byref(options))
        self._name = (name or os.path.basename(sys.argv[0] if sys.argv and sys.argv[0] else "python") or "python").encode()
        options.name = self._name[:31]
        options.policy = _native.POLICIES[policy]
        options.quota = int(quota)
        options.max_fps = float(max_fps)
        options.reconnect = 1 if reconnect else 0
        options.connect_timeout_ms = int(connect_timeout * 1000)
        options.reconnect_interval_ms = int(reconnect_interval * 1000)
        pointer = ctypes.c_void_p()
        ret = _native.lib.zt_subscriber_open(os.fsencode(path), ctypes.byref(options),
                                             ctypes.byref(pointer))
        if ret != _native.OK:
            raise from_status(ret)
        self.path = path
        # Owns the subscriber from here on: closes it once no call is inside the library. The
        # library keeps a closed subscriber for frames still held, so leases may outlive close().
        self._handle = _frames.Handle(pointer.value)

    # --- frames -----------------------------------------------------------------------------

    def next(self, timeout=None):
        """The next frame (a Frame to use in a `with` block). `timeout` in seconds (None: wait
        as long as it takes; 0: do not wait). Raises TimeoutError, QuotaError at once when the
        whole quota is held, ClosedError, RefusedError, ..."""
        got = self._handle.next(-1 if timeout is None else max(0, int(timeout * 1000)))
        if got.__class__ is not int:
            return got
        if got == _native.ERROR_CLOSED:
            raise ClosedError("the subscriber is closed", got)
        message = _native.last_error()
        if got == _native.ERROR_QUOTA:
            kept = self._handle.kept_count()
            if kept:
                message += (f" ({kept} of them kept by numpy arrays taken from frames that are "
                            "still alive: delete those arrays)")
            raise QuotaError(message, got)
        raise from_status(got, message)

    def __iter__(self):
        """Frames as they come, until the subscriber is closed; each is released when the loop
        asks for the next one."""
        while True:
            try:
                frame = self.next()
            except ClosedError:
                return
            with frame:
                yield frame

    # --- state ------------------------------------------------------------------------------

    def fileno(self):
        """An fd that polls readable when next(timeout=0) may have something (for select,
        selectors, asyncio's loop.add_reader). The same fd across reconnects."""
        self._handle.enter()
        try:
            return _native.lib.zt_subscriber_fd(self._handle.address)
        finally:
            self._handle.leave()

    @property
    def info(self):
        """Connection state as a dict: connected, policy, degraded, quota, held, client_id,
        lease_timeout_ms, frames, reconnects."""
        self._handle.enter()
        try:
            info = _native.Info()
            _native.lib.zt_subscriber_get_info(self._handle.address, ctypes.byref(info))
        finally:
            self._handle.leave()
        policy = {v: k for k, v in _native.POLICIES.items()}.get(info.policy, "unknown")
        return {"connected": bool(info.connected), "policy": policy,
                "degraded": bool(info.degraded), "quota": info.quota, "held": info.held,
                "client_id": info.client_id, "lease_timeout_ms": info.lease_timeout_ms,
                "frames": info.frames, "reconnects": info.reconnects}

    @property
    def caps(self):
        """The stream's GStreamer caps text."""
        self._handle.enter()
        try:
            buffer = ctypes.create_string_buffer(8192)
            _native.lib.zt_subscriber_caps(self._handle.address, buffer, len(buffer))
        finally:
            self._handle.leave()
        return buffer.value.decode(errors="replace")

    def request_keyframe(self):
        self._handle.enter()
        try:
            ret = _native.lib.zt_subscriber_request_keyframe(self._handle.address)
        finally:
            self._handle.leave()
        if ret != _native.OK:
            raise from_status(ret)

    @property
    def closed(self):
        return self._handle.closed

    def close(self):
        """Disconnects. Frames (and arrays) still alive stay readable until they are released
        or collected; nothing else may be asked of the subscriber."""
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"<zerotee.Subscriber {self.path} {'closed' if self.closed else 'open'}>"
