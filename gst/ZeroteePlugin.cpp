// The `zerotee` GStreamer plugin: zeroteesink and zeroteesrc.

#include "ZeroteeSink.h"
#include "ZeroteeSrc.h"

#include <gst/gst.h>

static gboolean plugin_init(GstPlugin *plugin)
{
    gboolean ok = gst_element_register(plugin, "zeroteesink", GST_RANK_NONE, ZEROTEE_TYPE_SINK);
    ok = gst_element_register(plugin, "zeroteesrc", GST_RANK_NONE, ZEROTEE_TYPE_SRC) && ok;
    return ok;
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, zerotee,
                  "Zero-copy frame sharing between processes over a Unix socket", plugin_init,
                  PACKAGE_VERSION, "LGPL", PACKAGE, "https://github.com/zerotee/zerotee")
