#pragma once

#include "CamerasModel.h"
#include "DetectionsModel.h"
#include "EncodedStreamsModel.h"
#include "EventsModel.h"
#include "PreviewController.h"
#include "RtspMountsModel.h"
#include "SystemStatus.h"
#include "WorkersModel.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QObject>
#include <QTimer>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <map>
#include <memory>

class QJSEngine;
class QQmlEngine;

namespace zerotee {

class PanelFacade;

/// What the panel's QML talks to: the view models and the actions. Every action is a control
/// request handled by ControlService::handle(), the code path of zeroteectl and the HTTP API;
/// a refused request becomes a banner that says what went wrong and what to do.
///
/// One instance per panel, made by PanelApp and handed to QML as the `PanelController`
/// singleton. QML that runs without a panel (component tests) gets an idle instance with empty
/// models.
///
/// Thread context: thread-bound to the main thread.
class PanelController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_SINGLETON
    Q_PROPERTY(WorkersModel *workers READ workers CONSTANT)
    Q_PROPERTY(EventsModel *events READ events CONSTANT)
    Q_PROPERTY(RtspMountsModel *rtspMounts READ rtspMounts CONSTANT)
    Q_PROPERTY(EncodedStreamsModel *encodedStreams READ encodedStreams CONSTANT)
    Q_PROPERTY(CamerasModel *cameras READ cameras CONSTANT)
    Q_PROPERTY(SystemStatus *system READ system CONSTANT)
    Q_PROPERTY(PreviewController *preview READ preview CONSTANT)
    /// The banner: empty when none. bannerHint says what to do about it.
    Q_PROPERTY(QString bannerText READ bannerText NOTIFY bannerChanged)
    Q_PROPERTY(QString bannerHint READ bannerHint NOTIFY bannerChanged)
    /// error, warning or info
    Q_PROPERTY(QString bannerLevel READ bannerLevel NOTIFY bannerChanged)
    /// Output folder of the first recorder ("" when there is none).
    Q_PROPERTY(QString recordingsDir READ recordingsDir NOTIFY workersChanged)
    /// That recorder's options (retention keys for the Recordings page).
    Q_PROPERTY(QVariantMap recorderOptions READ recorderOptions NOTIFY workersChanged)
    /// The cameras' names, for choosers.
    Q_PROPERTY(QStringList cameraNames READ cameraNames NOTIFY workersChanged)
    Q_PROPERTY(bool shuttingDown READ shuttingDown NOTIFY shuttingDownChanged)
    /// Text entry uses the on-screen keyboard (no hardware keyboard was found).
    Q_PROPERTY(bool virtualKeyboard READ virtualKeyboard CONSTANT)
    Q_PROPERTY(QString version READ version CONSTANT)

public:
    /// Not default-constructible on purpose: QML gets its instance from create().
    PanelController(PreviewController *preview, bool virtualKeyboard, QObject *parent = nullptr);
    ~PanelController() override;

    /// The instance QML gets; set by PanelApp before it loads QML.
    static void setInstance(PanelController *controller);
    static PanelController *create(QQmlEngine *qmlEngine, QJSEngine *jsEngine);

    /// Starts following @p service (after it started).
    void attach(PanelFacade *service);
    /// Lets go of the service before it shuts down.
    void detach();

    WorkersModel *workers() { return &workers_; }
    EventsModel *events() { return &events_; }
    RtspMountsModel *rtspMounts() { return &rtspMounts_; }
    EncodedStreamsModel *encodedStreams() { return &encodedStreams_; }
    CamerasModel *cameras() { return &cameras_; }
    SystemStatus *system() { return &system_; }
    PreviewController *preview() { return preview_; }
    QString bannerText() const { return bannerText_; }
    QString bannerHint() const { return bannerHint_; }
    QString bannerLevel() const { return bannerLevel_; }
    QString recordingsDir() const { return recordingsDir_; }
    QVariantMap recorderOptions() const { return recorderOptions_; }
    QStringList cameraNames() const { return cameraNames_; }
    bool shuttingDown() const { return shuttingDown_; }
    void setShuttingDown(bool shuttingDown);
    bool virtualKeyboard() const { return virtualKeyboard_; }
    QString version() const;

    /// The detection boxes of @p camera.
    Q_INVOKABLE zerotee::DetectionsModel *detectionsFor(const QString &camera);

    /// Sends one control request ({"cmd": …}) as zeroteectl would; returns the answer. A refusal
    /// also raises the banner.
    Q_INVOKABLE QJsonObject request(const QJsonObject &request);
    Q_INVOKABLE bool startWorker(const QString &name);
    Q_INVOKABLE bool stopWorker(const QString &name);
    /// Stops a worker that runs (or is meant to), starts one that does not.
    Q_INVOKABLE bool toggleWorker(const QString &name);
    Q_INVOKABLE bool restartWorker(const QString &name);
    Q_INVOKABLE bool removeWorker(const QString &name);
    /// Adds a worker: @p kind recorder, rtsp, ai or custom; @p options as in the configuration
    /// (dir; port, mount, size, fps; pipeline). Returns "" or the error (also shown in the
    /// banner).
    Q_INVOKABLE QString addWorker(const QString &kind, const QString &name, const QString &camera,
                                  const QVariantMap &options);
    /// Event recording on every recorder, as `zeroteectl trigger LABEL`.
    Q_INVOKABLE bool trigger(const QString &label);
    /// Copies @p text to the clipboard (RTSP URLs).
    Q_INVOKABLE void copyText(const QString &text);
    Q_INVOKABLE void dismissBanner();
    /// Raises the banner (also used by QML for its own errors).
    Q_INVOKABLE void showBanner(const QString &text, const QString &hint,
                                const QString &level = QStringLiteral("error"));

    /// What to do about a control error, in words for an operator.
    static QString hintFor(const QString &error);

    /// Refreshes every model from the status answer now.
    Q_INVOKABLE void refresh();

signals:
    void bannerChanged();
    void workersChanged();
    void shuttingDownChanged();
    /// A line copied to the clipboard (QML shows a short confirmation).
    void copied(const QString &text);

private:
    void onEvent(const QJsonObject &event);
    void scheduleRefresh();

    WorkersModel workers_;
    EventsModel events_;
    RtspMountsModel rtspMounts_;
    EncodedStreamsModel encodedStreams_;
    CamerasModel cameras_;
    SystemStatus system_;
    PreviewController *preview_;
    std::unique_ptr<PreviewController> ownPreview_;
    std::map<QString, std::unique_ptr<DetectionsModel>> detections_;
    PanelFacade *service_ = nullptr;
    QTimer refreshTimer_;
    QTimer soonTimer_;
    QElapsedTimer clock_; // since attach(): the time base of the frame rates
    QString bannerText_, bannerHint_, bannerLevel_;
    QString recordingsDir_;
    QVariantMap recorderOptions_;
    QStringList cameraNames_;
    bool shuttingDown_ = false;
    bool virtualKeyboard_;
};

} // namespace zerotee
