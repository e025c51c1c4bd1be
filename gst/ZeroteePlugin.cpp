// The `zerotee` GStreamer plugin module: zeroteesink and zeroteesrc for third-party pipelines
// (gst-launch-1.0, applications). zerotee's own programs register the same elements in-process
// (StaticElements.h) and never load this module.

#include "StaticElements.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin)
{
    return zerotee::registerElements(plugin);
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, zerotee,
                  "Zero-copy frame sharing between processes over a Unix socket", plugin_init,
                  PACKAGE_VERSION, "LGPL", PACKAGE, "https://github.com/zerotee/zerotee")
