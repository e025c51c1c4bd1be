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
    static const bool registered = [] {
        // The module's copy of the elements, loaded into this very process (a registry scan
        // with GST_REGISTRY_FORK=no and the module on GST_PLUGIN_PATH), holds their type names:
        // the built-in ones cannot be registered beside it. Say so rather than fail silently.
        if (g_type_from_name("ZeroteeSink") || g_type_from_name("ZeroteeSrc")) {
            g_printerr("zerotee: the zerotee GStreamer module (libgstzerotee.so) was loaded into "
                       "this process and holds the element names (a registry scan without a "
                       "helper process, GST_REGISTRY_FORK=no?): take its folder out of "
                       "GST_PLUGIN_PATH; zerotee programs have the elements built in\n");
            return false;
        }
        return bool(gst_plugin_register_static(
            GST_VERSION_MAJOR, GST_VERSION_MINOR, "zerotee",
            "Zero-copy frame sharing between processes over a Unix socket (in-process copy)",
            registerElements, ZEROTEE_VERSION, "LGPL", "zerotee", "zerotee",
            "https://github.com/zerotee/zerotee"));
    }();
    return registered;
}

} // namespace zerotee
