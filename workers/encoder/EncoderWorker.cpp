#include "EncoderWorker.h"

#include "ElementRegistry.h"
#include "PipelineRunner.h"
#include "VideoCodec.h"
#include "WorkerReporter.h"

#include <QJsonObject>
#include <gst/video/video.h>

namespace zerotee {

namespace {

constexpr int kTickMs = 250;

QString quoted(const QString &text)
{
    return QLatin1Char('"') + QString(text).replace(QLatin1Char('"'), QLatin1String("\\\"")) +
           QLatin1Char('"');
}

/// The encoder with the stream's bitrate and GOP in each factory's own terms; B-frames off
/// everywhere (the bus carries no DTS, and live consumers want no reordering delay). The
/// profile option is H.264's; H.265 streams are Main profile (8-bit 4:2:0), the encoders' default.
QString encoderElement(const QString &factory, const EncoderOptions &o)
{
    const QString profile =
        QStringLiteral(" ! capsfilter caps=video/x-h264,profile=%1").arg(o.profile);
    if (factory == QLatin1String("x264enc"))
        return QStringLiteral("x264enc name=enc tune=zerolatency speed-preset=ultrafast bframes=0 "
                              "bitrate=%1 key-int-max=%2")
                   .arg(o.bitrateKbps)
                   .arg(o.gop) +
               profile;
    if (factory == QLatin1String("x265enc")) // zerolatency: no B-frames, no lookahead
        return QStringLiteral("x265enc name=enc tune=zerolatency speed-preset=ultrafast "
                              "bitrate=%1 key-int-max=%2")
            .arg(o.bitrateKbps)
            .arg(o.gop);
    if (factory == QLatin1String("vpuenc_h264") || factory == QLatin1String("vpuenc_hevc"))
        return QStringLiteral("%1 name=enc bitrate=%2 gop-size=%3")
            .arg(factory)
            .arg(o.bitrateKbps)
            .arg(o.gop);
    if (factory == QLatin1String("v4l2h264enc") || factory == QLatin1String("v4l2h265enc"))
        return QStringLiteral("%1 name=enc extra-controls=\"controls,video_bitrate=%2,"
                              "video_gop_size=%3\"")
                   .arg(factory)
                   .arg(o.bitrateKbps * 1000)
                   .arg(o.gop) +
               (factory == QLatin1String("v4l2h264enc") ? profile : QString());
    if (factory == QLatin1String("openh264enc"))
        return QStringLiteral("openh264enc name=enc bitrate=%1 gop-size=%2")
            .arg(o.bitrateKbps * 1000)
            .arg(o.gop);
    return factory + QStringLiteral(" name=enc"); // an override we know nothing about
}

/// The options were checked: the codec is one of the table's.
const VideoCodec &codecOf(const EncoderOptions &o)
{
    return *VideoCodec::find(o.codec.toStdString());
}

guint64 structureUint64(const GstStructure *s, const char *field)
{
    guint64 value = 0;
    gst_structure_get_uint64(s, field, &value);
    return value;
}

} // namespace

EncoderWorker::EncoderWorker(EncoderOptions options, WorkerReporter &reporter)
    : options_(std::move(options)), reporter_(reporter)
{
}

EncoderWorker::~EncoderWorker() = default;

QString EncoderWorker::pickEncoder(const EncoderOptions &options)
{
    return options.encoder.isEmpty() ? ElementRegistry::firstEncoder(codecOf(options))
                                     : options.encoder;
}

QString EncoderWorker::pickScaler(const EncoderOptions &options)
{
    return options.scaler.isEmpty() ? ElementRegistry::first({"imxvideoconvert_g2d", "v4l2convert",
                                                              "videoconvertscale", "videoscale"})
                                    : options.scaler;
}

QString EncoderWorker::describe(const EncoderOptions &o, const QString &encoder,
                                const QString &scaler)
{
    const VideoCodec &codec = codecOf(o);
    QStringList chain;
    QString source = QStringLiteral("zeroteesrc name=src socket-path=%1 client-name=%2 quota=4")
                         .arg(quoted(o.socketPath), quoted(QStringLiteral("encoder-") + o.stream));
    // A lower rate is asked of the bus, so skipped frames are never sent to us.
    if (o.fps > 0)
        source += QStringLiteral(" policy=fps-cap max-fps=%1").arg(o.fps);
    chain << source;
    if (o.fps > 0)
        chain << QStringLiteral("videorate drop-only=true")
              << QStringLiteral("capsfilter caps=video/x-raw,framerate=%1/1").arg(o.fps);
    if (o.width > 0)
        chain << scaler
              << QStringLiteral("capsfilter caps=video/x-raw,width=%1,height=%2,"
                                "pixel-aspect-ratio=1/1")
                     .arg(o.width)
                     .arg(o.height);
    else
        chain << QStringLiteral("videoconvert"); // passthrough unless the format needs it
    chain << encoderElement(encoder, o)
          // Parameter sets (SPS/PPS, and VPS for H.265) in every IDR access unit: each consumer
          // can start on any keyframe.
          << QStringLiteral("%1 config-interval=-1").arg(QLatin1String(codec.parser))
          << QStringLiteral("capsfilter caps=%1,stream-format=byte-stream,alignment=au")
                 .arg(QLatin1String(codec.mediaType))
          // The GOP cache holds up to gop-cache pool buffers; consumers copy encoded data out at
          // once, so a few more serve any number of them.
          << QStringLiteral("zeroteesink name=sink socket-path=%1 gop-cache=%2 pool-size=%3%4")
                 .arg(quoted(o.output))
                 .arg(o.gopCache)
                 .arg(std::min(256, o.gopCache + 48))
                 // The camera's allowed users and groups read its streams too.
                 .arg((o.allowUsers.isEmpty()
                           ? QString()
                           : QStringLiteral(" allow-users=%1").arg(quoted(o.allowUsers))) +
                      (o.allowGroups.isEmpty()
                           ? QString()
                           : QStringLiteral(" allow-groups=%1").arg(quoted(o.allowGroups))));
    return chain.join(QLatin1String(" ! "));
}

GstPadProbeReturn EncoderWorker::onCameraFrame(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    // The stream's access units carry the camera's times: on one frame grid, or a camera's
    // backlog (frames 15-20 ms apart after a freeze) would put two frames in one slot of the
    // recordings and players that map times onto the nominal rate (ffmpeg) reject them.
    auto *self = static_cast<EncoderWorker *>(data);
    const GstPadProbeReturn result = self->cadence_.apply(info);
    if (result == GST_PAD_PROBE_DROP)
        self->rawDroppedCadence_++;
    return result;
}

GstPadProbeReturn EncoderWorker::onRawBuffer(GstPad *, GstPadProbeInfo *, gpointer data)
{
    auto *self = static_cast<EncoderWorker *>(data);
    self->rawFrames_++;
    if (self->active_)
        return GST_PAD_PROBE_OK;
    self->rawDroppedIdle_++;
    return GST_PAD_PROBE_DROP; // nobody watches: the encoder rests
}

GstPadProbeReturn EncoderWorker::onUpstreamEvent(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *self = static_cast<EncoderWorker *>(data);
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (!gst_video_event_is_force_key_unit(event))
        return GST_PAD_PROBE_OK;
    std::lock_guard lock(self->keyframeMutex_);
    self->keyframeRequests_++;
    const gint64 now = g_get_monotonic_time();
    // Rate-limited: viewers joining every 100 ms must not make the stream all IDR (they need
    // none: the GOP cache starts them); a segment cut or a consumer that lost frames still
    // gets its keyframe within the interval.
    if (self->lastForcedUs_ != 0 &&
        now - self->lastForcedUs_ < gint64(self->options_.minKeyframeIntervalMs) * 1000) {
        self->requestsIgnored_++;
        return GST_PAD_PROBE_DROP;
    }
    self->lastForcedUs_ = now;
    self->keyframesForced_++;
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn EncoderWorker::onAccessUnit(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *self = static_cast<EncoderWorker *>(data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    self->accessUnits_++;
    self->bytes_ += gst_buffer_get_size(buffer);
    if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        self->keyframes_++;
    return GST_PAD_PROBE_OK;
}

void EncoderWorker::tick()
{
    g_autoptr(GstStructure) stats = nullptr;
    g_object_get(sink_, "stats", &stats, nullptr);
    guint clients = 0;
    if (stats)
        gst_structure_get_uint(stats, "clients", &clients);
    const gint64 now = g_get_monotonic_time();
    if (clients > 0 || options_.alwaysOn)
        lastConsumerUs_ = now;
    const bool wanted = now - lastConsumerUs_ < gint64(options_.idleSeconds) * 1000000;
    if (wanted && !active_) {
        // Waking up: the encoder's next picture must be a keyframe, or the consumer that woke
        // us waits a whole GOP.
        g_autoptr(GstPad) pad = gst_element_get_static_pad(encoder_, "sink");
        active_ = true;
        gst_pad_send_event(
            pad, gst_video_event_new_downstream_force_key_unit(
                     GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, TRUE, 0));
        g_printerr("zerotee-encoder: %s: consumer connected, encoding\n",
                   qPrintable(options_.stream));
    } else if (!wanted && active_) {
        active_ = false;
        g_printerr("zerotee-encoder: %s: no consumer for %d s, encoder idle\n",
                   qPrintable(options_.stream), options_.idleSeconds);
    }
    if (++ticks_ % (1000 / kTickMs) == 0)
        report();
}

void EncoderWorker::report()
{
    g_autoptr(GstStructure) stats = nullptr;
    g_object_get(sink_, "stats", &stats, nullptr);
    guint clients = 0, gopCached = 0;
    guint64 drops = 0, replayed = 0, skipped = 0;
    if (stats) {
        gst_structure_get_uint(stats, "clients", &clients);
        gst_structure_get_uint(stats, "gop-cached", &gopCached);
        drops = structureUint64(stats, "drops-quota") + structureUint64(stats, "drops-socket") +
                structureUint64(stats, "drops-no-buffer");
        replayed = structureUint64(stats, "frames-replayed");
        skipped = structureUint64(stats, "skipped-to-keyframe");
    }
    const gint64 now = g_get_monotonic_time();
    const uint64_t bytes = bytes_;
    const double seconds = lastReportUs_ ? double(now - lastReportUs_) / 1e6 : 0;
    const int kbps = seconds > 0 ? int(double(bytes - lastBytes_) * 8 / 1000 / seconds) : 0;
    lastBytes_ = bytes;
    lastReportUs_ = now;
    uint64_t requests, forced, ignored;
    {
        std::lock_guard lock(keyframeMutex_);
        requests = keyframeRequests_;
        forced = keyframesForced_;
        ignored = requestsIgnored_;
    }
    reporter_.report(protocol::Report::Stats,
                     {{QStringLiteral("stream"), options_.stream},
                      {QStringLiteral("codec"), options_.codec},
                      {QStringLiteral("encoder"), encoderName_},
                      {QStringLiteral("width"), options_.width},
                      {QStringLiteral("height"), options_.height},
                      {QStringLiteral("fps"), options_.fps},
                      {QStringLiteral("bitrate_kbps"), options_.bitrateKbps},
                      {QStringLiteral("measured_kbps"), kbps},
                      {QStringLiteral("gop"), options_.gop},
                      {QStringLiteral("output"), options_.output},
                      {QStringLiteral("encoding"), bool(active_)},
                      {QStringLiteral("consumers"), int(clients)},
                      {QStringLiteral("raw_frames"), qint64(rawFrames_)},
                      {QStringLiteral("raw_dropped_idle"), qint64(rawDroppedIdle_)},
                      {QStringLiteral("raw_dropped_cadence"), qint64(rawDroppedCadence_)},
                      {QStringLiteral("frames"), qint64(accessUnits_)},
                      {QStringLiteral("keyframes"), qint64(keyframes_)},
                      {QStringLiteral("keyframe_requests"), qint64(requests)},
                      {QStringLiteral("keyframes_forced"), qint64(forced)},
                      {QStringLiteral("keyframe_requests_ignored"), qint64(ignored)},
                      {QStringLiteral("gop_cached"), int(gopCached)},
                      {QStringLiteral("frames_replayed"), qint64(replayed)},
                      {QStringLiteral("skipped_to_keyframe"), qint64(skipped)},
                      {QStringLiteral("drops"), qint64(drops)}});
}

int EncoderWorker::run()
{
    encoderName_ = pickEncoder(options_);
    const QString scaler = pickScaler(options_);
    if (encoderName_.isEmpty() || !ElementRegistry::has(encoderName_)) {
        const VideoCodec &codec = codecOf(options_);
        if (encoderName_.isEmpty())
            g_printerr("zerotee-encoder: no %s encoder in the GStreamer registry (looked for %s)\n",
                       codec.label, codec.encoderList().c_str());
        else
            g_printerr("zerotee-encoder: no encoder '%s' in the GStreamer registry\n",
                       qPrintable(encoderName_));
        return 1;
    }
    if (options_.width > 0 && (scaler.isEmpty() || !ElementRegistry::has(scaler))) {
        g_printerr("zerotee-encoder: no video scaler '%s' in the GStreamer registry\n",
                   qPrintable(scaler));
        return 1;
    }
    const QString description = describe(options_, encoderName_, scaler);
    g_printerr("zerotee-encoder: %s\n", qPrintable(description));
    g_autoptr(GError) error = nullptr;
    pipeline_ = sinkIntoHolder(gst_parse_launch(description.toUtf8().constData(), &error));
    if (!pipeline_) {
        g_printerr("zerotee-encoder: cannot build the pipeline: %s\n",
                   error ? error->message : "unknown");
        return 1;
    }
    {
        g_autoptr(GstElement) encoder = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "enc");
        g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "sink");
        // The pipeline keeps them alive: borrowed pointers from here on.
        encoder_ = encoder;
        sink_ = sink;
    }
    {
        g_autoptr(GstPad) encSink = gst_element_get_static_pad(encoder_, "sink");
        g_autoptr(GstPad) encSrc = gst_element_get_static_pad(encoder_, "src");
        g_autoptr(GstPad) busSink = gst_element_get_static_pad(sink_, "sink");
        g_autoptr(GstElement) source = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "src");
        g_autoptr(GstPad) cameraPad = gst_element_get_static_pad(source, "src");
        gst_pad_add_probe(
            cameraPad,
            GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
            onCameraFrame, this, nullptr);
        gst_pad_add_probe(encSink, GST_PAD_PROBE_TYPE_BUFFER, onRawBuffer, this, nullptr);
        gst_pad_add_probe(encSrc, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, onUpstreamEvent, this,
                          nullptr);
        gst_pad_add_probe(busSink, GST_PAD_PROBE_TYPE_BUFFER, onAccessUnit, this, nullptr);
    }
    lastConsumerUs_ = g_get_monotonic_time(); // the first consumer is usually on its way
    active_ = true;

    PipelineRunner::Options runnerOptions;
    runnerOptions.tickInterval = std::chrono::milliseconds(kTickMs);
    runnerOptions.onTick = [this] { tick(); };
    PipelineRunner runner(pipeline_.get(), runnerOptions);
    return runner.run();
}

} // namespace zerotee
