#pragma once

// Owning holders for GStreamer objects that live in C++ members or containers. Locals use
// g_autoptr(GstElement) and friends (GLib's cleanup attribute) instead; together they leave no
// hand-written unref on an error path. An unref that an API demands (e.g. a pad probe's
// user-data destroy function) stays where it is, with a comment.
//
// Thread context: the holders are as thread-safe as the reference counts they drop.

#include <gst/gst.h>

#include <memory>

namespace zerotee {

struct GstObjectUnref {
    void operator()(gpointer object) const { gst_object_unref(object); }
};

struct GstMiniObjectUnref {
    void operator()(gpointer object) const { gst_mini_object_unref(GST_MINI_OBJECT_CAST(object)); }
};

/// A GstObject subclass (element, pad, bus, pool, allocator…); takes one reference.
template <typename T> using GstObjectHolder = std::unique_ptr<T, GstObjectUnref>;
/// A mini object (buffer, caps, event, message, query, sample…); takes one reference.
template <typename T> using GstMiniObjectHolder = std::unique_ptr<T, GstMiniObjectUnref>;

using GstElementHolder = GstObjectHolder<GstElement>;
using GstBufferHolder = GstMiniObjectHolder<GstBuffer>;
using GstCapsHolder = GstMiniObjectHolder<GstCaps>;

/// Sinks a floating reference (a freshly made element) into a holder, so the holder owns the
/// only reference whether or not the object was floating.
template <typename T> GstObjectHolder<T> sinkIntoHolder(T *object)
{
    return GstObjectHolder<T>(object ? static_cast<T *>(gst_object_ref_sink(object)) : nullptr);
}

} // namespace zerotee
