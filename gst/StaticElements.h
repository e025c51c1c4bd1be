#pragma once

#include <gst/gst.h>

namespace zerotee {

/// Registers zeroteesink and zeroteesrc with @p plugin: the `zerotee` plugin module's
/// plugin_init and the in-process registration share it.
gboolean registerElements(GstPlugin *plugin);

/// Registers this binary's zeroteesink and zeroteesrc as the static plugin `zerotee`, so a
/// zerotee program finds its own elements wherever it runs from, without GST_PLUGIN_PATH.
/// Call after gst_init(); later calls do nothing. Returns false when GStreamer refused.
///
/// Where the `zerotee` plugin module is on the plugin path as well (a build tree's gst/, an
/// installed package), the registry knows both; the later registration's features replace the
/// module's by name, so element lookups (gst_element_factory_make, gst_parse_launch) get this
/// binary's types and the module is never loaded in this process: no second copy of the
/// classes, no GType clash. Third-party programs (gst-launch-1.0) keep using the module.
///
/// Thread context: thread-safe (one registration per process).
bool registerStaticElements();

} // namespace zerotee
