#include "MountFactory.h"

#include "MountPipeline.h"

#include <QJsonArray>
#include <cstdio>
#include <gst/video/video.h>

namespace zerotee {

namespace {
constexpr const char *kViewerRole = "viewer";
}

MountFactory::MountFactory(const RtspOptions &options, const MountConfig &mount,
                           const ElementChoice &elements)
    : mount_(mount), encoderName_(options.encoded ? QStringLiteral("none") : elements.encoder)
{
    g_weak_ref_init(&media_, nullptr);
    launch_ =
        MountPipeline::describe(options, mount, elements, MountPipeline::Output::RtspPayloader,
                                MountPipeline::clientNameFor(QStringLiteral("rtsp"), mount.path));
    factory_ = gst_rtsp_media_factory_new();
    const QByteArray launch = (QStringLiteral("( ") + launch_ + QStringLiteral(" )")).toUtf8();
    gst_rtsp_media_factory_set_launch(factory_, launch.constData());
    // Raw bus: one pipeline and one encoder for every viewer of this mount. Encoded bus (a
    // stream of zerotee-encoder): a pipeline per viewer (its own bus connection and
    // payloader, no encoder), so each viewer gets the stream's GOP cache replayed and starts
    // on a keyframe at once without an IDR forced on the others; a shared media cannot replay
    // a GOP per client. Payloading costs little; encoding is what is shared.
    gst_rtsp_media_factory_set_shared(factory_, options.encoded ? FALSE : TRUE);
    perViewer_ = options.encoded;
    // The last viewer leaving unprepares the media at once (no EOS round trip, no suspended
    // pipeline holding bus frames); a later viewer makes a new one.
    gst_rtsp_media_factory_set_eos_shutdown(factory_, FALSE);
    gst_rtsp_media_factory_set_suspend_mode(factory_, GST_RTSP_SUSPEND_MODE_NONE);
    gst_rtsp_media_factory_set_stop_on_disconnect(factory_, TRUE);
    gst_rtsp_media_factory_set_protocols(
        factory_, GstRTSPLowerTrans(GST_RTSP_LOWER_TRANS_TCP | GST_RTSP_LOWER_TRANS_UDP |
                                    GST_RTSP_LOWER_TRANS_UDP_MCAST));
    // Live: no retransmission buffer to fill, no extra jitter latency on our side.
    gst_rtsp_media_factory_set_latency(factory_, 0);

    g_autoptr(GstRTSPAddressPool) pool = gst_rtsp_address_pool_new();
    gst_rtsp_address_pool_add_range(
        pool, options.multicastFirst.toLatin1().constData(),
        options.multicastLast.toLatin1().constData(), guint16(options.multicastPortMin),
        guint16(options.multicastPortMax), guint8(options.multicastTtl));
    gst_rtsp_media_factory_set_address_pool(factory_, pool);
    gst_rtsp_media_factory_set_max_mcast_ttl(factory_, guint(options.multicastTtl));

    if (options.auth != RtspOptions::Auth::None || !options.tlsCertFile.isEmpty())
        gst_rtsp_media_factory_add_role(factory_, kViewerRole, GST_RTSP_PERM_MEDIA_FACTORY_ACCESS,
                                        G_TYPE_BOOLEAN, TRUE, GST_RTSP_PERM_MEDIA_FACTORY_CONSTRUCT,
                                        G_TYPE_BOOLEAN, TRUE, nullptr);

    g_signal_connect(factory_, "media-configure", G_CALLBACK(&MountFactory::onMediaConfigure),
                     this);
}

MountFactory::~MountFactory()
{
    // Disconnected before our reference goes: the mount points may keep the factory alive.
    g_signal_handlers_disconnect_by_data(factory_, this);
    g_object_unref(factory_);
    g_weak_ref_clear(&media_);
}

GstRTSPMedia *MountFactory::currentMedia() const
{
    return static_cast<GstRTSPMedia *>(g_weak_ref_get(&media_));
}

bool MountFactory::owns(GstRTSPMedia *media) const
{
    g_autoptr(GstRTSPMedia) current = currentMedia();
    return current && current == media;
}

void MountFactory::onMediaConfigure(GstRTSPMediaFactory *, GstRTSPMedia *media, gpointer data)
{
    auto *self = static_cast<MountFactory *>(data);
    self->counters_->configures++;
    {
        std::lock_guard lock(self->mutex_);
        g_weak_ref_set(&self->media_, media);
        self->mediaGeneration_++;
    }
    g_autoptr(GstElement) bin = gst_rtsp_media_get_element(media);
    g_autoptr(GstElement) pay = gst_bin_get_by_name(GST_BIN(bin), MountPipeline::kPayloaderName);
    if (pay) {
        g_autoptr(GstPad) src = gst_element_get_static_pad(pay, "src");
        gst_pad_add_probe(
            src, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
            &MountFactory::countPayloadBytes, new std::shared_ptr<Counters>(self->counters_),
            [](gpointer p) { delete static_cast<std::shared_ptr<Counters> *>(p); });
    }
    g_autoptr(GstElement) encoder = gst_bin_get_by_name(GST_BIN(bin), MountPipeline::kEncoderName);
    if (encoder) {
        // Counted until the element is finalized: the proof that viewers share one encoder.
        self->counters_->encodersAlive++;
        g_object_weak_ref(G_OBJECT(encoder), &MountFactory::onEncoderFinalized,
                          new std::shared_ptr<Counters>(self->counters_));
    }
    if (self->perViewer_) {
        // The pipeline exists (the factory made it before media-configure); the RTP sinks are
        // added when the media is prepared.
        g_autoptr(GstObject) pipeline = bin ? gst_object_get_parent(GST_OBJECT(bin)) : nullptr;
        if (pipeline && GST_IS_BIN(pipeline)) {
            g_signal_connect(pipeline, "element-added",
                             G_CALLBACK(&MountFactory::onPerViewerElementAdded), nullptr);
            g_signal_connect(pipeline, "deep-element-added",
                             G_CALLBACK(&MountFactory::onPerViewerDeepElementAdded), nullptr);
        }
    }
    std::fprintf(stderr, "zerotee-rtsp: %s: new media (pipeline #%llu)\n",
                 qPrintable(self->mount_.path),
                 static_cast<unsigned long long>(self->counters_->configures));
}

void MountFactory::onPerViewerDeepElementAdded(GstBin *pipeline, GstBin *, GstElement *element,
                                               gpointer)
{
    onPerViewerElementAdded(pipeline, element, nullptr);
}

void MountFactory::onPerViewerElementAdded(GstBin *, GstElement *element, gpointer)
{
    // The replayed GOP was captured before this viewer's pipeline started, so zeroteesrc moves
    // the pipeline's timeline by up to a GOP; the payload must still go out as it arrives
    // (the camera paces the stream already), not wait on the clock for that long.
    if (!GST_OBJECT_FLAG_IS_SET(element, GST_ELEMENT_FLAG_SINK) ||
        !g_object_class_find_property(G_OBJECT_GET_CLASS(element), "sync"))
        return;
    // gst-rtsp-server configures its sinks after adding them: turned off again at the first
    // data (a one-shot probe), from the streaming thread, before it is rendered.
    g_autoptr(GstPad) pad = gst_element_get_static_pad(element, "sink");
    if (!pad)
        return;
    gst_pad_add_probe(
        pad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
        [](GstPad *sinkPad, GstPadProbeInfo *, gpointer) {
            g_autoptr(GstElement) sink = gst_pad_get_parent_element(sinkPad);
            if (sink)
                g_object_set(sink, "sync", FALSE, nullptr);
            return GST_PAD_PROBE_REMOVE;
        },
        nullptr, nullptr);
}

void MountFactory::onEncoderFinalized(gpointer data, GObject *)
{
    auto *counters = static_cast<std::shared_ptr<Counters> *>(data);
    (*counters)->encodersAlive--;
    delete counters;
}

GstPadProbeReturn MountFactory::countPayloadBytes(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto &counters = **static_cast<std::shared_ptr<Counters> *>(data);
    gsize bytes = 0;
    if (info->type & GST_PAD_PROBE_TYPE_BUFFER) {
        bytes = gst_buffer_get_size(GST_PAD_PROBE_INFO_BUFFER(info));
    } else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST) {
        GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST(info);
        for (guint i = 0, n = gst_buffer_list_length(list); i < n; ++i)
            bytes += gst_buffer_get_size(gst_buffer_list_get(list, i));
    }
    counters.payloadBytes += bytes;
    return GST_PAD_PROBE_OK;
}

