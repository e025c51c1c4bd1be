"""A GStreamer consumer for the VM checks: runs a pipeline ending in `appsink name=out`, pulls
buffers and reports what memory each one was (gst_is_dmabuf_memory, the fd's /proc link), its
offset (the camera's sequence number on the bus) and the bytes of the last one."""
import os

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstAllocators", "1.0")
from gi.repository import Gst, GstAllocators  # noqa: E402

Gst.init(None)


class Consumed:
    def __init__(self):
        self.buffers = 0
        self.dmabuf = 0          # buffers whose every memory is a DMABUF
        self.fd_links = set()    # /proc/self/fd link targets of their fds
        self.offsets = []
        self.last = b""
        self.caps = ""
        self.error = ""


def consume(description, count, timeout_s=60, keep_last=False):
    pipeline = Gst.parse_launch(description)
    sink = pipeline.get_by_name("out")
    result = Consumed()
    pipeline.set_state(Gst.State.PLAYING)
    bus = pipeline.get_bus()
    try:
        waited = 0.0
        while result.buffers < count and waited < timeout_s:
            sample = sink.emit("try-pull-sample", Gst.SECOND)
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg:
                err, dbg = msg.parse_error()
                result.error = f"{err.message} ({dbg})"
                break
            if sample is None:
                waited += 1.0
                continue
            buf = sample.get_buffer()
            result.buffers += 1
            result.caps = sample.get_caps().to_string()
            n = buf.n_memory()
            mems = [buf.peek_memory(i) for i in range(n)]
            if n > 0 and all(GstAllocators.is_dmabuf_memory(m) for m in mems):
                result.dmabuf += 1
            for m in mems:
                if GstAllocators.is_fd_memory(m):
                    fd = GstAllocators.fd_memory_get_fd(m)
                    try:
                        result.fd_links.add(os.readlink(f"/proc/self/fd/{fd}").split(" ")[0])
                    except OSError:
                        pass
            result.offsets.append(buf.offset)
            if keep_last:
                ok, info = buf.map(Gst.MapFlags.READ)
                if ok:
                    result.last = bytes(info.data)
                    buf.unmap(info)
    finally:
        pipeline.set_state(Gst.State.NULL)
    return result


def kinds(links):
    """'/dmabuf:' and '/memfd:pool' reduced to their kind, for printing."""
    return sorted({link.split(":")[0] + ":" for link in links})
