#pragma once

#include <QJsonObject>
#include <QString>
#include <gst/gst.h>

namespace zerotee {

/// Push mode: a pipeline of its own (bus → scale → encode → rtspclientsink) that publishes a
/// mount's profile to an external RTSP server with RECORD, so a media server can fan it out to
/// many viewers. Any error or EOS tears the pipeline down and starts it again after a backoff
/// that doubles from 1 s to 30 s and resets once a connection has streamed for 10 s.
///
/// States: stopped → connecting → streaming; on failure → waiting → connecting …
///
/// Thread context: thread-bound to the main loop (bus watch and timers run there).
class PushPublisher {
public:
    /// @p description is the gst-launch line (see MountPipeline::describe, Output::PushSink).
    PushPublisher(QString description, QString url);
    ~PushPublisher();
    PushPublisher(const PushPublisher &) = delete;
    PushPublisher &operator=(const PushPublisher &) = delete;

    void start();
    void stop();
    /// {url (without credentials), state, attempts, connects, failures, last_error, retry_in_ms}
    QJsonObject stats() const;

    /// @p url with any user:password@ removed, for logs and reports.
    static QString redacted(const QString &url);

private:
    enum class State { Stopped, Connecting, Streaming, Waiting };
    static const char *stateName(State state);

    void launch();
    void fail(const QString &why);
    void teardown();
    static gboolean onBusMessage(GstBus *bus, GstMessage *message, gpointer self);
    static GstPadProbeReturn onFirstBuffer(GstPad *pad, GstPadProbeInfo *info, gpointer self);

    QString description_;
    QString url_;
    State state_ = State::Stopped;
    GstElement *pipeline_ = nullptr;
    guint busWatch_ = 0;
    guint retrySource_ = 0;
    guint stableSource_ = 0;
    GSource *firstBufferIdle_ = nullptr; // stored on a streaming thread before it is attached
    int backoffMs_ = 1000;
    quint64 attempts_ = 0;
    quint64 connects_ = 0;
    quint64 failures_ = 0;
    QString lastError_;
    gint64 retryAt_ = 0; // g_get_monotonic_time() µs
};

} // namespace zerotee
