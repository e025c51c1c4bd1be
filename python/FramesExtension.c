/* zerotee._frames: the Python client's per-frame calls, in C.
 *
 * Through ctypes and a Frame class in Python, a frame cost the Python client 2.7x the CPU of a
 * C `zeroteesrc ! appsink` consumer, most of it in ctypes' work per call and in the
 * interpreter's steps, which run cold between frames (docs/clients.md). Here a frame is one
 * call: Subscriber.next() waits in zt_subscriber_next with the GIL released and returns a Frame;
 * its planes are read-only numpy arrays over the shared buffer whose base is the frame's Lease,
 * so the lease (and the frame's place in the quota) lasts while any array does. The calls made
 * once per subscriber (open, info, caps, fd) stay in Python and ctypes (subscriber.py,
 * _native.py).
 *
 * Objects:
 *   Handle  the base of zerotee.Subscriber: owns its zt_subscriber; next(), and close() once no
 *           call is inside the library.
 *   Frame   zerotee.Frame: the fields (readable after release), the planes, `with`/release().
 *   Lease   one held frame; its deallocation gives the frame back (zt_frame_release).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

#include "zerotee/client.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

/* ---- Lease ---------------------------------------------------------------------------- */

typedef struct {
    PyObject ob_base;
    zt_subscriber *subscriber;
    zt_frame frame;
    PyObject *weakrefs;
} Lease;

static void lease_dealloc(Lease *self)
{
    if (self->weakrefs)
        PyObject_ClearWeakRefs((PyObject *)self);
    /* The library keeps a closed subscriber alive until its last frame is given back, so this
     * is safe after Subscriber.close(); an error (already given back) has no one to tell. */
    if (self->frame.lease)
        zt_frame_release(self->subscriber, &self->frame);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject LeaseType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zerotee._frames.Lease",
    .tp_basicsize = sizeof(Lease),
    .tp_dealloc = (destructor)lease_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_weaklistoffset = offsetof(Lease, weakrefs),
    .tp_doc = "One held frame: given back when the last reference (a FrameCore before end(), "
              "or a numpy array made from it) goes away.",
};

/* ---- plane layouts ------------------------------------------------------------------- */

/* Per format, per plane: width divisor, height divisor, bytes per pixel. Formats not listed get
 * each plane as raw rows (rows x stride bytes). */
typedef struct {
    const char *format;
    int planes;
    struct {
        int wdiv, hdiv, bpp;
    } plane[3];
} Layout;

static const Layout kLayouts[] = {
    {"GRAY8", 1, {{1, 1, 1}}},
    {"NV12", 2, {{1, 1, 1}, {2, 2, 2}}},
    {"NV21", 2, {{1, 1, 1}, {2, 2, 2}}},
    {"NV16", 2, {{1, 1, 1}, {2, 1, 2}}},
    {"NV61", 2, {{1, 1, 1}, {2, 1, 2}}},
    {"NV24", 2, {{1, 1, 1}, {1, 1, 2}}},
    {"I420", 3, {{1, 1, 1}, {2, 2, 1}, {2, 2, 1}}},
    {"YV12", 3, {{1, 1, 1}, {2, 2, 1}, {2, 2, 1}}},
    {"Y42B", 3, {{1, 1, 1}, {2, 1, 1}, {2, 1, 1}}},
    {"Y444", 3, {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}},
    {"YUY2", 1, {{1, 1, 2}}},
    {"YVYU", 1, {{1, 1, 2}}},
    {"UYVY", 1, {{1, 1, 2}}},
    {"RGB", 1, {{1, 1, 3}}},
    {"BGR", 1, {{1, 1, 3}}},
    {"RGBA", 1, {{1, 1, 4}}},
    {"BGRA", 1, {{1, 1, 4}}},
    {"ARGB", 1, {{1, 1, 4}}},
    {"ABGR", 1, {{1, 1, 4}}},
    {"RGBx", 1, {{1, 1, 4}}},
    {"BGRx", 1, {{1, 1, 4}}},
    {"xRGB", 1, {{1, 1, 4}}},
    {"xBGR", 1, {{1, 1, 4}}},
};

