/* zerotee._frames: the Python client's per-frame calls, in C.
 *
 * Through ctypes and a Frame class in Python, a frame cost the Python client 2.7x the CPU of a
 * C `zeroteesrc ! appsink` consumer, most of it in ctypes' work per call and in the
 * interpreter's steps, which run cold between frames (docs/clients.md). Here a frame is one
 * call: Subscriber.next() waits in zt_subscriber_next with the GIL released and returns a Frame;
 * its planes are read-only numpy arrays over the shared buffer whose base is the frame's Lease,
 * so the lease (and the frame's place in the quota) lasts while any array does. The calls made
 * once per subscriber (open, info, caps, fd) stay in Python and ctypes (subscriber.py,
 * _native.py). The types are described in Frames.h; this file makes the module.
 */
#define ZEROTEE_FRAMES_IMPORTS_NUMPY
#include "Frames.h"

/* The package's exception classes (zerotee/errors.py), looked up when first needed: errors.py
 * imports _native, which imports this module, so they cannot be fetched at import. */
PyObject *package_error(const char *name)
{
    PyObject *errors = PyImport_ImportModule("zerotee.errors");
    if (!errors)
        return NULL;
    PyObject *type = PyObject_GetAttrString(errors, name);
    Py_DECREF(errors);
    return type;
}

void raise_package_error(const char *name, const char *message, int status)
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
