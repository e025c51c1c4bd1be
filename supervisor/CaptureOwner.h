#pragma once

#include "BusPublisher.h"
#include "CaptureConversion.h"
#include "GstHolders.h"
#include "RestartPolicy.h"
#include "SourcePool.h"
#include "SupervisorConfig.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QMutex>
#include <QObject>
#include <QTimer>
#include <atomic>
#include <functional>

typedef struct _GstElement GstElement;
typedef struct _GstMessage GstMessage;
typedef struct _GstPad GstPad;

Q_DECLARE_LOGGING_CATEGORY(lcCapture)

namespace zerotee {

/// Owns one camera's capture pipeline, which publishes into the camera's BusPublisher.
/// The publisher (and so every connected consumer) outlives the pipeline: when the source
/// fails, the capture goes to Error, is rebuilt after a backoff, and consumers simply see
/// frames again. A running capture that delivers no frame for 3 s counts as failed too.
///
/// A branch off the capture (the panel's live preview) can be attached to a running pipeline:
/// with a branch factory set, the pipeline has a tee in front of the bus sink; the branch is
/// linked to it while the capture runs. The branch is optional and cannot hurt the capture: the
/// factory's bin should start with a leaky queue, and any error inside it only detaches it
/// (branchFailed()), the capture and the bus go on.
///
/// Thread context: thread-bound to the main thread. GStreamer bus messages are forwarded from
/// the streaming threads with queued invocations; the frame counter is atomic.
class CaptureOwner : public QObject {
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)

public:
    enum class State { Stopped, Starting, Running, Error };
    Q_ENUM(State)

    /// Makes the bin of a branch: one element (usually a bin with a "sink" ghost pad) to link
    /// after the tee, floating or not; null when the branch cannot be attached now.
    using BranchFactory = std::function<GstElement *()>;

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
    /// State, error, fps, frames, retries, the sink's copy counters (plus the converter's
    /// pixel bytes, see CaptureConversion) and the memory the bus carries.
    QJsonObject snapshot() const;

    /// Set before start(): pipelines then get the tee, and the branch is attached each time the
    /// capture reaches Running (a rebuilt pipeline gets a new branch).
    void setBranchFactory(BranchFactory factory);
    /// Attaches the branch now if there is a factory, the capture runs and none is attached
    /// (for a factory that returned null before, e.g. while its video item was not ready).
    void attachBranch();
    /// Unlinks and removes the branch; the capture goes on.
    void detachBranch();
    bool branchAttached() const { return branch_ != nullptr; }

signals:
    void stateChanged(zerotee::CaptureOwner::State state);
    void failed(const QString &reason);
    void branchAttachedChanged(bool attached);
    /// An element of the branch failed; the branch was detached.
    void branchFailed(const QString &reason);

private:
    void setState(State state);
    bool buildPipeline(QString *error);
    void teardown();
    void handleMessage(GstMessage *message);
    void handleBranchError(const QString &reason);
    void fail(const QString &reason);
    void tick();
    void adoptSourcePool();

    CameraConfig camera_;
    BusPublisher &publisher_;
    GstElementHolder pipeline_;
    BranchFactory branchFactory_;
    GstElement *branch_ = nullptr;         // owned by pipeline_ while attached
    GstObjectHolder<GstPad> branchTeePad_; // the tee's request pad feeding it
    // Read by the bus sync handler to tell branch errors from capture errors.
    std::atomic<GstElement *> branchForBus_{nullptr};
    State state_ = State::Stopped;
    QString lastError_;
    RestartPolicy retry_;
    QTimer retryTimer_;
    QTimer tickTimer_;
    QElapsedTimer sinceLastFrame_;
    std::atomic<quint64> frameCounter_{0};
    CaptureConversion conversion_; // outlives every pipeline (its probes point here)
    SourcePool sourcePool_;        // of the running pipeline, once it runs
    quint64 frames_ = 0;
    quint64 framesAtLastTick_ = 0;
    double fps_ = 0;
    int retries_ = 0;
    bool wanted_ = false;
    QMutex busErrorMutex_;
    QString busError_; // the last error a streaming thread posted
};

} // namespace zerotee
