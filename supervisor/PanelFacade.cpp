#include "PanelFacade.h"

#include "CaptureOwner.h"
#include "ControlService.h"
#include "EventLog.h"
#include "HeadlessService.h"
#include "Supervisor.h"
#include "WorkerManager.h"
#include "WorkerProcess.h"

namespace zerotee {

namespace {

QString str(const char *s)
{
    return QString::fromLatin1(s);
}

} // namespace

PanelFacade::PanelFacade(HeadlessService &service, QObject *parent)
    : QObject(parent), service_(service)
{
    Supervisor *supervisor = service_.supervisorIfUp();
    if (!supervisor)
        return;
    connect(&supervisor->events(), &EventLog::eventAdded, this, &PanelFacade::eventAdded);
    WorkerManager &manager = supervisor->workers();
    connect(&manager, &WorkerManager::workerStateChanged, this, &PanelFacade::workersChanged);
    connect(&manager, &WorkerManager::workerAdded, this, &PanelFacade::workersChanged);
    connect(&manager, &WorkerManager::workerRemoved, this, &PanelFacade::workersChanged);
    connect(&manager, &WorkerManager::workerReport, this, &PanelFacade::onWorkerReport);
    for (const auto &camera : supervisor->cameras()) {
        const QString name = camera->config.name;
        connect(camera->capture.get(), &CaptureOwner::branchFailed, this,
                [this, name](const QString &reason) { emit previewFailed(name, reason); });
        connect(camera->capture.get(), &CaptureOwner::branchAttachedChanged, this,
                [this, name](bool attached) { emit previewAttachedChanged(name, attached); });
    }
    // Nothing of the service may be used once it shuts down: stop forwarding at once.
    connect(&service_, &HeadlessService::shuttingDown, this, [this, supervisor] {
        disconnect(&supervisor->events(), nullptr, this, nullptr);
        disconnect(&supervisor->workers(), nullptr, this, nullptr);
        for (const auto &camera : supervisor->cameras())
            disconnect(camera->capture.get(), nullptr, this, nullptr);
    });
}

PanelFacade::~PanelFacade() = default;

bool PanelFacade::isUp() const
{
    return service_.supervisorIfUp() != nullptr;
}

QStringList PanelFacade::cameraNames() const
{
    QStringList names;
    if (Supervisor *supervisor = service_.supervisorIfUp())
        for (const CameraConfig &camera : supervisor->config().cameras)
            names << camera.name;
    return names;
}

QSize PanelFacade::cameraSize(const QString &camera) const
{
    Supervisor *supervisor = service_.supervisorIfUp();
    const CameraConfig *config = supervisor ? supervisor->config().camera(camera) : nullptr;
    return config ? QSize(config->width, config->height) : QSize();
}

QJsonObject PanelFacade::status() const
{
    Supervisor *supervisor = service_.supervisorIfUp();
    return supervisor ? supervisor->status() : QJsonObject();
}

QJsonArray PanelFacade::recentEvents(int limit) const
{
    Supervisor *supervisor = service_.supervisorIfUp();
    return supervisor ? supervisor->events().since(0, limit) : QJsonArray();
}

QVariantMap PanelFacade::recorderOptions() const
{
    if (Supervisor *supervisor = service_.supervisorIfUp())
        for (WorkerProcess *worker : supervisor->workers().workers())
            if (worker->spec().kind == WorkerKind::Recorder)
                return worker->spec().options;
    return {};
}

QJsonObject PanelFacade::control(const QJsonObject &request)
{
    if (!isUp())
        return ControlService::failure(tr("the service is not running"));
    return service_.control().handle(request);
}

void PanelFacade::attachPreview(const QString &camera)
{
    if (Supervisor *supervisor = service_.supervisorIfUp())
        for (const auto &c : supervisor->cameras())
            if (c->config.name == camera)
                c->capture->attachBranch();
}

void PanelFacade::detachPreview(const QString &camera)
{
    if (Supervisor *supervisor = service_.supervisorIfUp())
        for (const auto &c : supervisor->cameras())
            if (c->config.name == camera)
                c->capture->detachBranch();
}

void PanelFacade::onWorkerReport(const QString &worker, const QJsonObject &report)
{
    Supervisor *supervisor = service_.supervisorIfUp();
    if (!supervisor || report.value(str("type")).toString() != u"detection")
        return;
    const QJsonArray box = report.value(str("box")).toArray();
    if (box.size() != 4)
        return;
    emit detection(
        supervisor->workerCamera(worker), report.value(str("pts_ns")).toInteger(),
        report.value(str("label")).toString(), report.value(str("score")).toDouble(),
        QRectF(box[0].toDouble(), box[1].toDouble(), box[2].toDouble(), box[3].toDouble()));
}

} // namespace zerotee