void MountFactory::requestKeyframe(GstRTSPMedia *media)
{
    g_autoptr(GstElement) bin = gst_rtsp_media_get_element(media);
    if (!bin)
        return;
    g_autoptr(GstElement) pay = gst_bin_get_by_name(GST_BIN(bin), MountPipeline::kPayloaderName);
    if (!pay)
        return;
    g_autoptr(GstPad) sink = gst_element_get_static_pad(pay, "sink");
    // all-headers: SPS/PPS go with the IDR, so the viewer can start decoding from it.
    GstEvent *event = gst_video_event_new_upstream_force_key_unit(
        GST_CLOCK_TIME_NONE, TRUE, guint(counters_->keyframeRequests + 1));
    if (gst_pad_push_event(sink, event)) // takes the event
        counters_->keyframeRequests++;
}

quint64 MountFactory::framesOf(GstRTSPMedia *media) const
{
    g_autoptr(GstElement) bin = gst_rtsp_media_get_element(media);
    g_autoptr(GstElement) src =
        bin ? gst_bin_get_by_name(GST_BIN(bin), MountPipeline::kSourceName) : nullptr;
    if (!src)
        return 0;
    g_autoptr(GstStructure) stats = nullptr;
    g_object_get(src, "stats", &stats, nullptr);
    guint64 received = 0;
    return stats && gst_structure_get_uint64(stats, "frames-received", &received) ? received : 0;
}

