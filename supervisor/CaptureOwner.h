#pragma once

#include "BusPublisher.h"
#include "RestartPolicy.h"
#include "SupervisorConfig.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>
#include <QObject>
#include <QTimer>
#include <atomic>

typedef struct _GstElement GstElement;
typedef struct _GstMessage GstMessage;

Q_DECLARE_LOGGING_CATEGORY(lcCapture)

namespace zerotee {

/// Owns one camera's capture pipeline, which publishes into the camera's BusPublisher.
/// The publisher (and so every connected consumer) outlives the pipeline: when the source
/// fails, the capture goes to Error, is rebuilt after a backoff, and consumers simply see
/// frames again. A running capture that delivers no frame for 3 s counts as failed too.
///
/// Thread context: thread-bound to the main thread. GStreamer bus messages are forwarded from
/// the streaming threads with queued invocations; the frame counter is atomic.
class CaptureOwner : public QObject {
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)

public:
    enum class State { Stopped, Starting, Running, Error };
    Q_ENUM(State)

    CaptureOwner(CameraConfig camera, BusPublisher &publisher, QObject *parent = nullptr);
    ~CaptureOwner() override;

    void start();
    void stop();

    State state() const { return state_; }
    QString stateName() const;
    QString lastError() const { return lastError_; }
    const CameraConfig &camera() const { return camera_; }
    quint64 frames() const { return frames_; }
    double fps() const { return fps_; }
    int retries() const { return retries_; }
    /// State, error, fps, frames, retries and the sink's copy counters.
    QJsonObject snapshot() const;

signals:
    void stateChanged(zerotee::CaptureOwner::State state);
    void failed(const QString &reason);

private:
    void setState(State state);
    bool buildPipeline(QString *error);
    void teardown();
    void handleMessage(GstMessage *message);
    void fail(const QString &reason);
    void tick();

    CameraConfig camera_;
    BusPublisher &publisher_;
    GstElement *pipeline_ = nullptr;
    State state_ = State::Stopped;
    QString lastError_;
    RestartPolicy retry_;
    QTimer retryTimer_;
    QTimer tickTimer_;
    QElapsedTimer sinceLastFrame_;
    std::atomic<quint64> frameCounter_{0};
    quint64 frames_ = 0;
    quint64 framesAtLastTick_ = 0;
    double fps_ = 0;
    int retries_ = 0;
    bool wanted_ = false;
    QMutex busErrorMutex_;
    QString busError_; // the last error a streaming thread posted
};

} // namespace zerotee
