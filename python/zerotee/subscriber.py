"""Subscriber: a consumer of one zerotee bus."""
import ctypes
import json
import os
import socket
import sys

from . import _frames, _native
from .errors import ClosedError, InvalidUseError, from_status

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


class Subscriber(_frames.Handle):
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
        # The base (the extension's Handle) owns the subscriber from here on: next(), close()
        # and closed are its own. It closes the subscriber once no call is inside the library;
        # the library keeps a closed subscriber for frames still held, so leases may outlive
        # close().
        self._attach(pointer.value)

    # --- frames: next(timeout=None) is the extension's -------------------------------------

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

    # --- state: closed and close() are the extension's ---------------------------------------

    def _call(self, function, *args):
        """A call through ctypes on the subscriber; close() in another thread waits for it."""
        address = self._enter()
        try:
            return function(address, *args)
        finally:
            self._leave()

    def fileno(self):
        """An fd that polls readable when next(timeout=0) may have something (for select,
        selectors, asyncio's loop.add_reader). The same fd across reconnects."""
        return self._call(_native.lib.zt_subscriber_fd)

    @property
    def info(self):
        """Connection state as a dict: connected, policy, degraded, quota, held, client_id,
        lease_timeout_ms, frames, reconnects."""
        info = _native.Info()
        self._call(_native.lib.zt_subscriber_get_info, ctypes.byref(info))
        policy = {v: k for k, v in _native.POLICIES.items()}.get(info.policy, "unknown")
        return {"connected": bool(info.connected), "policy": policy,
                "degraded": bool(info.degraded), "quota": info.quota, "held": info.held,
                "client_id": info.client_id, "lease_timeout_ms": info.lease_timeout_ms,
                "frames": info.frames, "reconnects": info.reconnects}

    @property
    def caps(self):
        """The stream's GStreamer caps text."""
        buffer = ctypes.create_string_buffer(8192)
        self._call(_native.lib.zt_subscriber_caps, buffer, len(buffer))
        return buffer.value.decode(errors="replace")

    def request_keyframe(self):
        ret = self._call(_native.lib.zt_subscriber_request_keyframe)
        if ret != _native.OK:
            raise from_status(ret)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return f"<zerotee.Subscriber {self.path} {'closed' if self.closed else 'open'}>"
