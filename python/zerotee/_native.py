"""ctypes bindings of libzerotee-client's C API (zerotee/client.h). Internal to the package.

The structs mirror the header field by field; ctypes releases the GIL around every call, so a
thread waiting in zt_subscriber_next does not stop the others.
"""
import ctypes
import os

MAX_PLANES = 4

OK = 0
ERROR_INVALID = -1
ERROR_TIMEOUT = -2
ERROR_NOT_FOUND = -3
ERROR_REFUSED = -4
ERROR_VERSION = -5
ERROR_QUOTA = -6
ERROR_DISCONNECTED = -7
ERROR_PROTOCOL = -8
ERROR_SYSTEM = -9
ERROR_CLOSED = -10

POLICIES = {"all": 0, "latest": 1, "fps-cap": 2}
MEMORY_DMABUF = 1
MEMORY_MEMFD = 2

FRAME_DELTA_UNIT = 0x1
FRAME_DISCONT = 0x2
FRAME_HEADER = 0x4
FRAME_GAP = 0x8
NO_TIMESTAMP = 2**64 - 1


class Options(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("policy", ctypes.c_int),
        ("quota", ctypes.c_uint32),
        ("max_fps", ctypes.c_double),
        ("reconnect", ctypes.c_int),
        ("connect_timeout_ms", ctypes.c_int),
        ("reconnect_interval_ms", ctypes.c_int),
        ("reserved", ctypes.c_uint32 * 8),
    ]


class Plane(ctypes.Structure):
    _fields_ = [
        ("data", ctypes.c_void_p),
        ("offset", ctypes.c_uint64),
        ("fd_offset", ctypes.c_uint64),
        ("size", ctypes.c_uint64),
        ("stride", ctypes.c_uint32),
        ("fd", ctypes.c_int32),
    ]


class FrameStruct(ctypes.Structure):
    _fields_ = [
        ("lease", ctypes.c_uint64),
        ("width", ctypes.c_uint32),
        ("height", ctypes.c_uint32),
        ("format", ctypes.c_char * 32),
        ("drm_fourcc", ctypes.c_uint32),
        ("plane_count", ctypes.c_uint32),
        ("drm_modifier", ctypes.c_uint64),
        ("planes", Plane * MAX_PLANES),
        ("data", ctypes.c_void_p),
        ("size", ctypes.c_uint64),
        ("fd", ctypes.c_int32),
        ("memory_type", ctypes.c_uint32),
        ("pts_ns", ctypes.c_uint64),
        ("duration_ns", ctypes.c_uint64),
        ("publish_ns", ctypes.c_uint64),
        ("sequence", ctypes.c_uint64),
        ("camera_sequence", ctypes.c_uint64),
        ("flags", ctypes.c_uint32),
        ("generation", ctypes.c_uint32),
        ("reserved", ctypes.c_uint64 * 8),
    ]


class Info(ctypes.Structure):
    _fields_ = [
        ("connected", ctypes.c_int),
        ("policy", ctypes.c_int),
        ("degraded", ctypes.c_int),
        ("quota", ctypes.c_uint32),
        ("held", ctypes.c_uint32),
        ("client_id", ctypes.c_uint32),
        ("lease_timeout_ms", ctypes.c_uint32),
        ("frames", ctypes.c_uint64),
        ("reconnects", ctypes.c_uint64),
        ("reserved", ctypes.c_uint32 * 8),
    ]


def _library_path():
    """ZEROTEE_CLIENT_LIBRARY, else the build tree's library when this package runs from the
    build tree (build/python), else the installed one found by the dynamic linker."""
    explicit = os.environ.get("ZEROTEE_CLIENT_LIBRARY")
    if explicit:
        return explicit
    try:
        from . import _build_paths  # written into build/python by CMake, not installed
        return _build_paths.LIBRARY
    except ImportError:
        return "libzerotee-client.so.1"


def _load():
    path = _library_path()
    try:
        lib = ctypes.CDLL(path)
    except OSError as error:
        raise ImportError(f"zerotee: cannot load the client library {path}: {error}") from error
    sub = ctypes.c_void_p
    lib.zt_options_init.argtypes = [ctypes.POINTER(Options)]
    lib.zt_options_init.restype = None
    lib.zt_find_bus.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.zt_subscriber_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(Options),
                                       ctypes.POINTER(sub)]
    lib.zt_subscriber_close.argtypes = [sub]
    lib.zt_subscriber_close.restype = None
    lib.zt_subscriber_next.argtypes = [sub, ctypes.c_int, ctypes.POINTER(FrameStruct)]
    lib.zt_frame_release.argtypes = [sub, ctypes.POINTER(FrameStruct)]
    lib.zt_subscriber_fd.argtypes = [sub]
    lib.zt_subscriber_get_info.argtypes = [sub, ctypes.POINTER(Info)]
    lib.zt_subscriber_caps.argtypes = [sub, ctypes.c_char_p, ctypes.c_size_t]
    lib.zt_subscriber_request_keyframe.argtypes = [sub]
    lib.zt_last_error.argtypes = []
    lib.zt_last_error.restype = ctypes.c_char_p
    lib.zt_status_name.argtypes = [ctypes.c_int]
    lib.zt_status_name.restype = ctypes.c_char_p
    for name in ("zt_find_bus", "zt_subscriber_open", "zt_subscriber_next", "zt_frame_release",
                 "zt_subscriber_fd", "zt_subscriber_get_info", "zt_subscriber_caps",
                 "zt_subscriber_request_keyframe"):
        getattr(lib, name).restype = ctypes.c_int
    return lib


lib = _load()


def last_error():
    return lib.zt_last_error().decode(errors="replace")