quint64 MountFactory::frames()
{
    g_autoptr(GstRTSPMedia) media = currentMedia();
    std::lock_guard lock(mutex_);
    if (framesGeneration_ != mediaGeneration_) {
        framesDone_ += framesLastSeen_; // the previous media's count is final
        framesLastSeen_ = 0;
        framesGeneration_ = mediaGeneration_;
    }
    if (media)
        framesLastSeen_ = std::max(framesLastSeen_, framesOf(media));
    return framesDone_ + framesLastSeen_;
}

QJsonObject MountFactory::stats()
{
    g_autoptr(GstRTSPMedia) media = currentMedia();
    const bool running =
        media && gst_rtsp_media_get_status(media) == GST_RTSP_MEDIA_STATUS_PREPARED;

    const auto now = std::chrono::steady_clock::now();
    const quint64 bytes = counters_->payloadBytes;
    const double seconds = std::chrono::duration<double>(now - lastStats_).count();
    const double kbps = seconds > 0 ? double(bytes - bytesAtLastStats_) * 8 / 1000 / seconds : 0;
    bytesAtLastStats_ = bytes;
    lastStats_ = now;

    QJsonObject o;
    o[QStringLiteral("path")] = mount_.path;
    o[QStringLiteral("encoder")] = encoderName_;
    o[QStringLiteral("encoder_running")] = running;
    o[QStringLiteral("encoder_instances")] = counters_->encodersAlive.load();
    o[QStringLiteral("media_configures")] = qint64(counters_->configures.load());
    o[QStringLiteral("bitrate_kbps")] = qRound(kbps);
    o[QStringLiteral("keyframe_requests")] = qint64(counters_->keyframeRequests.load());
    o[QStringLiteral("frames")] = qint64(frames());
    if (mount_.scales())
        o[QStringLiteral("size")] = QStringLiteral("%1x%2").arg(mount_.width).arg(mount_.height);
    if (mount_.changesRate())
        o[QStringLiteral("fps")] = mount_.fps;
    return o;
}

} // namespace zerotee
