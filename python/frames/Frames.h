/* zerotee._frames: the Python client's per-frame calls, in C (see Module.c for why). What the
 * files of the extension share: its three object types and the few functions they call across.
 *
 *   Handle    (Subscriber.c) the base of zerotee.Subscriber: owns its zt_subscriber; next(),
 *             and close() once no call is inside the library.
 *   Frame     (Frame.c) zerotee.Frame: the fields (readable after release), the planes,
 *             `with`/release().
 *   Lease     (Lease.c) one held frame; its deallocation gives the frame back
 *             (zt_frame_release). Numpy arrays over the frame's memory have it as their base.
 */
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>

/* One numpy C API table for the extension's files; Module.c imports it. */
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL zerotee_frames_numpy_api
#ifndef ZEROTEE_FRAMES_IMPORTS_NUMPY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#include "zerotee/client.h"

#include <stdint.h>

typedef struct {
    PyObject ob_base;
    zt_subscriber *subscriber;
    zt_frame frame;
    PyObject *weakrefs;
} Lease;

typedef struct {
    PyObject ob_base;
    zt_subscriber *subscriber;
    int busy; /* calls in the library now; changed with the GIL held */
    int closed;
    PyObject *kept; /* weak references to leases arrays kept alive after their frame ended;
                     * pruned as one is added, so at most the quota's worth */
} Handle;

typedef struct {
    PyObject ob_base;
    Handle *handle;
    Lease *lease;   /* NULL once released */
    zt_frame frame; /* the fields, readable after release; its pointers are not read then */
    PyObject *planes;
    PyObject *data;
} Frame;

extern PyTypeObject LeaseType;
extern PyTypeObject FrameType;
extern PyTypeObject HandleType;

/* Lease.c: a read-only uint8 array of plane @index of the lease's frame, shaped by its format,
 * or of @dims/@strides at @data; the array's base is the lease. */
PyObject *lease_plane_view(Lease *lease, uint32_t index);
PyObject *lease_view(Lease *lease, const uint8_t *data, int nd, npy_intp *dims, npy_intp *strides);

/* Frame.c: a Frame holding @lease (the reference is the frame's). */
PyObject *frame_new(Handle *handle, Lease *lease);

/* Subscriber.c: drops the dead references from @handle's kept list; the number of leases
 * arrays keep alive now, or -1 with an exception set. */
Py_ssize_t handle_prune_kept(Handle *handle);

/* Module.c: the package's exception class @name (zerotee/errors.py), and raising one. */
PyObject *package_error(const char *name);
void raise_package_error(const char *name, const char *message, int status);