static const Layout *layout_of(const char *format)
{
    for (size_t i = 0; i < sizeof kLayouts / sizeof kLayouts[0]; ++i)
        if (strcmp(kLayouts[i].format, format) == 0)
            return &kLayouts[i];
    return NULL;
}

/* A read-only uint8 array over @data whose base is @lease. */
static PyObject *view(Lease *lease, const uint8_t *data, int nd, npy_intp *dims, npy_intp *strides)
{
    static const uint8_t empty = 0;
    /* NULL would make numpy allocate memory of its own. */
    void *address = (void *)(data ? data : &empty);
    PyObject *array = PyArray_NewFromDescr(&PyArray_Type, PyArray_DescrFromType(NPY_UINT8), nd,
                                           dims, strides, address, 0 /* not writeable */, NULL);
    if (!array)
        return NULL;
    Py_INCREF(lease);
    if (PyArray_SetBaseObject((PyArrayObject *)array, (PyObject *)lease) < 0) {
        Py_DECREF(array);
        return NULL;
    }
    return array;
}

static PyObject *plane_view(Lease *lease, uint32_t index)
{
    const zt_frame *frame = &lease->frame;
    const zt_plane *plane = &frame->planes[index];
    const npy_intp stride = (npy_intp)plane->stride;
    const Layout *layout = layout_of(frame->format);
    if (layout && (int)index < layout->planes) {
        const int wdiv = layout->plane[index].wdiv, hdiv = layout->plane[index].hdiv;
        const int bpp = layout->plane[index].bpp;
        const npy_intp width = (npy_intp)((frame->width + wdiv - 1) / wdiv);
        const npy_intp rows = (npy_intp)((frame->height + hdiv - 1) / hdiv);
        /* The view must lie inside the plane's bytes, or it is shown as raw rows below. */
        if (rows > 0 && (uint64_t)((rows - 1) * stride + width * bpp) <= plane->size) {
            npy_intp dims[3] = {rows, width, bpp};
            npy_intp strides[3] = {stride, bpp, 1};
            if (bpp == 1)
                strides[1] = 1;
            return view(lease, plane->data, bpp == 1 ? 2 : 3, dims, strides);
        }
    }
    npy_intp dims[2] = {stride ? (npy_intp)(plane->size / (uint64_t)stride) : 0, stride};
    npy_intp strides[2] = {stride, 1};
    return view(lease, plane->data, 2, dims, strides);
}

/* ---- errors of the package ------------------------------------------------------------ */

/* The package's exception classes (zerotee/errors.py), looked up when first needed: errors.py
 * imports _native, which imports this module, so they cannot be fetched at import. */
static PyObject *package_error(const char *name)
{
    PyObject *errors = PyImport_ImportModule("zerotee.errors");
    if (!errors)
        return NULL;
    PyObject *type = PyObject_GetAttrString(errors, name);
    Py_DECREF(errors);
    return type;
}

static void raise_package_error(const char *name, const char *message, int status)
{
    PyObject *type = package_error(name);
    if (!type)
        return;
    PyObject *error = PyObject_CallFunction(type, "si", message, status);
    Py_DECREF(type);
    if (error) {
        PyErr_SetObject((PyObject *)Py_TYPE(error), error);
        Py_DECREF(error);
    }
}

/* ---- Handle (declared first: a Frame keeps its Handle for the leases arrays keep) ------- */

typedef struct {
    PyObject ob_base;
    zt_subscriber *subscriber;
    int busy; /* calls in the library now; changed with the GIL held */
    int closed;
    PyObject *kept; /* weak references to leases kept alive by arrays after their frame ended */
} Handle;

static PyTypeObject HandleType;

/* ---- Frame ------------------------------------------------------------------------------ */

