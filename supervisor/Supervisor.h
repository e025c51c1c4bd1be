#pragma once

#include "SupervisorConfig.h"
#include "WorkerManager.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QSet>
#include <QTimer>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

typedef struct _GstElement GstElement;

Q_DECLARE_LOGGING_CATEGORY(lcSupervisor)

namespace zerotee {

class BusPublisher;
class BusServer;
class CaptureOwner;
class EventLog;

/// The zerotee service: per camera a BusPublisher, the BusServer on its socket and the
/// CaptureOwner feeding it; the WorkerManager with the configured workers; the EventLog.
/// The panel, the control socket and the HTTP API all act through it (via ControlService).
///
/// Thread context: thread-bound to the main thread.
class Supervisor : public QObject {
    Q_OBJECT

public:
    struct Camera {
        CameraConfig config;
        std::unique_ptr<BusPublisher> publisher;
        std::unique_ptr<BusServer> server;
        std::unique_ptr<CaptureOwner> capture;
    };

    explicit Supervisor(SupervisorConfig config, QObject *parent = nullptr);
    ~Supervisor() override;

    /// Opens every camera's bus, starts the captures and the autostart workers. On failure
    /// returns false with @p error set and leaves nothing running.
    bool start(QString *error);
    /// Stops workers (gracefully, recordings finalized), then captures, then closes the buses.
    void shutdown();

    const SupervisorConfig &config() const { return config_; }
    WorkerManager &workers() { return *workers_; }
    EventLog &events() { return *events_; }
    const std::vector<std::unique_ptr<Camera>> &cameras() const { return cameras_; }

    /// Makes the bin of a branch off camera @p camera's capture (the panel's preview); see
    /// CaptureOwner::setBranchFactory(). Set before start().
    using CaptureBranchFactory = std::function<GstElement *(const QString &camera)>;
    void setCaptureBranchFactory(CaptureBranchFactory factory)
    {
        branchFactory_ = std::move(factory);
    }

    /// The camera worker @p name reads, or empty.
    QString workerCamera(const QString &name) const { return workerCamera_.value(name); }

    /// Adds a worker from a configuration entry (the name may be empty: one is chosen).
    WorkerManager::Result addWorker(WorkerConfig worker, bool startNow = true);

    /// Sends an event trigger to every recorder of @p camera (all cameras when empty); recorders
    /// in event mode record around it, continuous ones log it. Returns how many got it.
    int trigger(const QString &camera, const QString &label, const QString &source);

    /// Everything: cameras with capture and bus figures, workers, uptime, and the sections added
    /// with setStatusSection().
    QJsonObject status();
    /// Adds @p key to status() (e.g. "mqtt" from the MQTT bridge); an empty function removes it.
    void setStatusSection(const QString &key, std::function<QJsonValue()> section)
    {
        if (section)
            statusSections_.insert(key, std::move(section));
        else
            statusSections_.remove(key);
    }
    qint64 uptimeMs() const { return uptime_.elapsed(); }
    /// Every encoded stream of every camera with its encoder worker and consumers (status).
    QJsonArray streamsStatus() const;
    /// Why worker @p name may not be stopped or removed by hand: it is the encoder of a stream
    /// that workers use (they would wait for access units that never come). Empty otherwise.
    QString encoderInUse(const QString &name) const;

    /// A consumer that is not a worker (a browser's live view, by a name of its own) takes
    /// stream @p stream of @p camera; the stream's encoder starts if it is cold. Returns the
    /// stream, with its socket in @p socketPath, or nullopt with @p error set. The use ends
    /// with releaseStream() (the encoder stops after its last consumer).
    std::optional<StreamConfig> acquireStream(const QString &camera, const QString &stream,
                                              const QString &consumer, QString *socketPath,
                                              QString *error);
    void releaseStream(const QString &consumer) { onWorkerRemoved(consumer); }
    /// The recordings folders of @p camera's recorders (their `dir`, per camera), existing or not.
    QStringList recordingDirs(const QString &camera) const;

signals:
    void statusLine(const QString &line);

private:
    struct StreamUse {
        QString camera;
        StreamConfig stream;
        QSet<QString> consumers; // worker names
    };

    WorkerSpec specFor(const WorkerConfig &worker, QString *error, QString *encoder);
    /// The encoder worker of @p stream of @p camera, added and started if it is not running.
    QString ensureEncoder(const QString &camera, const StreamConfig &stream, QString *error);
    void onWorkerRemoved(const QString &name);
    /// Pixels per second the streams in use encode (size × rate).
    qint64 encodedPixelRate() const;
    /// Logs and records an event when the streams exceed the profile's encoder budget.
    void checkEncoderBudget();
    void watchWorker(const QString &name);
    void onWorkerReport(const QString &name, const QJsonObject &report);

    SupervisorConfig config_;
    std::vector<std::unique_ptr<Camera>> cameras_;
    std::unique_ptr<EventLog> events_;
    std::unique_ptr<WorkerManager> workers_;
    QHash<QString, QString> workerCamera_;
    QHash<QString, QList<StreamConfig>> cameraStreams_; // configured + implicit, per camera
    QHash<QString, StreamUse> encoders_;                // by encoder worker name
    QHash<QString, QString> workerEncoder_;             // consumer worker → encoder worker
    CaptureBranchFactory branchFactory_;
    QMap<QString, std::function<QJsonValue()>> statusSections_;
    QElapsedTimer uptime_;
};

} // namespace zerotee
