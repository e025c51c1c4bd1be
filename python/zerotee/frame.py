"""Frame: one held frame, its planes as read-only numpy views of the producer's buffer."""
import ctypes
import warnings
import weakref

import numpy as np

from . import _native
from .errors import InvalidUseError, LeaseWarning

# Per format: for each plane (width divisor, height divisor, bytes per pixel). Formats not
# listed get each plane as raw rows (rows x stride bytes).
_LAYOUTS = {
    "GRAY8": [(1, 1, 1)],
    "NV12": [(1, 1, 1), (2, 2, 2)],
    "NV21": [(1, 1, 1), (2, 2, 2)],
    "NV16": [(1, 1, 1), (2, 1, 2)],
    "NV61": [(1, 1, 1), (2, 1, 2)],
    "NV24": [(1, 1, 1), (1, 1, 2)],
    "I420": [(1, 1, 1), (2, 2, 1), (2, 2, 1)],
    "YV12": [(1, 1, 1), (2, 2, 1), (2, 2, 1)],
    "Y42B": [(1, 1, 1), (2, 1, 1), (2, 1, 1)],
    "Y444": [(1, 1, 1), (1, 1, 1), (1, 1, 1)],
    "YUY2": [(1, 1, 2)],
    "YVYU": [(1, 1, 2)],
    "UYVY": [(1, 1, 2)],
    "RGB": [(1, 1, 3)],
    "BGR": [(1, 1, 3)],
}
for _name in ("RGBA", "BGRA", "ARGB", "ABGR", "RGBx", "BGRx", "xRGB", "xBGR"):
    _LAYOUTS[_name] = [(1, 1, 4)]


def _time(value):
    return None if value == _native.NO_TIMESTAMP else value


class _Lease:
    """Owns one lease of the C library. Every array taken from the frame keeps it alive (through
    its buffer), so the lease ends when the frame is released *and* the last array is gone."""

    __slots__ = ("_handle", "_struct", "_done", "__weakref__")

    def __init__(self, handle, struct):
        self._handle = handle
        self._struct = struct
        self._done = False

    def release(self):
        if not self._done:
            self._done = True
            self._handle.release(self._struct)

    def __del__(self):
        try:
            self.release()
        except Exception:  # interpreter shutdown: the library may be gone already
            pass


def _view(address, size, lease, shape, strides):
    """A read-only numpy view of `size` bytes at `address` whose buffer holds `lease`."""
    memory = _bytes_at(size).from_address(address)
    memory.lease = lease  # the array's base chain ends here: alive while any view is
    return np.ndarray(shape, np.uint8, memoryview(memory).toreadonly(), 0, strides)


def _bytes_at(size, _types={}):
    """The ctypes array type of `size` bytes, made once per size (buffers repeat theirs)."""
    kind = _types.get(size)
    if kind is None:
        kind = _types[size] = ctypes.c_ubyte * size
    return kind