typedef struct {
    PyObject ob_base;
    Handle *handle;
    Lease *lease;   /* NULL once released */
    zt_frame frame; /* the fields, readable after release; its pointers are not read then */
    PyObject *planes;
    PyObject *data;
} Frame;

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
    if (!weak)
        return -1;
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
        return plane_view(self->lease, index);
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

static PyObject *get_data(Frame *self, void *c)
{
    (void)c;
    if (check_held(self) < 0)
        return NULL;
    if (!self->data) {
        if (!self->frame.data || !self->frame.size) {
            self->data = Py_NewRef(Py_None);
        } else {
            npy_intp dims[1] = {(npy_intp)self->frame.size};
            npy_intp strides[1] = {1};
            self->data = view(self->lease, self->frame.data, 1, dims, strides);
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

static PyTypeObject FrameType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zerotee.Frame",
    .tp_basicsize = sizeof(Frame),
    .tp_dealloc = (destructor)frame_dealloc,
    .tp_repr = (reprfunc)frame_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_getset = frame_fields,
    .tp_methods = frame_methods,
    .tp_doc = "A frame held by this consumer. Use it in a `with` block (or call release()): the "
              "planes are views of the shared buffer, valid until then. Arrays taken from it "
              "that outlive the block keep the lease (and count against the quota) until they "
              "are collected.",
};

/* ---- Handle ------------------------------------------------------------------------------ */

/* A wait in the library is cut into slices this long, so Ctrl-C and close() from another thread
 * are seen promptly. */
static const int kWaitSliceMs = 200;

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static PyObject *handle_new(PyTypeObject *type, PyObject *args, PyObject *kwargs)
{
    (void)args;
    (void)kwargs;
    Handle *self = (Handle *)type->tp_alloc(type, 0);
    if (!self)
        return NULL;
    self->kept = PyList_New(0);
    if (!self->kept) {
        Py_DECREF(self);
        return NULL;
    }
    return (PyObject *)self;
}

/* _attach(address): takes ownership of an opened zt_subscriber (Subscriber.__init__). */
static PyObject *handle_attach(Handle *self, PyObject *address)
{
    zt_subscriber *subscriber = (zt_subscriber *)PyLong_AsVoidPtr(address);
    if (!subscriber) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_ValueError, "no subscriber");
        return NULL;
    }
    if (self->subscriber) {
        PyErr_SetString(PyExc_RuntimeError, "the subscriber is open already");
        return NULL;
    }
    self->subscriber = subscriber;
    Py_RETURN_NONE;
}

static void handle_close_now(Handle *self)
{
    if (self->closed || !self->subscriber)
        return;
    self->closed = 1;
    /* Waits in other threads end within one slice; none may be inside the library when it
     * frees the subscriber (it keeps it for frames still held, freeing it at their release). */
    while (self->busy) {
        PyThreadState *state = PyEval_SaveThread();
        struct timespec pause = {0, 1000000};
        nanosleep(&pause, NULL);
        PyEval_RestoreThread(state);
    }
    zt_subscriber_close(self->subscriber);
}

static void handle_dealloc(Handle *self)
{
    handle_close_now(self);
    Py_CLEAR(self->kept);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The leases arrays keep alive after their frame ended (the dead ones are dropped). */
static Py_ssize_t kept_count(Handle *self)
{
    PyObject *alive = PyList_New(0);
    if (!alive)
        return -1;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(self->kept); ++i) {
        PyObject *ref = PyList_GET_ITEM(self->kept, i);
        if (PyWeakref_GetObject(ref) != Py_None && PyList_Append(alive, ref) < 0) {
            Py_DECREF(alive);
            return -1;
        }
    }
    Py_SETREF(self->kept, alive);
    return PyList_GET_SIZE(alive);
}

