"""ctypes bindings of libzerotee-client's C API (zerotee/client.h) for the calls made once per
subscriber (open, info, caps, fd, find_bus). Internal to the package. The per-frame calls are
in the extension zerotee._frames (python/frames/): through ctypes they were most of a frame's
CPU.

The structs mirror the header field by field; ctypes releases the GIL around every call.
"""
import ctypes

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


def _load():
    # The extension's import loads libzerotee-client (the build tree's through its run path, or
    # the installed one); loading it again by its soname gives that same library, so the two
    # halves of the package share one set of subscribers.
    from . import _frames  # noqa: F401
    try:
        lib = ctypes.CDLL("libzerotee-client.so.1")
    except OSError as error:
        raise ImportError(f"zerotee: cannot load the client library: {error}") from error
    sub = ctypes.c_void_p
    lib.zt_options_init.argtypes = [ctypes.POINTER(Options)]
    lib.zt_options_init.restype = None
    lib.zt_find_bus.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t]
    lib.zt_subscriber_open.argtypes = [ctypes.c_char_p, ctypes.POINTER(Options),
                                       ctypes.POINTER(sub)]
    lib.zt_subscriber_fd.argtypes = [sub]
    lib.zt_subscriber_get_info.argtypes = [sub, ctypes.POINTER(Info)]
    lib.zt_subscriber_caps.argtypes = [sub, ctypes.c_char_p, ctypes.c_size_t]
    lib.zt_subscriber_request_keyframe.argtypes = [sub]
    lib.zt_last_error.argtypes = []
    lib.zt_last_error.restype = ctypes.c_char_p
    lib.zt_status_name.argtypes = [ctypes.c_int]
    lib.zt_status_name.restype = ctypes.c_char_p
    for name in ("zt_find_bus", "zt_subscriber_open", "zt_subscriber_fd", "zt_subscriber_get_info",
                 "zt_subscriber_caps", "zt_subscriber_request_keyframe"):
        getattr(lib, name).restype = ctypes.c_int
    return lib


lib = _load()


def last_error():
    return lib.zt_last_error().decode(errors="replace")
