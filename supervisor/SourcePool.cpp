#include "SourcePool.h"

#include <gst/base/gstbasesrc.h>
#include <gst/gst.h>

namespace zerotee {

std::vector<GstObjectHolder<GstPad>> upstreamSourcePads(GstPad *sinkPad)
{
    std::vector<GstObjectHolder<GstPad>> pads;
    GstObjectHolder<GstPad> pad(GST_PAD(gst_object_ref(sinkPad)));
    for (int depth = 0; pad && depth < 32; ++depth) {
        GstObjectHolder<GstPad> peer(gst_pad_get_peer(pad.get()));
        pad.reset();
        if (!peer)
            break;
        g_autoptr(GstElement) element = gst_pad_get_parent_element(peer.get());
        pads.push_back(std::move(peer));
        if (!element)
            break;
        GST_OBJECT_LOCK(element);
        if (element->numsinkpads == 1)
            pad.reset(GST_PAD(gst_object_ref(element->sinkpads->data)));
        GST_OBJECT_UNLOCK(element);
    }
    return pads;
}

SourcePool sourcePool(GstPad *busSinkPad)
{
    SourcePool result;
    g_autoptr(GstElement) source = nullptr;
    {
        const std::vector<GstObjectHolder<GstPad>> pads = upstreamSourcePads(busSinkPad);
        if (!pads.empty())
            source = gst_pad_get_parent_element(pads.back().get());
    }
    if (!source)
        return result;
    if (GST_IS_BASE_SRC(source)) {
        if (g_autoptr(GstBufferPool) pool = gst_base_src_get_buffer_pool(GST_BASE_SRC(source))) {
            g_autoptr(GstStructure) config = gst_buffer_pool_get_config(pool);
            guint size = 0, min = 0, max = 0;
            // The bus's own pool offered upstream is sized by the sink, not by the source. By
            // name: the type lives in the plugin, and registering it here as well would clash.
            if (g_strcmp0(G_OBJECT_TYPE_NAME(pool), "ZeroteeMemfdBufferPool") != 0 &&
                gst_buffer_pool_config_get_params(config, nullptr, &size, &min, &max) && max > 0) {
                result.found = true;
                result.element = QString::fromUtf8(GST_OBJECT_NAME(source));
                result.minBuffers = min;
                result.maxBuffers = max;
            }
        }
    }
    return result;
}

} // namespace zerotee