/* Raises the package's exception for a failed wait, with the library's words for it. */
static PyObject *raise_for_status(Handle *self, int status)
{
    if (status == ZT_ERROR_CLOSED) {
        raise_package_error("ClosedError", "the subscriber is closed", status);
        return NULL;
    }
    PyObject *message =
        PyUnicode_DecodeUTF8(zt_last_error(), (Py_ssize_t)strlen(zt_last_error()), "replace");
    if (!message)
        return NULL;
    if (status == ZT_ERROR_QUOTA) {
        const Py_ssize_t kept = kept_count(self);
        if (kept < 0) {
            Py_DECREF(message);
            return NULL;
        }
        if (kept > 0)
            Py_SETREF(message, PyUnicode_FromFormat("%U (%zd of them kept by numpy arrays taken "
                                                    "from frames that are still alive: delete "
                                                    "those arrays)",
                                                    message, kept));
        if (!message)
            return NULL;
    }
    PyObject *from_status = package_error("from_status");
    if (from_status) {
        PyObject *error = PyObject_CallFunction(from_status, "iO", status, message);
        if (error) {
            PyErr_SetObject((PyObject *)Py_TYPE(error), error);
            Py_DECREF(error);
        }
        Py_DECREF(from_status);
    }
    Py_DECREF(message);
    return NULL;
}

/* next(timeout=None) -> Frame: waits at most `timeout` seconds (None: as long as it takes, 0:
 * not at all); raises TimeoutError, QuotaError at once when the whole quota is held,
 * ClosedError, RefusedError, ... */
static PyObject *handle_next(Handle *self, PyObject *const *args, Py_ssize_t count, PyObject *names)
{
    PyObject *timeout = Py_None;
    const Py_ssize_t given = count + (names ? PyTuple_GET_SIZE(names) : 0);
    if (given > 1 ||
        (names && (PyTuple_GET_SIZE(names) != 1 || !PyUnicode_Check(PyTuple_GET_ITEM(names, 0)) ||
                   PyUnicode_CompareWithASCIIString(PyTuple_GET_ITEM(names, 0), "timeout") != 0))) {
        PyErr_SetString(PyExc_TypeError, "next(timeout=None) takes at most one argument, timeout");
        return NULL;
    }
    if (given == 1)
        timeout = args[0];
    int64_t deadline = -1;
    if (timeout != Py_None) {
        const double seconds = PyFloat_AsDouble(timeout);
        if (seconds == -1.0 && PyErr_Occurred())
            return NULL;
        deadline = monotonic_ms() + (seconds > 0 ? (int64_t)(seconds * 1000) : 0);
    }
    if (!self->subscriber || self->closed)
        return raise_for_status(self, ZT_ERROR_CLOSED);
    Lease *lease = PyObject_New(Lease, &LeaseType);
    if (!lease)
        return NULL;
    lease->subscriber = self->subscriber;
    lease->weakrefs = NULL;
    lease->frame.lease = 0;
    for (;;) {
        int wait = kWaitSliceMs;
        if (deadline >= 0) {
            const int64_t left = deadline - monotonic_ms();
            wait = left <= 0 ? 0 : left < kWaitSliceMs ? (int)left : kWaitSliceMs;
        }
        /* The wait runs without the GIL: other threads go on meanwhile. */
        self->busy++;
        PyThreadState *state = PyEval_SaveThread();
        const int ret = zt_subscriber_next(self->subscriber, wait, &lease->frame);
        PyEval_RestoreThread(state);
        self->busy--;
        if (ret == ZT_OK)
            break;
        lease->frame.lease = 0;
        if (ret != ZT_ERROR_TIMEOUT || (deadline >= 0 && monotonic_ms() >= deadline) ||
            self->closed) {
            Py_DECREF(lease);
            return raise_for_status(self, self->closed ? ZT_ERROR_CLOSED : ret);
        }
        if (PyErr_CheckSignals() < 0) { /* Ctrl-C between slices */
            Py_DECREF(lease);
            return NULL;
        }
    }
    Frame *frame = PyObject_New(Frame, &FrameType);
    if (!frame) {
        Py_DECREF(lease); /* gives the frame back */
        return NULL;
    }
    frame->handle = (Handle *)Py_NewRef(self);
    frame->lease = lease;
    memcpy(&frame->frame, &lease->frame, sizeof frame->frame);
    frame->planes = NULL;
    frame->data = NULL;
    return (PyObject *)frame;
}

