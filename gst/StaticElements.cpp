#include "StaticElements.h"

#include "ZeroteeSink.h"
#include "ZeroteeSrc.h"

namespace zerotee {

gboolean registerElements(GstPlugin *plugin)
{
    gboolean ok = gst_element_register(plugin, "zeroteesink", GST_RANK_NONE, ZEROTEE_TYPE_SINK);
    ok = gst_element_register(plugin, "zeroteesrc", GST_RANK_NONE, ZEROTEE_TYPE_SRC) && ok;
    return ok;
}

bool registerStaticElements()
{
    static const bool registered = gst_plugin_register_static(
        GST_VERSION_MAJOR, GST_VERSION_MINOR, "zerotee",
        "Zero-copy frame sharing between processes over a Unix socket (in-process copy)",
        registerElements, ZEROTEE_VERSION, "LGPL", "zerotee", "zerotee",
        "https://github.com/zerotee/zerotee");
    return registered;
}

} // namespace zerotee
