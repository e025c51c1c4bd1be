#include "SourcePool.h"

#include <gst/base/gstbasesrc.h>
#include <gst/gst.h>

namespace zerotee {

std::vector<GstPad *> upstreamSourcePads(GstPad *sinkPad)
{
    std::vector<GstPad *> pads;
    GstPad *pad = GST_PAD(gst_object_ref(sinkPad));
    for (int depth = 0; pad && depth < 32; ++depth) {
        GstPad *peer = gst_pad_get_peer(pad);
        gst_object_unref(pad);
        pad = nullptr;
        if (!peer)
            break;
        pads.push_back(peer);
        GstElement *element = gst_pad_get_parent_element(peer);
        if (!element)
            break;
        GST_OBJECT_LOCK(element);
        if (element->numsinkpads == 1)
            pad = GST_PAD(gst_object_ref(element->sinkpads->data));
        GST_OBJECT_UNLOCK(element);
        gst_object_unref(element);
    }
    if (pad)
        gst_object_unref(pad);
    return pads;
}

void unrefPads(std::vector<GstPad *> &pads)
{
    for (GstPad *pad : pads)
        gst_object_unref(pad);
    pads.clear();
}

SourcePool sourcePool(GstPad *busSinkPad)
{
    SourcePool result;
    std::vector<GstPad *> pads = upstreamSourcePads(busSinkPad);
    GstElement *source = pads.empty() ? nullptr : gst_pad_get_parent_element(pads.back());
    unrefPads(pads);
    if (!source)
        return result;
    if (GST_IS_BASE_SRC(source)) {
        if (GstBufferPool *pool = gst_base_src_get_buffer_pool(GST_BASE_SRC(source))) {
            GstStructure *config = gst_buffer_pool_get_config(pool);
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
            gst_structure_free(config);
            gst_object_unref(pool);
        }
    }
    gst_object_unref(source);
    return result;
}

} // namespace zerotee