/* For the calls made through ctypes (info, caps, fileno, request_keyframe): no close() frees
 * the subscriber while one runs. */
static PyObject *handle_enter(Handle *self, PyObject *unused)
{
    (void)unused;
    if (!self->subscriber || self->closed)
        return raise_for_status(self, ZT_ERROR_CLOSED);
    self->busy++;
    return PyLong_FromVoidPtr(self->subscriber);
}

static PyObject *handle_leave(Handle *self, PyObject *unused)
{
    (void)unused;
    self->busy--;
    Py_RETURN_NONE;
}

static PyObject *handle_close(Handle *self, PyObject *unused)
{
    (void)unused;
    handle_close_now(self);
    Py_RETURN_NONE;
}

static PyObject *handle_kept_count(Handle *self, PyObject *unused)
{
    (void)unused;
    const Py_ssize_t kept = kept_count(self);
    return kept < 0 ? NULL : PyLong_FromSsize_t(kept);
}

static PyObject *get_closed(Handle *self, void *c)
{
    (void)c;
    return PyBool_FromLong(self->closed);
}

static PyGetSetDef handle_fields[] = {
    {"closed", (getter)get_closed, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyMethodDef handle_methods[] = {
    {"next", (PyCFunction)(void (*)(void))handle_next, METH_FASTCALL | METH_KEYWORDS,
     "next(timeout=None) -> Frame (use it in a `with` block). `timeout` in seconds (None: wait "
     "as long as it takes; 0: do not wait). Raises TimeoutError, QuotaError at once when the "
     "whole quota is held, ClosedError, RefusedError, ..."},
    {"close", (PyCFunction)handle_close, METH_NOARGS,
     "Disconnects. Frames (and arrays) still alive stay readable until they are released or "
     "collected; nothing else may be asked of the subscriber."},
    {"_attach", (PyCFunction)handle_attach, METH_O, "Takes ownership of an opened subscriber."},
    {"_enter", (PyCFunction)handle_enter, METH_NOARGS,
     "Before a ctypes call: the zt_subscriber address (raises ClosedError when closed)."},
    {"_leave", (PyCFunction)handle_leave, METH_NOARGS, "After it."},
    {"_kept_count", (PyCFunction)handle_kept_count, METH_NOARGS,
     "Leases kept alive by arrays after their frame ended."},
    {NULL, NULL, 0, NULL},
};

/* The base of zerotee.Subscriber (subscriber.py): the per-frame call and the closing here,
 * opening, options and the calls made once per subscriber in Python. */
static PyTypeObject HandleType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zerotee._frames.Handle",
    .tp_basicsize = sizeof(Handle),
    .tp_dealloc = (destructor)handle_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_getset = handle_fields,
    .tp_methods = handle_methods,
    .tp_new = handle_new,
    .tp_doc = "Owns one zt_subscriber: the per-frame call, and its closing.",
};

/* ---- module ------------------------------------------------------------------------------ */

static struct PyModuleDef frames_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "zerotee._frames",
    .m_doc = "The zerotee client's per-frame calls (internal to the package).",
    .m_size = -1,
};

PyMODINIT_FUNC PyInit__frames(void)
{
    import_array();
    if (PyType_Ready(&LeaseType) < 0 || PyType_Ready(&FrameType) < 0 ||
        PyType_Ready(&HandleType) < 0)
        return NULL;
    PyObject *module = PyModule_Create(&frames_module);
    if (!module)
        return NULL;
    if (PyModule_AddObjectRef(module, "Frame", (PyObject *)&FrameType) < 0 ||
        PyModule_AddObjectRef(module, "Handle", (PyObject *)&HandleType) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
