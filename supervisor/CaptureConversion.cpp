#include "CaptureConversion.h"

#include "SourcePool.h"

#include <gst/gst.h>
#include <gst/video/video.h>

namespace zerotee {

namespace {

// The raw video caps furthest upstream of sinkPad: what the source itself delivers.
GstCaps *sourceVideoCaps(GstPad *sinkPad)
{
    GstCaps *found = nullptr;
    for (const GstObjectHolder<GstPad> &pad : upstreamSourcePads(sinkPad)) {
        g_autoptr(GstCaps) caps = gst_pad_get_current_caps(pad.get());
        if (caps && gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-raw"))
            gst_caps_replace(&found, caps);
    }
    return found;
}

QString describe(const GstVideoInfo &info)
{
    return QStringLiteral("%1 %2x%3")
        .arg(QString::fromUtf8(gst_video_format_to_string(GST_VIDEO_INFO_FORMAT(&info))))
        .arg(GST_VIDEO_INFO_WIDTH(&info))
        .arg(GST_VIDEO_INFO_HEIGHT(&info));
}

} // namespace

void CaptureConversion::watch(GstPad *sinkPad)
{
    converting_ = false;
    gst_pad_add_probe(
        sinkPad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        [](GstPad *pad, GstPadProbeInfo *info, gpointer data) {
            auto *self = static_cast<CaptureConversion *>(data);
            if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER) {
                if (self->converting_.load(std::memory_order_relaxed))
                    self->bytes_.fetch_add(gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info)),
                                           std::memory_order_relaxed);
            } else if (GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
                       event && GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
                GstCaps *caps = nullptr;
                gst_event_parse_caps(event, &caps);
                self->onCaps(pad, caps);
            }
            return GST_PAD_PROBE_OK;
        },
        this, nullptr);
}

void CaptureConversion::onCaps(GstPad *sinkPad, GstCaps *busCaps)
{
    g_autoptr(GstCaps) sourceCaps = sourceVideoCaps(sinkPad);
    GstVideoInfo bus, source;
    QString description;
    if (busCaps && sourceCaps && gst_video_info_from_caps(&bus, busCaps) &&
        gst_video_info_from_caps(&source, sourceCaps) &&
        (GST_VIDEO_INFO_FORMAT(&bus) != GST_VIDEO_INFO_FORMAT(&source) ||
         GST_VIDEO_INFO_WIDTH(&bus) != GST_VIDEO_INFO_WIDTH(&source) ||
         GST_VIDEO_INFO_HEIGHT(&bus) != GST_VIDEO_INFO_HEIGHT(&source)))
        description = describe(source) + QStringLiteral(" -> ") + describe(bus);
    QMutexLocker lock(&mutex_);
    description_ = description;
    converting_ = !description.isEmpty();
}

QString CaptureConversion::description() const
{
    QMutexLocker lock(&mutex_);
    return description_;
}

} // namespace zerotee
