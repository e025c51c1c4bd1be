/* The Lease type (one held frame, given back when the last reference goes) and the read-only
 * numpy views of its memory, shaped by the frame's format. */
#include "Frames.h"

#include <string.h>

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

PyTypeObject LeaseType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "zerotee._frames.Lease",
    .tp_basicsize = sizeof(Lease),
    .tp_dealloc = (destructor)lease_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_weaklistoffset = offsetof(Lease, weakrefs),
    .tp_doc = "One held frame: given back when the last reference (a FrameCore before end(), "
              "or a numpy array made from it) goes away.",
};

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

PyObject *lease_view(Lease *lease, const uint8_t *data, int nd, npy_intp *dims, npy_intp *strides)
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

PyObject *lease_plane_view(Lease *lease, uint32_t index)
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
            return lease_view(lease, plane->data, bpp == 1 ? 2 : 3, dims, strides);
        }
    }
    npy_intp dims[2] = {stride ? (npy_intp)(plane->size / (uint64_t)stride) : 0, stride};
    npy_intp strides[2] = {stride, 1};
    return lease_view(lease, plane->data, 2, dims, strides);
}
