"""Exceptions of the zerotee package, one per zt_status of the C library."""
from . import _native


class ZeroteeError(Exception):
    """Base of every zerotee error; `status` is the C library's zt_status."""

    def __init__(self, message, status=_native.ERROR_INVALID):
        super().__init__(message)
        self.status = status


class InvalidUseError(ZeroteeError, ValueError):
    """A misuse: a released frame used again, a bad argument, a closed subscriber's frame."""


class NotFoundError(ZeroteeError, FileNotFoundError):
    """No bus at that path, or no such camera/stream."""


class RefusedError(ZeroteeError, PermissionError):
    """The producer refused this consumer (the message says why)."""


class VersionError(ZeroteeError):
    """The producer speaks another protocol version."""


class QuotaError(ZeroteeError):
    """The whole quota of held frames is in use: release a frame (or drop the arrays taken from
    it) before asking for another."""


class DisconnectedError(ZeroteeError, ConnectionError):
    """The producer went away and reconnecting is off (or it evicted this consumer)."""


class ProtocolError(ZeroteeError):
    """The producer sent something malformed."""


class TimeoutError(ZeroteeError, TimeoutError):  # noqa: A001 - also a builtin TimeoutError
    """No frame within the timeout."""


class ClosedError(ZeroteeError):
    """The subscriber is closed."""


class SystemCallError(ZeroteeError, OSError):
    """A system call failed (the message has its errno text)."""


class LeaseWarning(UserWarning):
    """A frame's lease outlives its `with` block because arrays taken from it are alive."""


_BY_STATUS = {
    _native.ERROR_INVALID: InvalidUseError,
    _native.ERROR_TIMEOUT: TimeoutError,
    _native.ERROR_NOT_FOUND: NotFoundError,
    _native.ERROR_REFUSED: RefusedError,
    _native.ERROR_VERSION: VersionError,
    _native.ERROR_QUOTA: QuotaError,
    _native.ERROR_DISCONNECTED: DisconnectedError,
    _native.ERROR_PROTOCOL: ProtocolError,
    _native.ERROR_CLOSED: ClosedError,
    _native.ERROR_SYSTEM: SystemCallError,
}


def from_status(status, message=None):
    """The exception for a failed call, with the C library's words for it."""
    text = message if message is not None else _native.last_error()
    return _BY_STATUS.get(status, ZeroteeError)(text, status)
