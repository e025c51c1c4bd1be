#include "PanelController.h"

#include <PanelFacade.h>

#include <QClipboard>
#include <QCoreApplication>
#include <QGuiApplication>
#include <QJSEngine>
#include <QJsonArray>
#include <QPointer>

namespace zerotee {

namespace {

QPointer<PanelController> s_instance;

constexpr int kRefreshMs = 1000;
constexpr int kSoonMs = 50; // after a state change: the card follows at once

QString str(const char *s)
{
    return QString::fromLatin1(s);
}

} // namespace

PanelController::PanelController(PreviewController *preview, bool virtualKeyboard, QObject *parent)
    : QObject(parent), preview_(preview), virtualKeyboard_(virtualKeyboard)
{
    if (!preview_) {
        ownPreview_ = std::make_unique<PreviewController>(false);
        preview_ = ownPreview_.get();
    }
    refreshTimer_.setInterval(kRefreshMs);
    connect(&refreshTimer_, &QTimer::timeout, this, &PanelController::refresh);
    soonTimer_.setSingleShot(true);
    soonTimer_.setInterval(kSoonMs);
    connect(&soonTimer_, &QTimer::timeout, this, &PanelController::refresh);
}

PanelController::~PanelController()
{
    detach();
}

void PanelController::setInstance(PanelController *controller)
{
    s_instance = controller;
}

PanelController *PanelController::create(QQmlEngine *, QJSEngine *)
{
    if (s_instance) {
        QJSEngine::setObjectOwnership(s_instance, QJSEngine::CppOwnership);
        return s_instance;
    }
    return new PanelController(nullptr, false); // idle: QML without a panel (component tests)
}

QString PanelController::version() const
{
    return QCoreApplication::applicationVersion();
}

void PanelController::attach(PanelFacade *service)
{
    service_ = service;
    if (!service_ || !service_->isUp())
        return;
    cameraNames_ = service_->cameraNames();
    for (const QJsonValue &event : service_->recentEvents(200))
        events_.add(event.toObject());
    connect(service_, &PanelFacade::eventAdded, this, &PanelController::onEvent);
    connect(service_, &PanelFacade::workersChanged, this, &PanelController::scheduleRefresh);
    connect(service_, &PanelFacade::detection, this,
            [this](const QString &camera, qint64 ptsNs, const QString &label, double score,
                   const QRectF &box) {
                detectionsFor(camera)->addDetection(ptsNs, label, score, box);
            });
    preview_->attach(service_, &cameras_,
                     [this](const QString &camera) { return detectionsFor(camera); });
    connect(preview_, &PreviewController::previewFailed, this,
            [this](const QString &camera, const QString &reason) {
                showBanner(tr("Live video of %1 is unavailable: %2").arg(camera, reason),
                           tr("Recording and streaming are not affected. Tap Retry on the video "
                              "to try again."),
                           str("warning"));
            });
    clock_.start();
    refresh();
    refreshTimer_.start();
    emit workersChanged();
}

void PanelController::detach()
{
    refreshTimer_.stop();
    soonTimer_.stop();
    if (preview_)
        preview_->detach();
    if (service_)
        disconnect(service_, nullptr, this, nullptr);
    service_ = nullptr;
}

void PanelController::setShuttingDown(bool shuttingDown)
{
    if (shuttingDown_ == shuttingDown)
        return;
    shuttingDown_ = shuttingDown;
    emit shuttingDownChanged();
}

DetectionsModel *PanelController::detectionsFor(const QString &camera)
{
    auto &model = detections_[camera];
    if (!model)
        model = std::make_unique<DetectionsModel>();
    QJSEngine::setObjectOwnership(model.get(), QJSEngine::CppOwnership);
    return model.get();
}

void PanelController::scheduleRefresh()
{
    if (!soonTimer_.isActive())
        soonTimer_.start();
}

void PanelController::refresh()
{
    if (!service_ || !service_->isUp())
        return;
    const QJsonObject status = service_->status();
    const QJsonArray workers = status.value(str("workers")).toArray();
    workers_.update(workers, clock_.elapsed());
    cameras_.update(status.value(str("cameras")).toArray());
    rtspMounts_.update(workers);
    encodedStreams_.update(status.value(str("streams")).toArray());

    const QVariantMap options = service_->recorderOptions();
    if (options != recorderOptions_) {
        recorderOptions_ = options;
        recordingsDir_ = options.value(str("dir")).toString();
        emit workersChanged();
    }
    system_.update(status, recordingsDir_);
}

void PanelController::onEvent(const QJsonObject &event)
{
    events_.add(event);
    const QString type = event.value(str("type")).toString();
    const QString source = event.value(str("source")).toString();
    const QString state = event.value(str("state")).toString();
    const QString message = event.value(str("message")).toString();
    if (type == u"worker" && state == u"failed") {
        showBanner(tr("Worker '%1' has failed: %2").arg(source, message),
                   tr("Check its settings on the Workers page, then tap Start to try again — or "
                      "remove it."));
    } else if (type == u"capture" && state == u"error") {
        showBanner(tr("Camera %1 has no picture: %2").arg(source, message),
                   tr("zerotee retries by itself. Check the camera's cable and device; recorders "
                      "and streams continue when the picture is back."));
    } else if (type == u"capture" && state == u"running" &&
               bannerText_.startsWith(tr("Camera %1").arg(source))) {
        dismissBanner();
    }
}

QString PanelController::hintFor(const QString &error)
{
    if (error.contains(u"exists already"))
        return tr("Choose another name.");
    if (error.contains(u"no worker named"))
        return tr("It was removed meanwhile; the list is up to date now.");
    if (error.contains(u"no camera named"))
        return tr("Pick one of the configured cameras.");
    if (error.contains(u"unknown option"))
        return tr("Leave that setting out; the message lists the known ones.");
    if (error.contains(u"port"))
        return tr("Use a port between 1 and 65535 that no other stream uses.");
    if (error.contains(u"name"))
        return tr("Use letters, digits, '-' and '_' (at most 64 characters).");
    if (error.contains(u"dir"))
        return tr("Give the folder the recordings go to.");
    if (error.contains(u"zeroteesrc") || error.contains(u"pipeline"))
        return tr("A custom pipeline starts with zeroteesrc, e.g. zeroteesrc ! videoconvert ! "
                  "jpegenc ! multifilesink location=/tmp/f-%05d.jpg");
    if (error.contains(u"not running"))
        return tr("zerotee is shutting down; start it again.");
    return tr("Check the settings and try again; the Events page has details.");
}

QJsonObject PanelController::request(const QJsonObject &request)
{
    if (!service_ || !service_->isUp() || shuttingDown_) {
        const QJsonObject answer{{str("ok"), false},
                                 {str("error"), tr("the service is not running")}};
        showBanner(answer.value(str("error")).toString(), hintFor(str("not running")));
        return answer;
    }
    const QJsonObject answer = service_->control(request);
    if (!answer.value(str("ok")).toBool()) {
        const QString error = answer.value(str("error")).toString();
        showBanner(tr("%1 refused: %2").arg(request.value(str("cmd")).toString(), error),
                   hintFor(error));
    }
    scheduleRefresh();
    return answer;
}

bool PanelController::startWorker(const QString &name)
{
    return request({{str("cmd"), str("start")}, {str("name"), name}}).value(str("ok")).toBool();
}

bool PanelController::stopWorker(const QString &name)
{
    return request({{str("cmd"), str("stop")}, {str("name"), name}}).value(str("ok")).toBool();
}

bool PanelController::toggleWorker(const QString &name)
{
    const QString state = workers_.stateOf(name);
    const bool active = state == u"running" || state == u"starting" || state == u"crashed" ||
                        state == u"backing-off";
    return active ? stopWorker(name) : startWorker(name);
}

bool PanelController::restartWorker(const QString &name)
{
    return request({{str("cmd"), str("restart")}, {str("name"), name}}).value(str("ok")).toBool();
}

bool PanelController::removeWorker(const QString &name)
{
    return request({{str("cmd"), str("remove")}, {str("name"), name}}).value(str("ok")).toBool();
}

QString PanelController::addWorker(const QString &kind, const QString &name, const QString &camera,
                                   const QVariantMap &options)
{
    QJsonObject cleaned;
    for (auto it = options.begin(); it != options.end(); ++it) {
        const QVariant &value = it.value();
        if (value.typeId() == QMetaType::QString && value.toString().trimmed().isEmpty())
            continue; // left empty: the worker's default
        cleaned.insert(it.key(), QJsonValue::fromVariant(value));
    }
    QJsonObject add{{str("cmd"), str("add")}, {str("kind"), kind}, {str("options"), cleaned}};
    if (!name.trimmed().isEmpty())
        add.insert(str("name"), name.trimmed());
    if (!camera.isEmpty())
        add.insert(str("camera"), camera);
    const QJsonObject answer = request(add);
    if (answer.value(str("ok")).toBool()) {
        if (bannerLevel_ == u"error")
            dismissBanner();
        return {};
    }
    return answer.value(str("error")).toString();
}

bool PanelController::trigger(const QString &label)
{
    return request({{str("cmd"), str("trigger")}, {str("label"), label}}).value(str("ok")).toBool();
}

void PanelController::copyText(const QString &text)
{
    if (QClipboard *clipboard = QGuiApplication::clipboard())
        clipboard->setText(text);
    emit copied(text);
}

void PanelController::dismissBanner()
{
    if (bannerText_.isEmpty())
        return;
    bannerText_.clear();
    bannerHint_.clear();
    bannerLevel_.clear();
    emit bannerChanged();
}

void PanelController::showBanner(const QString &text, const QString &hint, const QString &level)
{
    bannerText_ = text;
    bannerHint_ = hint;
    bannerLevel_ = level;
    emit bannerChanged();
}

} // namespace zerotee
