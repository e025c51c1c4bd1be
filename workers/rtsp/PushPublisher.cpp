#include "PushPublisher.h"

#include "GstHolders.h"
#include "MountPipeline.h"

#include <QRegularExpression>
#include <cstdio>

namespace zerotee {

namespace {
constexpr int kMinBackoffMs = 1000;
constexpr int kMaxBackoffMs = 30000;
constexpr guint kStableSeconds = 10;
} // namespace

PushPublisher::PushPublisher(QString description, QString url)
    : description_(std::move(description)), url_(std::move(url))
{
}

PushPublisher::~PushPublisher()
{
    stop();
}

QString PushPublisher::redacted(const QString &url)
{
    static const QRegularExpression userinfo(QStringLiteral("^(rtsps?://)[^@/]*@"));
    QString result = url;
    result.replace(userinfo, QStringLiteral("\\1"));
    return result;
}

const char *PushPublisher::stateName(State state)
{
    switch (state) {
    case State::Stopped:
        return "stopped";
    case State::Connecting:
        return "connecting";
    case State::Streaming:
        return "streaming";
    case State::Waiting:
        return "waiting";
    }
    return "?";
}

void PushPublisher::start()
{
    if (state_ == State::Stopped)
        launch();
}

void PushPublisher::stop()
{
    if (retrySource_)
        g_source_remove(retrySource_);
    retrySource_ = 0;
    teardown();
    state_ = State::Stopped;
}

void PushPublisher::teardown()
{
    // NULL first: it joins the streaming threads, so no idle can be added after the removal.
    // By hand, as this order matters: the pipeline, then the sources its threads may add.
    if (pipeline_) {
        gst_element_set_state(pipeline_, GST_STATE_NULL);
        gst_object_unref(pipeline_);
        pipeline_ = nullptr;
    }
    for (guint *source : {&busWatch_, &stableSource_})
        if (*source) {
            g_source_remove(*source);
            *source = 0;
        }
    if (firstBufferIdle_) {
        g_source_destroy(firstBufferIdle_);
        g_source_unref(firstBufferIdle_);
        firstBufferIdle_ = nullptr;
    }
}

void PushPublisher::launch()
{
    attempts_++;
    state_ = State::Connecting;
    g_autoptr(GError) error = nullptr;
    GstElementHolder pipeline =
        sinkIntoHolder(gst_parse_launch(description_.toUtf8().constData(), &error));
    if (!pipeline || error) {
        // Bad description: not something a retry mends, but keep the behaviour uniform.
        fail(error ? QString::fromUtf8(error->message) : QStringLiteral("parse error"));
        return;
    }
    pipeline_ = pipeline.release(); // teardown() releases it
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    busWatch_ = gst_bus_add_watch(bus, &PushPublisher::onBusMessage, this);
    // "streaming" = encoded data reaches rtspclientsink (it accepts data only once RECORD
    // succeeded and the stream is set up).
    if (g_autoptr(GstElement) sink =
            gst_bin_get_by_name(GST_BIN(pipeline_), MountPipeline::kPushSinkName)) {
        g_autoptr(GstIterator) pads = gst_element_iterate_sink_pads(sink);
        GValue item = G_VALUE_INIT;
        if (gst_iterator_next(pads, &item) == GST_ITERATOR_OK) {
            auto *pad = GST_PAD(g_value_get_object(&item));
            gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, &PushPublisher::onFirstBuffer, this,
                              nullptr);
            g_value_reset(&item);
        }
        g_value_unset(&item);
    }
    std::fprintf(stderr, "zerotee-rtsp: push: connecting to %s (attempt %llu)\n",
                 qPrintable(redacted(url_)), static_cast<unsigned long long>(attempts_));
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        fail(QStringLiteral("the push pipeline did not start"));
}

