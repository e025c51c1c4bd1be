#include "HeadlessService.h"

#include "ControlService.h"
#include "ControlSocketServer.h"
#include "EventLog.h"
#include "HttpApi.h"
#include "MqttBridge.h"
#include "Supervisor.h"
#include "SystemdNotifier.h"
#include "UnixSignalWatcher.h"
#include "WorkerSetStore.h"

#include <QCoreApplication>
#include <QLoggingCategory>
#include <QTimer>
#include <csignal>

namespace zerotee {

void applyLogLevel(const QString &level)
{
    QString rules = QStringLiteral("zerotee.*.debug=%1\nzerotee.*.info=%2\nzerotee.*.warning=%3\n")
                        .arg(level == QStringLiteral("debug") ? QStringLiteral("true")
                                                              : QStringLiteral("false"))
                        .arg(level == QStringLiteral("debug") || level == QStringLiteral("info")
                                 ? QStringLiteral("true")
                                 : QStringLiteral("false"))
                        .arg(level != QStringLiteral("error") ? QStringLiteral("true")
                                                              : QStringLiteral("false"));
    QLoggingCategory::setFilterRules(rules);
}

HeadlessService::HeadlessService(CommandLine commandLine, QObject *parent)
    : QObject(parent), commandLine_(std::move(commandLine))
{
}

HeadlessService::~HeadlessService()
{
    shutdown();
}

bool HeadlessService::start(QString *error)
{
    SupervisorConfig config = commandLine_.config;
    if (!commandLine_.stateFile.isEmpty()) {
        // The workers as the operator left them replace the configured ones.
        QString storeError;
        if (std::optional<QList<WorkerConfig>> saved =
                WorkerSetStore::load(commandLine_.stateFile, &storeError)) {
            SupervisorConfig restored = config;
            restored.workers = *saved;
            ConfigErrors errors = validateConfig(restored);
            if (errors.ok()) {
                config = restored;
                qInfo("zerotee: %lld worker(s) restored from %s", qlonglong(saved->size()),
                      qPrintable(commandLine_.stateFile));
            } else {
                qWarning("zerotee: %s: not restored (%s); using the configured workers",
                         qPrintable(commandLine_.stateFile),
                         qPrintable(errors.errors.join(QStringLiteral("; "))));
            }
        } else if (!storeError.isEmpty()) {
            qWarning("zerotee: %s; using the configured workers", qPrintable(storeError));
        }
    }
    systemd_ = std::make_unique<SystemdNotifier>();
    signals_ =
        std::make_unique<UnixSignalWatcher>(std::initializer_list<int>{SIGTERM, SIGINT, SIGHUP});
    connect(signals_.get(), &UnixSignalWatcher::received, this, [this](int number) {
        qInfo("zerotee: %s, shutting down", strsignal(number));
        shutdown();
        emit finished();
    });

    supervisor_ = std::make_unique<Supervisor>(config);
    if (branchFactory_)
        supervisor_->setCaptureBranchFactory(branchFactory_);
    control_ = std::make_unique<ControlService>(*supervisor_);
    controlSocket_ = std::make_unique<ControlSocketServer>(*control_, supervisor_->events());
    if (!controlSocket_->start(config.controlPath, error))
        return false;
    if (!supervisor_->start(error)) {
        controlSocket_.reset();
        return false;
    }
    if (!commandLine_.stateFile.isEmpty()) {
        store_ = std::make_unique<WorkerSetStore>(commandLine_.stateFile, *supervisor_);
        store_->watch();
    }
    if (config.http.enabled) {
        http_ = std::make_unique<HttpApi>(*control_, *supervisor_, config.http);
        if (http_->start(error) == 0) {
            shutdown();
            return false;
        }
    }
    if (config.mqtt.active()) {
        QStringList cameras;
        for (const CameraConfig &camera : config.cameras)
            cameras << camera.name;
        mqtt_ = std::make_unique<MqttBridge>(
            config.mqtt, supervisor_->events(),
            [supervisor = supervisor_.get()](const QString &worker) {
                return supervisor->workerCamera(worker);
            },
            cameras, QCoreApplication::applicationVersion());
        supervisor_->setStatusSection(QStringLiteral("mqtt"),
                                      [bridge = mqtt_.get()] { return bridge->snapshot(); });
        mqtt_->start();
    }
    QString status = QStringLiteral("%1 camera(s), %2 worker(s), control at %3")
                         .arg(config.cameras.size())
                         .arg(config.workers.size())
                         .arg(config.controlPath);
    systemd_->ready(status);
    for (const CameraConfig &camera : config.cameras)
        qInfo("zerotee: camera %s bus at %s", qPrintable(camera.name),
              qPrintable(config.busSocketPath(camera.name)));
    qInfo("zerotee: up; %s", qPrintable(status));
    // Keep systemd's STATUS= line current: capture state and workers running.
    auto *statusTimer = new QTimer(this);
    connect(statusTimer, &QTimer::timeout, this, [this] {
        if (!supervisor_ || !systemd_->active())
            return;
        int running = 0;
        for (WorkerProcess *w : supervisor_->workers().workers())
            running += w->state() == WorkerProcess::State::Running;
        systemd_->status(QStringLiteral("%1/%2 workers running")
                             .arg(running)
                             .arg(supervisor_->workers().workers().size()));
    });
    statusTimer->start(5000);
    return true;
}

void HeadlessService::shutdown()
{
    if (shutDown_)
        return;
    shutDown_ = true;
    emit shuttingDown();
    if (store_)
        store_->freeze(); // the stops below are not the operator's
    if (systemd_)
        systemd_->stopping();
    http_.reset();
    if (supervisor_)
        supervisor_->shutdown();
    if (mqtt_) {
        // After the workers: their last states and finished recordings go out, then "offline".
        mqtt_->stop();
        supervisor_->setStatusSection(QStringLiteral("mqtt"), {});
        mqtt_.reset();
    }
    controlSocket_.reset();
    control_.reset();
    store_.reset();
    supervisor_.reset();
}

} // namespace zerotee