class Frame:
    """A frame held by this consumer. Use it in a `with` block (or call release()): the planes
    are views of the shared buffer, valid until then. Arrays taken from it that outlive the
    block keep the lease (and count against the quota) until they are collected."""

    # Fields are read from the library's frame struct when asked for: a frame costs little
    # more than the call that got it (a Python consumer pays per frame for every attribute).
    __slots__ = ("_subscriber", "_lease", "_struct", "_planes", "_data", "_released")

    def __init__(self, subscriber, handle, struct):
        self._subscriber = subscriber
        self._lease = _Lease(handle, struct)
        self._struct = struct
        self._planes = None
        self._data = None
        self._released = False

    width = property(lambda self: self._struct.width)
    height = property(lambda self: self._struct.height)
    format = property(lambda self: self._struct.format.decode(errors="replace"))
    pts_ns = property(lambda self: _time(self._struct.pts_ns))
    duration_ns = property(lambda self: _time(self._struct.duration_ns))
    publish_ns = property(lambda self: self._struct.publish_ns)
    sequence = property(lambda self: self._struct.sequence)
    camera_sequence = property(lambda self: self._struct.camera_sequence)
    flags = property(lambda self: self._struct.flags)
    size = property(lambda self: self._struct.size)
    drm_fourcc = property(lambda self: self._struct.drm_fourcc)
    drm_modifier = property(lambda self: self._struct.drm_modifier)
    fd = property(lambda self: self._struct.fd)
    memory_type = property(
        lambda self: "dmabuf" if self._struct.memory_type == _native.MEMORY_DMABUF else "memfd")
    strides = property(lambda self: self._plane_field("stride"))
    offsets = property(lambda self: self._plane_field("offset"))
    # For importers (EGL, V4L2, an NPU): which fd holds each plane, and where in it.
    plane_fds = property(lambda self: self._plane_field("fd"))
    fd_offsets = property(lambda self: self._plane_field("fd_offset"))

    def _plane_field(self, name):
        planes = self._struct.planes
        return [getattr(planes[i], name) for i in range(self._struct.plane_count)]

    @property
    def keyframe(self):
        return not self.flags & _native.FRAME_DELTA_UNIT

    @property
    def released(self):
        return self._released

    def _check(self):
        if self._released:
            raise InvalidUseError("this frame was released: its planes are gone (take what you "
                                  "need inside the `with` block, or copy it)")

    @property
    def planes(self):
        """The planes as read-only numpy arrays over the shared buffer (no copy): NV12 gives
        Y (height, width) and UV (height/2, width/2, 2). Empty for encoded data (see data)."""
        self._check()
        if self._planes is None:
            self._planes = [self._plane(i) for i in range(self._struct.plane_count)]
        return self._planes

    @property
    def data(self):
        """The bytes in use as a read-only 1-D uint8 view (an encoded access unit), or None when
        they are not one contiguous range. bytes(frame.data) copies them."""
        self._check()
        if self._data is None and self._struct.data and self._struct.size:
            size = int(self._struct.size)
            self._data = _view(self._struct.data, size, self._lease, (size,), (1,))
        return self._data

    def _plane(self, index):
        struct = self._struct
        plane = struct.planes[index]
        layout = _LAYOUTS.get(struct.format.decode(errors="replace"))
        stride = plane.stride
        if layout and index < len(layout):
            wdiv, hdiv, bpp = layout[index]
            width = (struct.width + wdiv - 1) // wdiv
            rows = (struct.height + hdiv - 1) // hdiv
            shape = (rows, width) if bpp == 1 else (rows, width, bpp)
            strides = (stride, 1) if bpp == 1 else (stride, bpp, 1)
            if (rows - 1) * stride + width * bpp <= plane.size:
                return _view(plane.data, int(plane.size), self._lease, shape, strides)
        rows = int(plane.size) // stride if stride else 0
        return _view(plane.data, int(plane.size), self._lease, (rows, stride), (stride, 1))

    def release(self):
        """Ends this frame's use. Raises InvalidUseError when it was released already."""
        if self._released:
            raise InvalidUseError("this frame was already released")
        self._finish()

    def _finish(self):
        self._released = True
        self._planes = None
        self._data = None
        lease = weakref.ref(self._lease)
        self._lease = None  # the last reference unless arrays from the frame are alive
        if lease() is not None:
            self._subscriber._kept_alive(lease)
            # One text for every frame, so Python's default filter shows it once per place.
            warnings.warn(LeaseWarning(
                "numpy arrays taken from a frame are still alive after its release, so its "
                "lease lasts until they are collected (it counts against the quota; a lease "
                "held past the producer's lease timeout gets the consumer evicted)"), stacklevel=3)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not self._released:
            self._finish()
        return False

    def __repr__(self):
        state = "released" if self._released else "held"
        return (f"<zerotee.Frame {self.width}x{self.height} {self.format} seq={self.sequence} "
                f"pts_ns={self.pts_ns} {self.memory_type} {state}>")