GstPadProbeReturn PushPublisher::onFirstBuffer(GstPad *, GstPadProbeInfo *, gpointer data)
{
    auto *self = static_cast<PushPublisher *>(data);
    // Streaming thread: hop to the main loop. The source is recorded before it is attached:
    // the main loop may run it at once, and an id stored after g_idle_add() returned could
    // name a source that is already gone when teardown() removes it.
    GSource *idle = g_idle_source_new();
    self->firstBufferIdle_ = idle;
    g_source_set_callback(
        idle,
        [](gpointer d) -> gboolean {
            auto *p = static_cast<PushPublisher *>(d);
            // Our reference to the source (teardown() destroys it if it never ran); the main
            // context keeps its own until the callback returns.
            g_source_unref(p->firstBufferIdle_);
            p->firstBufferIdle_ = nullptr;
            if (p->state_ != State::Connecting)
                return G_SOURCE_REMOVE;
            p->state_ = State::Streaming;
            p->connects_++;
            std::fprintf(stderr, "zerotee-rtsp: push: streaming to %s\n",
                         qPrintable(redacted(p->url_)));
            p->stableSource_ = g_timeout_add_seconds(
                kStableSeconds,
                [](gpointer s) -> gboolean {
                    auto *q = static_cast<PushPublisher *>(s);
                    q->stableSource_ = 0;
                    q->backoffMs_ = kMinBackoffMs;
                    return G_SOURCE_REMOVE;
                },
                p);
            return G_SOURCE_REMOVE;
        },
        self, nullptr);
    g_source_attach(idle, nullptr);
    return GST_PAD_PROBE_REMOVE;
}

void PushPublisher::fail(const QString &why)
{
    failures_++;
    lastError_ = why;
    teardown();
    state_ = State::Waiting;
    std::fprintf(stderr, "zerotee-rtsp: push: %s; retrying in %d ms\n", qPrintable(why),
                 backoffMs_);
    retryAt_ = g_get_monotonic_time() + gint64(backoffMs_) * 1000;
    retrySource_ = g_timeout_add(
        guint(backoffMs_),
        [](gpointer d) -> gboolean {
            auto *p = static_cast<PushPublisher *>(d);
            p->retrySource_ = 0;
            p->launch();
            return G_SOURCE_REMOVE;
        },
        this);
    backoffMs_ = std::min(backoffMs_ * 2, kMaxBackoffMs);
}

gboolean PushPublisher::onBusMessage(GstBus *, GstMessage *message, gpointer data)
{
    auto *self = static_cast<PushPublisher *>(data);
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
        g_autoptr(GError) error = nullptr;
        gst_message_parse_error(message, &error, nullptr);
        // The message may quote the location: never let credentials through.
        QString why = redacted(QString::fromUtf8(error->message));
        why.replace(self->url_, redacted(self->url_));
        self->busWatch_ = 0; // removed by returning G_SOURCE_REMOVE
        self->fail(why);
        return G_SOURCE_REMOVE;
    }
    case GST_MESSAGE_EOS:
        self->busWatch_ = 0;
        self->fail(QStringLiteral("the receiving server ended the stream"));
        return G_SOURCE_REMOVE;
    default:
        return G_SOURCE_CONTINUE;
    }
}

QJsonObject PushPublisher::stats() const
{
    QJsonObject o;
    o[QStringLiteral("url")] = redacted(url_);
    o[QStringLiteral("state")] = QString::fromLatin1(stateName(state_));
    o[QStringLiteral("attempts")] = qint64(attempts_);
    o[QStringLiteral("connects")] = qint64(connects_);
    o[QStringLiteral("failures")] = qint64(failures_);
    if (!lastError_.isEmpty())
        o[QStringLiteral("last_error")] = lastError_;
    if (state_ == State::Waiting)
        o[QStringLiteral("retry_in_ms")] =
            qint64(std::max<gint64>(0, (retryAt_ - g_get_monotonic_time()) / 1000));
    return o;
}

} // namespace zerotee
