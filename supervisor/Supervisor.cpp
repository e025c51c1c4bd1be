#include "Supervisor.h"

#include "BusPublisher.h"
#include "BusServer.h"
#include "CaptureOwner.h"
#include "EventLog.h"
#include "WorkerCommandBuilder.h"
#include "WorkerReportText.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>

Q_LOGGING_CATEGORY(lcSupervisor, "zerotee.supervisor")

namespace zerotee {

namespace {

FramePublisher::Options publisherOptions(const CameraConfig &camera)
{
    FramePublisher::Options options;
    options.poolCapacity = unsigned(camera.poolSize);
    options.defaultQuota = unsigned(camera.quota);
    options.leaseTimeout = std::chrono::milliseconds(camera.leaseTimeoutMs);
    return options;
}

} // namespace

Supervisor::Supervisor(SupervisorConfig config, QObject *parent)
    : QObject(parent), config_(std::move(config)), events_(std::make_unique<EventLog>()),
      workers_(std::make_unique<WorkerManager>())
{
    uptime_.start();
    connect(
        workers_.get(), &WorkerManager::workerStateChanged, this,
        [this](const QString &name, WorkerProcess::State state) {
            WorkerProcess *worker = workers_->worker(name);
            QString message = WorkerProcess::stateName(state);
            if (worker && !worker->failureReason().isEmpty() &&
                (state == WorkerProcess::State::Failed || state == WorkerProcess::State::Crashed))
                message += QStringLiteral(": ") + worker->failureReason();
            events_->append(QStringLiteral("worker"), name, message,
                            {{QStringLiteral("state"), WorkerProcess::stateName(state)}});
        });
    connect(workers_.get(), &WorkerManager::workerReport, this, &Supervisor::onWorkerReport);
}

Supervisor::~Supervisor()
{
    shutdown();
}

bool Supervisor::start(QString *error)
{
    for (const CameraConfig &cameraConfig : config_.cameras) {
        auto camera = std::make_unique<Camera>();
        camera->config = cameraConfig;
        camera->publisher = std::make_unique<BusPublisher>(publisherOptions(cameraConfig));
        camera->server = std::make_unique<BusServer>(cameraConfig.name, *camera->publisher);
        if (!camera->server->start(config_.busSocketPath(cameraConfig.name), error)) {
            cameras_.clear();
            return false;
        }
        camera->capture = std::make_unique<CaptureOwner>(cameraConfig, *camera->publisher);
        QString name = cameraConfig.name;
        connect(camera->capture.get(), &CaptureOwner::stateChanged, this,
                [this, name, capture = camera->capture.get()](CaptureOwner::State) {
                    QString message = capture->stateName();
                    if (capture->state() == CaptureOwner::State::Error)
                        message += QStringLiteral(": ") + capture->lastError();
                    events_->append(QStringLiteral("capture"), name, message,
                                    {{QStringLiteral("state"), capture->stateName()}});
                });
        if (branchFactory_)
            camera->capture->setBranchFactory(
                [factory = branchFactory_, name] { return factory(name); });
        connect(camera->capture.get(), &CaptureOwner::branchFailed, this,
                [this, name](const QString &reason) {
                    events_->append(QStringLiteral("capture"), name,
                                    QStringLiteral("preview detached: ") + reason,
                                    {{QStringLiteral("state"), QStringLiteral("preview-failed")}});
                });
        camera->capture->start();
        cameras_.push_back(std::move(camera));
    }

    for (const WorkerConfig &worker : config_.workers) {
        WorkerManager::Result result = addWorker(worker, worker.autostart);
        if (!result.ok()) {
            *error = QStringLiteral("worker '%1': %2").arg(worker.name, result.error);
            shutdown();
            return false;
        }
    }
    qCInfo(lcSupervisor) << "up:" << cameras_.size() << "camera(s)," << workers_->workers().size()
                         << "worker(s)";
    return true;
}

void Supervisor::shutdown()
{
    if (workers_)
        workers_->stopAll();
    for (auto &camera : cameras_)
        if (camera->capture)
            camera->capture->stop();
    cameras_.clear();
}

WorkerSpec Supervisor::specFor(const WorkerConfig &worker, QString *error) const
{
    WorkerSpec spec;
    std::optional<WorkerKind> kind = workerKindFromName(worker.kind);
    if (!kind) {
        *error = QStringLiteral("kind '%1' is not recorder, rtsp, ai or custom").arg(worker.kind);
        return spec;
    }
    if (!config_.camera(worker.camera)) {
        *error = QStringLiteral("no camera named '%1'").arg(worker.camera);
        return spec;
    }
    spec.kind = *kind;
    spec.acceptsInput = *kind == WorkerKind::Recorder; // event triggers arrive on stdin
    spec.name = worker.name.isEmpty() ? workers_->uniqueName(*kind) : worker.name;
    spec.options = worker.options;
    WorkerCommandBuilder builder(config_.busSocketPath(worker.camera), config_.workerPath);
    builder.setCameraName(worker.camera);
    *error = builder.complete(spec);
    return spec;
}

WorkerManager::Result Supervisor::addWorker(WorkerConfig worker, bool startNow)
{
    QString error;
    WorkerSpec spec = specFor(worker, &error);
    if (!error.isEmpty())
        return {error, nullptr};
    QString name = spec.name;
    WorkerManager::Result result = workers_->add(std::move(spec), startNow);
    if (result.ok()) {
        workerCamera_.insert(name, worker.camera);
        events_->append(QStringLiteral("worker"), name, QStringLiteral("added"),
                        {{QStringLiteral("kind"), worker.kind}});
    }
    return result;
}

void Supervisor::onWorkerReport(const QString &name, const QJsonObject &report)
{
    QString type = report.value(QStringLiteral("type")).toString();
    // Detections and events go to the event log; "stats" only update the worker's figures.
    if (type == QStringLiteral("detection") || type == QStringLiteral("event")) {
        events_->append(type, name, workerReportText(report), report);
    }
    // An object appearing in the AI's view (or a custom worker's: a script of its own, e.g.
    // a Python motion detector) starts event recording on the same camera.
    WorkerProcess *worker = workers_->worker(name);
    if (worker &&
        (worker->spec().kind == WorkerKind::Ai || worker->spec().kind == WorkerKind::Custom) &&
        type == QStringLiteral("event") &&
        report.value(QStringLiteral("state")).toString() == QStringLiteral("start"))
        trigger(workerCamera_.value(name), report.value(QStringLiteral("label")).toString(), name);
}

int Supervisor::trigger(const QString &camera, const QString &label, const QString &source)
{
    QJsonObject command{
        {QStringLiteral("type"), QStringLiteral("trigger")},
        {QStringLiteral("label"), label.isEmpty() ? QStringLiteral("manual") : label}};
    const QByteArray line = QJsonDocument(command).toJson(QJsonDocument::Compact);
    int delivered = 0;
    for (WorkerProcess *worker : workers_->workers()) {
        if (worker->spec().kind != WorkerKind::Recorder ||
            (!camera.isEmpty() && workerCamera_.value(worker->name()) != camera))
            continue;
        delivered += worker->sendLine(line) ? 1 : 0;
    }
    events_->append(QStringLiteral("trigger"), source,
                    command.value(QStringLiteral("label")).toString(),
                    {{QStringLiteral("camera"), camera}, {QStringLiteral("recorders"), delivered}});
    return delivered;
}

QJsonObject Supervisor::status()
{
    QJsonArray cameras;
    for (const auto &camera : cameras_) {
        QJsonObject o = camera->capture->snapshot();
        o.insert(QStringLiteral("bus"), camera->server->snapshot());
        cameras.append(o);
    }
    QJsonArray workers = workers_->snapshot();
    // Per worker: the bus consumer(s) with its pid, so frames and drops come from the
    // producer's own counters, not only from what the worker says.
    for (qsizetype i = 0; i < workers.size(); ++i) {
        QJsonObject w = workers[i].toObject();
        qint64 pid = w.value(QStringLiteral("pid")).toInteger();
        QString camera = workerCamera_.value(w.value(QStringLiteral("name")).toString());
        w.insert(QStringLiteral("camera"), camera);
        qint64 frames = 0, drops = 0;
        bool connected = false;
        for (const QJsonValue &c : cameras) {
            const QJsonObject cam = c.toObject();
            if (cam.value(QStringLiteral("name")).toString() != camera)
                continue;
            for (const QJsonValue &consumer : cam.value(QStringLiteral("bus"))
                                                  .toObject()
                                                  .value(QStringLiteral("consumers"))
                                                  .toArray()) {
                QJsonObject co = consumer.toObject();
                if (pid > 0 && co.value(QStringLiteral("pid")).toInteger() == pid) {
                    connected = true;
                    frames += co.value(QStringLiteral("frames_sent")).toInteger();
                    drops += co.value(QStringLiteral("dropped_quota")).toInteger() +
                             co.value(QStringLiteral("dropped_socket")).toInteger();
                }
            }
        }
        w.insert(QStringLiteral("bus_connected"), connected);
        w.insert(QStringLiteral("frames"), frames);
        w.insert(QStringLiteral("drops"), drops);
        workers[i] = w;
    }
    return QJsonObject{
        {QStringLiteral("version"), QCoreApplication::applicationVersion()},
        {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
        {QStringLiteral("uptime_s"), double(uptime_.elapsed()) / 1000.0},
        {QStringLiteral("cameras"), cameras},
        {QStringLiteral("workers"), workers},
    };
}

} // namespace zerotee
