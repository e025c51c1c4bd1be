/* The Handle type, base of zerotee.Subscriber: the wait for the next frame and the closing. */
#include "Frames.h"

#include <string.h>
#include <time.h>

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

Py_ssize_t handle_prune_kept(Handle *self)
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
    const char *text = zt_last_error();
    PyObject *message = PyUnicode_DecodeUTF8(text, (Py_ssize_t)strlen(text), "replace");
    if (!message)
        return NULL;
    if (status == ZT_ERROR_QUOTA) {
        const Py_ssize_t kept = handle_prune_kept(self);
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
    return frame_new(self, lease);
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

static PyObject *handle_kept_references(Handle *self, PyObject *unused)
{
    (void)unused;
    return PyLong_FromSsize_t(PyList_GET_SIZE(self->kept));
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
    {"_kept_references", (PyCFunction)handle_kept_references, METH_NOARGS,
     "The weak references to kept leases held now, dead ones included (pruned as one is "
     "added): bounded by the quota however many frames ran."},
    {NULL, NULL, 0, NULL},
};

/* The base of zerotee.Subscriber (subscriber.py): the per-frame call and the closing here,
 * opening, options and the calls made once per subscriber in Python. */
PyTypeObject HandleType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zerotee._frames.Handle",
    .tp_basicsize = sizeof(Handle),
    .tp_dealloc = (destructor)handle_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .tp_getset = handle_fields,
    .tp_methods = handle_methods,
    .tp_new = handle_new,
    .tp_doc = "Owns one zt_subscriber: the per-frame call, and its closing.",
};
