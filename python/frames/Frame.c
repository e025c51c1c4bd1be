/* zerotee.Frame: a frame held by this consumer, its fields and planes, and its end. */
#include "Frames.h"

#include <string.h>

static void frame_dealloc(Frame *self)
{
    Py_CLEAR(self->planes);
    Py_CLEAR(self->data);
    Py_CLEAR(self->lease); /* never released explicitly: given back now unless arrays keep it */
    Py_CLEAR(self->handle);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static const char kReleasedText[] = "this frame was released: its planes are gone (take what you "
                                    "need inside the `with` block, or copy it)";
static const char kKeptText[] =
    "numpy arrays taken from a frame are still alive after its release, so its lease lasts "
    "until they are collected (it counts against the quota; a lease held past the producer's "
    "lease timeout gets the consumer evicted)";

/* Ends the frame's use: gives the frame back, or, when arrays taken from it are alive, leaves
 * the lease to them, counts it and warns (once per place, by Python's default filter). */
static int frame_finish(Frame *self)
{
    Py_CLEAR(self->planes);
    Py_CLEAR(self->data);
    Lease *lease = self->lease;
    self->lease = NULL;
    if (Py_REFCNT(lease) == 1) {
        Py_DECREF(lease);
        return 0;
    }
    PyObject *weak = PyWeakref_NewRef((PyObject *)lease, NULL);
    Py_DECREF(lease);
    /* Pruned here so the list holds at most the quota's worth, not one per frame ever kept. */
    if (!weak || handle_prune_kept(self->handle) < 0) {
        Py_XDECREF(weak);
        return -1;
    }
    const int added = PyList_Append(self->handle->kept, weak);
    Py_DECREF(weak);
    if (added < 0)
        return -1;
    PyObject *warning = package_error("LeaseWarning");
    if (!warning)
        return -1;
    const int warned = PyErr_WarnEx(warning, kKeptText, 1);
    Py_DECREF(warning);
    return warned;
}

static PyObject *frame_release(Frame *self, PyObject *unused)
{
    (void)unused;
    if (!self->lease) {
        raise_package_error("InvalidUseError", "this frame was already released", ZT_ERROR_INVALID);
        return NULL;
    }
    if (frame_finish(self) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *frame_enter(Frame *self, PyObject *unused)
{
    (void)unused;
    Py_INCREF(self);
    return (PyObject *)self;
}

static PyObject *frame_exit(Frame *self, PyObject *const *args, Py_ssize_t count)
{
    (void)args;
    (void)count;
    if (self->lease && frame_finish(self) < 0)
        return NULL;
    Py_RETURN_FALSE;
}

/* What plane_list() makes of each plane: its array, or one of its numbers. */
enum { kPlaneArrays = -1, kPlaneStrides, kPlaneOffsets, kPlaneFds, kPlaneFdOffsets };

static PyObject *plane_item(Frame *self, uint32_t index, int field)
{
    const zt_plane *p = &self->frame.planes[index];
    switch (field) {
    case kPlaneArrays:
        return lease_plane_view(self->lease, index);
    case kPlaneStrides:
        return PyLong_FromUnsignedLong(p->stride);
    case kPlaneOffsets:
        return PyLong_FromUnsignedLongLong(p->offset);
    case kPlaneFds:
        return PyLong_FromLong(p->fd);
    default:
        return PyLong_FromUnsignedLongLong(p->fd_offset);
    }
}

static PyObject *plane_list(Frame *self, int field)
{
    const uint32_t count =
        self->frame.plane_count < ZT_MAX_PLANES ? self->frame.plane_count : ZT_MAX_PLANES;
    PyObject *list = PyList_New(count);
    if (!list)
        return NULL;
    for (uint32_t i = 0; i < count; ++i) {
        PyObject *item = plane_item(self, i, field);
        if (!item) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

/* The frame's views may be made only while it is held. */
static int check_held(Frame *self)
{
    if (self->lease)
        return 0;
    raise_package_error("InvalidUseError", kReleasedText, ZT_ERROR_INVALID);
    return -1;
}

static PyObject *get_planes(Frame *self, void *c)
{
    (void)c;
    if (check_held(self) < 0)
        return NULL;
    if (!self->planes && !(self->planes = plane_list(self, kPlaneArrays)))
        return NULL;
    return Py_NewRef(self->planes);
}

/* Whether the bytes in use are one range (frame.data, the buffer protocol): the library gives
 * no data pointer when they span several memories. */
static int has_one_range(const Frame *self)
{
    return self->frame.data && self->frame.size;
}

static PyObject *get_data(Frame *self, void *c)
{
    (void)c;
    if (check_held(self) < 0)
        return NULL;
    if (!self->data) {
        if (!has_one_range(self)) {
            self->data = Py_NewRef(Py_None);
        } else {
            npy_intp dims[1] = {(npy_intp)self->frame.size};
            npy_intp strides[1] = {1};
            self->data = lease_view(self->lease, self->frame.data, 1, dims, strides);
            if (!self->data)
                return NULL;
        }
    }
    return Py_NewRef(self->data);
}

static PyObject *time_or_none(uint64_t value)
{
    if (value == ZT_NO_TIMESTAMP)
        Py_RETURN_NONE;
    return PyLong_FromUnsignedLongLong(value);
}

#define U32(name)                                                                                  \
    static PyObject *get_##name(Frame *self, void *c)                                              \
    {                                                                                              \
        (void)c;                                                                                   \
        return PyLong_FromUnsignedLong(self->frame.name);                                          \
    }
#define U64(name)                                                                                  \
    static PyObject *get_##name(Frame *self, void *c)                                              \
    {                                                                                              \
        (void)c;                                                                                   \
        return PyLong_FromUnsignedLongLong(self->frame.name);                                      \
    }
U32(width)
U32(height)
U32(drm_fourcc)
U32(flags)
U64(drm_modifier)
U64(size)
U64(publish_ns)
U64(sequence)
U64(camera_sequence)

static PyObject *get_fd(Frame *self, void *c)
{
    (void)c;
    return PyLong_FromLong(self->frame.fd);
}
static PyObject *get_format(Frame *self, void *c)
{
    (void)c;
    return PyUnicode_DecodeUTF8(self->frame.format,
                                (Py_ssize_t)strnlen(self->frame.format, sizeof self->frame.format),
                                "replace");
}
static PyObject *get_memory_type(Frame *self, void *c)
{
    (void)c;
    return PyUnicode_FromString(self->frame.memory_type == ZT_MEMORY_DMABUF ? "dmabuf" : "memfd");
}
static PyObject *get_pts_ns(Frame *self, void *c)
{
    (void)c;
    return time_or_none(self->frame.pts_ns);
}
static PyObject *get_duration_ns(Frame *self, void *c)
{
    (void)c;
    return time_or_none(self->frame.duration_ns);
}
static PyObject *get_keyframe(Frame *self, void *c)
{
    (void)c;
    return PyBool_FromLong(!(self->frame.flags & ZT_FRAME_DELTA_UNIT));
}
static PyObject *get_released(Frame *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->lease == NULL);
}
/* strides, offsets, plane_fds, fd_offsets: one list of a number of each plane. */
static PyObject *get_plane_field(Frame *self, void *field)
{
    return plane_list(self, (int)(intptr_t)field);
}

static PyObject *frame_repr(Frame *self)
{
    PyObject *format = get_format(self, NULL);
    if (!format)
        return NULL;
    PyObject *pts = time_or_none(self->frame.pts_ns);
    PyObject *text =
        PyUnicode_FromFormat("<zerotee.Frame %ux%u %U seq=%llu pts_ns=%R %s %s>", self->frame.width,
                             self->frame.height, format, (unsigned long long)self->frame.sequence,
                             pts, self->frame.memory_type == ZT_MEMORY_DMABUF ? "dmabuf" : "memfd",
                             self->lease ? "held" : "released");
    Py_DECREF(format);
    Py_XDECREF(pts);
    return text;
}

/* clang-format off */
#define FIELD(name, doc) {#name, (getter)get_##name, NULL, doc, NULL}
#define PLANE_FIELD(name, index, doc) \
    {#name, (getter)get_plane_field, NULL, doc, (void *)(intptr_t)(index)}
/* clang-format on */
static PyGetSetDef frame_fields[] = {
    FIELD(planes, "The planes as read-only numpy arrays over the shared buffer (no copy): NV12 "
                  "gives Y (height, width) and UV (height/2, width/2, 2). Empty for encoded "
                  "data (see data)."),
    FIELD(data, "The bytes in use as a read-only 1-D uint8 view (an encoded access unit), or "
                "None when they are not one contiguous range. bytes(frame.data) copies them."),
    FIELD(width, NULL),
    FIELD(height, NULL),
    FIELD(format, "GStreamer format (\"NV12\", ...) or the media type of encoded data."),
    FIELD(pts_ns, "Capture time, absolute CLOCK_MONOTONIC ns, or None."),
    FIELD(duration_ns, NULL),
    FIELD(publish_ns, "CLOCK_MONOTONIC ns when the producer sent it."),
    FIELD(sequence, "The producer's frame number."),
    FIELD(camera_sequence, NULL),
    FIELD(flags, NULL),
    FIELD(size, "Bytes in use."),
    FIELD(drm_fourcc, NULL),
    FIELD(drm_modifier, NULL),
    FIELD(fd, "The first memory's fd (DMABUF or memfd), owned by the library: dup it to keep "
              "it."),
    FIELD(memory_type, "\"dmabuf\" or \"memfd\", as the fd really is."),
    PLANE_FIELD(strides, kPlaneStrides, NULL),
    PLANE_FIELD(offsets, kPlaneOffsets, NULL),
    PLANE_FIELD(plane_fds, kPlaneFds,
                "For importers (EGL, V4L2, an NPU): which fd holds each plane."),
    PLANE_FIELD(fd_offsets, kPlaneFdOffsets, "Where each plane starts inside its fd."),
    FIELD(keyframe, NULL),
    FIELD(released, NULL),
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef frame_methods[] = {
    {"release", (PyCFunction)frame_release, METH_NOARGS,
     "Ends this frame's use. Raises InvalidUseError when it was released already."},
    {"__enter__", (PyCFunction)frame_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)(void (*)(void))frame_exit, METH_FASTCALL, NULL},
    {NULL, NULL, 0, NULL},
};

/* memoryview(frame), bytes(frame), file.write(frame): the bytes frame.data spans, read-only, with
 * no numpy array in between. The view's owner is the lease, so a view that outlives the frame
 * keeps it exactly as an array does (counted, warned). */
static int frame_getbuffer(Frame *self, Py_buffer *view, int flags)
{
    if (check_held(self) < 0)
        return -1;
    if (!has_one_range(self)) {
        PyErr_SetString(PyExc_BufferError, "this frame's bytes are not one contiguous range "
                                           "(use frame.planes)");
        return -1;
    }
    return PyBuffer_FillInfo(view, (PyObject *)self->lease, (void *)self->frame.data,
                             (Py_ssize_t)self->frame.size, 1, flags);
}

static PyBufferProcs frame_buffer = {.bf_getbuffer = (getbufferproc)frame_getbuffer};

PyTypeObject FrameType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zerotee.Frame",
    .tp_basicsize = sizeof(Frame),
    .tp_dealloc = (destructor)frame_dealloc,
    .tp_repr = (reprfunc)frame_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_getset = frame_fields,
    .tp_methods = frame_methods,
    .tp_as_buffer = &frame_buffer,
    .tp_doc = "A frame held by this consumer. Use it in a `with` block (or call release()): the "
              "planes are views of the shared buffer, valid until then. Arrays taken from it "
              "that outlive the block keep the lease (and count against the quota) until they "
              "are collected.",
};

PyObject *frame_new(Handle *handle, Lease *lease)
{
    Frame *frame = PyObject_New(Frame, &FrameType);
    if (!frame) {
        Py_DECREF(lease); /* gives the frame back */
        return NULL;
    }
    frame->handle = (Handle *)Py_NewRef(handle);
    frame->lease = lease;
    memcpy(&frame->frame, &lease->frame, sizeof frame->frame);
    frame->planes = NULL;
    frame->data = NULL;
    return (PyObject *)frame;
}
