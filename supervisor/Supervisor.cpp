#include "Supervisor.h"

#include "BusPublisher.h"
#include "BusServer.h"
#include "CaptureOwner.h"
#include "EventLog.h"
#include "HardwareProfile.h"
#include "PrivateSocket.h"
#include "StreamPlan.h"
#include "WorkerCommandBuilder.h"
#include "WorkerKinds.h"
#include "WorkerProtocol.h"
#include "WorkerReportText.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QDir>
#include <QFileInfo>
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
    QString ignored; // validateConfig() resolved them already
    resolveAllowed(camera, &options.allowedUids, &options.allowedGids, &ignored);
    const std::string where = " of [[camera]] " + camera.name.toStdString();
    // A camera's own buffers (status source_pool) are as many as its driver gives: no key.
    options.settingNames.pool = "max_pool_mib (the bus's own pool) or pool_size" + where;
    options.settingNames.access = "allow_users or allow_groups" + where;
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
    connect(workers_.get(), &WorkerManager::workerRemoved, this, &Supervisor::onWorkerRemoved);
}

Supervisor::~Supervisor()
{
    shutdown();
}

bool Supervisor::start(QString *error)
{
    // The runtime directory opens (search only) as far as any bus in it allows: 0700 when none.
    std::vector<uid_t> allowedUids;
    std::vector<gid_t> allowedGids;
    const QString runtimeDir = QDir::cleanPath(QDir(config_.runtimeDir).absolutePath());
    for (const CameraConfig &cameraConfig : config_.cameras) {
        QString ignored; // validateConfig() resolved them already
        if (QFileInfo(config_.busSocketPath(cameraConfig.name)).absolutePath() == runtimeDir)
            resolveAllowed(cameraConfig, &allowedUids, &allowedGids, &ignored);
    }
    if (!config_.runtimeDir.isEmpty() &&
        !shareRuntimeDirectory(config_.runtimeDir, allowedUids, allowedGids, error))
        return false;
    for (const CameraConfig &cameraConfig : config_.cameras) {
        auto camera = std::make_unique<Camera>();
        camera->config = cameraConfig;
        camera->publisher = std::make_unique<BusPublisher>(publisherOptions(cameraConfig));
        camera->server = std::make_unique<BusServer>(cameraConfig.name, *camera->publisher);
        connect(
            camera->server.get(), &BusServer::consumerRefused, this,
            [this, name = cameraConfig.name](const QString &message, const QJsonObject &details) {
                events_->append(QStringLiteral("bus"), name, message, details);
            });
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

    for (const CameraConfig &camera : config_.cameras) {
        for (const StreamConfig &stream : camera.effectiveStreams()) {
            QString streamError;
            if (stream.alwaysOn && ensureEncoder(camera.name, stream, &streamError).isEmpty()) {
                *error = QStringLiteral("stream '%1' of camera '%2': %3")
                             .arg(stream.name, camera.name, streamError);
                shutdown();
                return false;
            }
        }
    }

    for (const WorkerConfig &worker : config_.workers) {
        WorkerManager::Result result = addWorker(worker, worker.autostart);
        if (!result.ok()) {
            *error = QStringLiteral("worker '%1': %2").arg(worker.name, result.error);
            shutdown();
            return false;
        }
    }
    checkEncoderBudget();
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

WorkerSpec Supervisor::specFor(const WorkerConfig &worker, QString *error, QString *encoder)
{
    WorkerSpec spec;
    const WorkerKindInfo *kind = WorkerKindInfo::named(worker.kind);
    if (!kind || !kind->configurable) {
        *error = QStringLiteral("kind '%1' is not %2")
                     .arg(worker.kind, WorkerKindInfo::configurableNames());
        return spec;
    }
    const CameraConfig *camera = config_.camera(worker.camera);
    if (!camera) {
        *error = QStringLiteral("no camera named '%1'").arg(worker.camera);
        return spec;
    }
    spec.kind = kind->kind;
    spec.acceptsInput = kind->acceptsInput;
    spec.name = worker.name.isEmpty() ? workers_->uniqueName(kind->kind) : worker.name;
    // Encode once: recorders and RTSP workers read a stream of the camera, never the raw bus
    // with an encoder of their own (docs/streams.md).
    StreamPlan::Assignment stream =
        StreamPlan::assign(worker.kind, spec.name, worker.options, *camera, config_.profileElements,
                           &cameraStreams_[worker.camera]);
    if (!stream.error.isEmpty()) {
        *error = stream.error;
        return spec;
    }
    spec.options = stream.options;
    WorkerCommandBuilder builder(stream.usesStream
                                     ? config_.streamSocketPath(worker.camera, stream.stream.name)
                                     : config_.busSocketPath(worker.camera),
                                 config_.workerPath);
    builder.setCameraName(worker.camera);
    *error = builder.complete(spec);
    // What the operator asked for is kept (saved worker sets, status); the command line
    // carries the stream.
    spec.options = worker.options;
    if (error->isEmpty() && stream.usesStream)
        *encoder = ensureEncoder(worker.camera, stream.stream, error);
    return spec;
}

QString Supervisor::ensureEncoder(const QString &camera, const StreamConfig &stream, QString *error)
{
    const QString name = StreamPlan::encoderWorkerName(camera, stream.name);
    if (workers_->worker(name))
        return name;
    if (QString why = StreamPlan::missingEncoder(stream, DetectionInputs::registryElements());
        !why.isEmpty()) {
        *error = QStringLiteral("stream '%1' (codec %2): %3").arg(stream.name, stream.codec, why);
        return {};
    }
    const CameraConfig *cameraConfig = config_.camera(camera);
    WorkerSpec spec;
    spec.kind = WorkerKind::Encoder;
    spec.name = name;
    spec.options = StreamPlan::encoderOptions(stream, *cameraConfig, config_.profileElements,
                                              config_.streamSocketPath(camera, stream.name));
    WorkerCommandBuilder builder(config_.busSocketPath(camera), config_.workerPath);
    if (QString why = builder.complete(spec); !why.isEmpty()) {
        *error = QStringLiteral("encoder of stream '%1': %2").arg(stream.name, why);
        return {};
    }
    WorkerManager::Result result = workers_->add(std::move(spec), true);
    if (!result.ok()) {
        *error = QStringLiteral("encoder of stream '%1': %2").arg(stream.name, result.error);
        return {};
    }
    workerCamera_.insert(name, camera);
    encoders_.insert(name, StreamUse{camera, stream, {}});
    events_->append(QStringLiteral("stream"), name, QStringLiteral("encoder started"),
                    {{QStringLiteral("camera"), camera}, {QStringLiteral("stream"), stream.name}});
    return name;
}

std::optional<StreamConfig> Supervisor::acquireStream(const QString &camera, const QString &stream,
                                                      const QString &consumer, QString *socketPath,
                                                      QString *error)
{
    const CameraConfig *cameraConfig = config_.camera(camera);
    if (!cameraConfig) {
        *error = QStringLiteral("no camera named '%1'").arg(camera);
        return std::nullopt;
    }
    QList<StreamConfig> &streams = cameraStreams_[camera];
    if (streams.isEmpty())
        streams = cameraConfig->effectiveStreams();
    auto it =
        std::ranges::find_if(streams, [&](const StreamConfig &s) { return s.name == stream; });
    if (it == streams.end()) {
        QStringList names;
        for (const StreamConfig &s : streams)
            names << s.name;
        *error = QStringLiteral("camera '%1' has no stream '%2' (streams: %3)")
                     .arg(camera, stream, names.join(QStringLiteral(", ")));
        return std::nullopt;
    }
    const StreamConfig found = *it;
    const QString encoder = ensureEncoder(camera, found, error);
    if (encoder.isEmpty())
        return std::nullopt;
    encoders_[encoder].consumers.insert(consumer);
    workerEncoder_.insert(consumer, encoder);
    *socketPath = config_.streamSocketPath(camera, found.name);
    return found;
}

QStringList Supervisor::recordingDirs(const QString &camera) const
{
    QStringList dirs;
    for (WorkerProcess *worker : workers_->workers()) {
        const WorkerSpec &spec = worker->spec();
        if (spec.kind != WorkerKind::Recorder || workerCamera_.value(spec.name) != camera)
            continue;
        const QString dir = spec.options.value(QStringLiteral("dir")).toString();
        // Recordings land in DIR/<camera>/<day>/ (SegmentNamer).
        if (!dir.isEmpty() && !dirs.contains(dir + u'/' + camera))
            dirs << dir + u'/' + camera;
    }
    return dirs;
}

QString Supervisor::encoderInUse(const QString &name) const
{
    const auto it = encoders_.constFind(name);
    if (it == encoders_.constEnd() || it->consumers.isEmpty())
        return {};
    QStringList consumers(it->consumers.begin(), it->consumers.end());
    consumers.sort();
    return QStringLiteral("'%1' encodes stream %2.%3 for %4; it stops with the last of them "
                          "(stop or remove those workers instead)")
        .arg(name, it->camera, it->stream.name, consumers.join(QStringLiteral(", ")));
}

void Supervisor::onWorkerRemoved(const QString &name)
{
    const QString encoder = workerEncoder_.take(name);
    if (encoder.isEmpty() || !encoders_.contains(encoder))
        return;
    StreamUse &use = encoders_[encoder];
    use.consumers.remove(name);
    // The last consumer gone: the stream's encoder goes too (an always-on stream stays).
    if (use.consumers.isEmpty() && !use.stream.alwaysOn) {
        encoders_.remove(encoder);
        workers_->remove(encoder);
        events_->append(QStringLiteral("stream"), encoder,
                        QStringLiteral("encoder stopped: no consumer left"), {});
    }
}

WorkerManager::Result Supervisor::addWorker(WorkerConfig worker, bool startNow)
{
    QString error, encoder;
    WorkerSpec spec = specFor(worker, &error, &encoder);
    if (!error.isEmpty())
        return {error, nullptr};
    QString name = spec.name;
    WorkerManager::Result result = workers_->add(std::move(spec), startNow);
    if (result.ok()) {
        workerCamera_.insert(name, worker.camera);
        if (!encoder.isEmpty()) {
            encoders_[encoder].consumers.insert(name);
            workerEncoder_.insert(name, encoder);
        }
        events_->append(QStringLiteral("worker"), name, QStringLiteral("added"),
                        {{QStringLiteral("kind"), worker.kind}});
    } else if (!encoder.isEmpty() && encoders_.value(encoder).consumers.isEmpty() &&
               !encoders_.value(encoder).stream.alwaysOn) {
        encoders_.remove(encoder);
        workers_->remove(encoder);
    }
    return result;
}

void Supervisor::onWorkerReport(const QString &name, const QJsonObject &report)
{
    const protocol::Report type = protocol::reportOf(report);
    // Detections and events go to the event log; "stats" only update the worker's figures.
    if (type == protocol::Report::Detection || type == protocol::Report::Event) {
        QJsonObject data = report;
        data.remove(protocol::kVersionKey); // the line's, not the event's
        events_->append(protocol::name(type), name, workerReportText(report), data);
    }
    // An object appearing in the AI's view (or a custom worker's: a script of its own, e.g.
    // a Python motion detector) starts event recording on the same camera.
    WorkerProcess *worker = workers_->worker(name);
    if (worker &&
        (worker->spec().kind == WorkerKind::Ai || worker->spec().kind == WorkerKind::Custom) &&
        type == protocol::Report::Event &&
        report.value(QStringLiteral("state")).toString() == QStringLiteral("start"))
        trigger(workerCamera_.value(name), report.value(QStringLiteral("label")).toString(), name);
}

int Supervisor::trigger(const QString &camera, const QString &label, const QString &source)
{
    const QString what = label.isEmpty() ? QStringLiteral("manual") : label;
    const QByteArray line = protocol::triggerLine(what);
    int delivered = 0;
    for (WorkerProcess *worker : workers_->workers()) {
        if (worker->spec().kind != WorkerKind::Recorder ||
            (!camera.isEmpty() && workerCamera_.value(worker->name()) != camera))
            continue;
        delivered += worker->sendLine(line) ? 1 : 0;
    }
    events_->append(QStringLiteral("trigger"), source, what,
                    {{QStringLiteral("camera"), camera}, {QStringLiteral("recorders"), delivered}});
    return delivered;
}

QJsonObject Supervisor::status()
{
    QJsonArray cameras;
    for (const auto &camera : cameras_) {
        QJsonObject o = camera->capture->snapshot();
        o.insert(QStringLiteral("bus"), camera->server->snapshot());
        // Every stream a consumer may ask for (configured, default and implicit ones).
        const QString name = camera->config.name;
        QJsonArray streamNames;
        for (const StreamConfig &s : cameraStreams_.value(name).isEmpty()
                                         ? camera->config.effectiveStreams()
                                         : cameraStreams_.value(name))
            streamNames.append(
                QJsonObject{{QStringLiteral("name"), s.name}, {QStringLiteral("codec"), s.codec}});
        o.insert(QStringLiteral("stream_names"), streamNames);
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
        const QString name = w.value(QStringLiteral("name")).toString();
        if (const QString encoder = workerEncoder_.value(name); !encoder.isEmpty()) {
            // It reads a stream, not the raw bus: its figures are its own report's, the
            // stream's encoder is the camera bus consumer.
            const QJsonObject reported = w.value(QStringLiteral("reported")).toObject();
            frames = reported.value(QStringLiteral("frames")).toInteger();
            drops = reported.value(QStringLiteral("drops")).toInteger();
            connected = frames > 0;
            w.insert(QStringLiteral("stream"), encoders_.value(encoder).stream.name);
        }
        w.insert(QStringLiteral("bus_connected"), connected);
        w.insert(QStringLiteral("frames"), frames);
        w.insert(QStringLiteral("drops"), drops);
        workers[i] = w;
    }
    QJsonObject result{
        {QStringLiteral("version"), QCoreApplication::applicationVersion()},
        {QStringLiteral("streams"), streamsStatus()},
        // The device's local time (the web page shows recordings in it, wherever it is opened).
        {QStringLiteral("utc_offset_s"), QDateTime::currentDateTime().offsetFromUtc()},
        {QStringLiteral("encoder_budget"),
         QJsonObject{{QStringLiteral("budget_pixels_per_second"), config_.encoderBudget},
                     {QStringLiteral("used_pixels_per_second"), encodedPixelRate()},
                     {QStringLiteral("exceeded"),
                      config_.encoderBudget >= 0 && encodedPixelRate() > config_.encoderBudget}}},
        {QStringLiteral("pid"), qint64(QCoreApplication::applicationPid())},
        {QStringLiteral("uptime_s"), double(uptime_.elapsed()) / 1000.0},
        {QStringLiteral("cameras"), cameras},
        {QStringLiteral("workers"), workers},
    };
    for (auto it = statusSections_.cbegin(); it != statusSections_.cend(); ++it)
        result.insert(it.key(), it.value()());
    return result;
}

qint64 Supervisor::encodedPixelRate() const
{
    qint64 total = 0;
    for (const StreamUse &use : encoders_) {
        const CameraConfig *camera = config_.camera(use.camera);
        if (!camera)
            continue;
        const StreamConfig &s = use.stream;
        total += qint64(s.width > 0 ? s.width : camera->width) *
                 (s.height > 0 ? s.height : camera->height) * (s.fps > 0 ? s.fps : camera->fps);
    }
    return total;
}

void Supervisor::checkEncoderBudget()
{
    const qint64 used = encodedPixelRate();
    if (config_.encoderBudget < 0 || used <= config_.encoderBudget)
        return;
    // Said at start, not refused: a software encoder may still cope, or the streams may
    // never run at once (each encodes only while consumed).
    const QString message =
        config_.encoderBudget == 0
            ? QStringLiteral("profile %1 has no hardware encoder; %2 Mpixel/s of streams will be "
                             "encoded in software")
                  .arg(config_.profile)
                  .arg(double(used) / 1e6, 0, 'f', 1)
            : QStringLiteral("streams need %1 Mpixel/s, more than the %2 Mpixel/s the encoder of "
                             "profile %3 can do")
                  .arg(double(used) / 1e6, 0, 'f', 1)
                  .arg(double(config_.encoderBudget) / 1e6, 0, 'f', 1)
                  .arg(config_.profile);
    qCWarning(lcSupervisor).noquote() << message;
    events_->append(QStringLiteral("stream"), QStringLiteral("encoder-budget"), message,
                    {{QStringLiteral("used_pixels_per_second"), used},
                     {QStringLiteral("budget_pixels_per_second"), config_.encoderBudget}});
}

QJsonArray Supervisor::streamsStatus() const
{
    QJsonArray streams;
    for (auto it = encoders_.cbegin(); it != encoders_.cend(); ++it) {
        const StreamUse &use = it.value();
        QJsonArray consumers;
        for (const QString &consumer : use.consumers)
            consumers.append(consumer);
        QJsonObject o{
            {QStringLiteral("name"), use.stream.name},
            {QStringLiteral("camera"), use.camera},
            {QStringLiteral("encoder_worker"), it.key()},
            {QStringLiteral("socket"), config_.streamSocketPath(use.camera, use.stream.name)},
            {QStringLiteral("codec"), use.stream.codec},
            {QStringLiteral("always_on"), use.stream.alwaysOn},
            {QStringLiteral("consumer_workers"), consumers},
        };
        // The encoder's own figures: element, size, rate, bitrate, keyframes, drops, consumers.
        if (WorkerProcess *worker = workers_->worker(it.key())) {
            o.insert(QStringLiteral("state"), WorkerProcess::stateName(worker->state()));
            const QVariantMap reported = worker->reported();
            for (auto r = reported.cbegin(); r != reported.cend(); ++r)
                if (!o.contains(r.key()) && r.key() != QLatin1String("stream"))
                    o.insert(r.key(), QJsonValue::fromVariant(r.value()));
        }
        streams.append(o);
    }
    return streams;
}

} // namespace zerotee
