"""The one conversion OpenCV users cannot avoid, named for what it is: a copy."""
import numpy as np

from .errors import InvalidUseError


def nv12_to_bgr_copy(frame, out=None):
    """Converts an NV12 (or NV21) frame to BGR, writing a new (height, width, 3) uint8 array, or
    `out` when given (a caller-owned array of that shape, reused frame after frame). This reads
    the shared planes once and writes a private copy: the copy the zero-copy path avoids until
    here. Uses OpenCV when it is installed, numpy otherwise (BT.601, limited range)."""
    if frame.format not in ("NV12", "NV21"):
        raise InvalidUseError(f"nv12_to_bgr_copy needs an NV12 or NV21 frame, not {frame.format}")
    y, uv = frame.planes[0], frame.planes[1]
    shape = (frame.height, frame.width, 3)
    if out is None:
        out = np.empty(shape, dtype=np.uint8)
    elif out.shape != shape or out.dtype != np.uint8 or not out.flags.writeable:
        raise InvalidUseError(f"out must be a writable uint8 array of shape {shape}")
    try:
        import cv2
    except ImportError:
        cv2 = None
    if cv2 is not None:
        code = cv2.COLOR_YUV2BGR_NV12 if frame.format == "NV12" else cv2.COLOR_YUV2BGR_NV21
        cv2.cvtColorTwoPlane(y, uv, code, dst=out)
        return out
    u, v = (uv[..., 0], uv[..., 1]) if frame.format == "NV12" else (uv[..., 1], uv[..., 0])
    c = (y.astype(np.float32) - 16.0) * 1.164
    d = np.repeat(np.repeat(u.astype(np.float32) - 128.0, 2, 0), 2, 1)[:frame.height, :frame.width]
    e = np.repeat(np.repeat(v.astype(np.float32) - 128.0, 2, 0), 2, 1)[:frame.height, :frame.width]
    out[..., 0] = np.clip(c + 2.018 * d, 0, 255)
    out[..., 1] = np.clip(c - 0.391 * d - 0.813 * e, 0, 255)
    out[..., 2] = np.clip(c + 1.596 * e, 0, 255)
    return out
