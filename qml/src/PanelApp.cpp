#include "PanelApp.h"

#include "PanelController.h"
#include "PreviewController.h"
#include "WindowPlacement.h"

#include <GstHolders.h>
#include <HeadlessService.h>
#include <PanelFacade.h>
#include <WorkerSetStore.h>

#include <QFile>
#include <QGuiApplication>
#include <QLoggingCategory>
#include <QQmlApplicationEngine>
#include <QQmlContext>
#include <QQuickStyle>
#include <QQuickWindow>
#include <QTimer>
#include <QtQml/qqmlextensionplugin.h>
#include <gst/gst.h>

#include <cstring>

Q_IMPORT_QML_PLUGIN(Zerotee_ControlsPlugin)
Q_IMPORT_QML_PLUGIN(Zerotee_PanelPlugin)
#ifdef ZEROTEE_HAVE_RECORDINGS
Q_IMPORT_QML_PLUGIN(Zerotee_RecordingsPlugin)
#endif

Q_LOGGING_CATEGORY(lcPanel, "zerotee.panel")

namespace zerotee {

bool hasHardwareKeyboard()
{
    const QByteArray force = qgetenv("ZEROTEE_VIRTUAL_KEYBOARD");
    if (force == "1")
        return false;
    if (force == "0")
        return true;
    QFile devices(QStringLiteral("/proc/bus/input/devices"));
    if (!devices.open(QIODevice::ReadOnly))
        return false;
    // A block per device; a keyboard has a "kbd" handler and key + repeat events (EV=120013).
    bool kbd = false;
    for (const QByteArray &raw : devices.readAll().split('\n')) {
        const QByteArray line = raw.trimmed();
        if (line.isEmpty()) {
            kbd = false;
            continue;
        }
        if (line.startsWith("H: Handlers=") && line.contains("kbd"))
            kbd = true;
        if (kbd && line.startsWith("B: EV=")) {
            bool ok = false;
            const qulonglong ev = line.mid(6).toULongLong(&ok, 16);
            if (ok && (ev & 0x120013) == 0x120013)
                return true;
        }
    }
    return false;
}

bool PanelApp::wanted(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const char *a = argv[i];
        if (std::strcmp(a, "--") == 0)
            break;
        for (const char *flag : {"--headless", "-headless", "--help", "-help", "-h", "--version",
                                 "--suggest-profile", "-version"})
            if (std::strcmp(a, flag) == 0)
                return false;
    }
    return true;
}

const char *PanelApp::missingDisplay()
{
    // Without one of these Qt picks xcb, finds no X server and aborts the process.
    if (!qEnvironmentVariableIsEmpty("DISPLAY") ||
        !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
        !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        return nullptr;
    return "no display for the panel (DISPLAY, WAYLAND_DISPLAY and QT_QPA_PLATFORM are unset): "
           "run with --headless for the service alone, or set QT_QPA_PLATFORM=eglfs on a board "
           "without a window system";
}

std::unique_ptr<QCoreApplication> PanelApp::createApplication(int &argc, char **argv)
{
    if (!hasHardwareKeyboard() && qEnvironmentVariableIsEmpty("QT_IM_MODULE"))
        qputenv("QT_IM_MODULE", "qtvirtualkeyboard");
    // qml6glsink renders into the scene graph's GL context.
    QQuickWindow::setGraphicsApi(QSGRendererInterface::OpenGL);
    auto app = std::make_unique<QGuiApplication>(argc, argv);
    QQuickStyle::setStyle(QStringLiteral("Basic"));
    return app;
}

PanelApp::PanelApp(CommandLine commandLine, QObject *parent)
    : QObject(parent), commandLine_(std::move(commandLine))
{
    if (commandLine_.stateFile.isEmpty())
        commandLine_.stateFile = WorkerSetStore::defaultPath();
}

PanelApp::~PanelApp()
{
    shutdown();
    // QML (and the video items) last: every preview sink is in NULL by now.
    engine_.reset();
    controller_.reset();
    facade_.reset();
    service_.reset();
    preview_.reset();
}

bool PanelApp::start(QString *error)
{
    // Creating a qml6glsink registers the GstGLQt6VideoItem QML type; without it (or with
    // ZEROTEE_PREVIEW=0) the panel runs without live video.
    bool previewAvailable = qgetenv("ZEROTEE_PREVIEW") != "0";
    if (previewAvailable) {
        const GstObjectHolder<GstElement> sink =
            sinkIntoHolder(gst_element_factory_make("qml6glsink", nullptr));
        previewAvailable = sink != nullptr;
        if (!sink)
            qCWarning(lcPanel) << "qml6glsink is not installed: no live video";
    }
    preview_ = std::make_unique<PreviewController>(previewAvailable);
    service_ = std::make_unique<HeadlessService>(commandLine_);
    PreviewController *preview = preview_.get();
    service_->setCaptureBranchFactory(
        [preview](const QString &camera) { return preview->createBranch(camera); });
    if (!service_->start(error)) {
        service_.reset();
        return false;
    }
    const bool virtualKeyboard = qgetenv("QT_IM_MODULE") == "qtvirtualkeyboard";
    controller_ = std::make_unique<PanelController>(preview_.get(), virtualKeyboard);
    facade_ = std::make_unique<PanelFacade>(*service_);
    controller_->attach(facade_.get());
    PanelController::setInstance(controller_.get());

    connect(service_.get(), &HeadlessService::shuttingDown, this, [this] {
        if (controller_)
            controller_->setShuttingDown(true);
    });
    // SIGTERM, SIGINT, SIGHUP: the service has shut itself down.
    connect(service_.get(), &HeadlessService::finished, this, [this] {
        shutdown();
        emit finished();
    });

    engine_ = std::make_unique<QQmlApplicationEngine>();
    engine_->addImportPath(QStringLiteral("qrc:/qt/qml"));
    engine_->load(QUrl(QStringLiteral("qrc:/qt/qml/Zerotee/Panel/Main.qml")));
    if (engine_->rootObjects().isEmpty() ||
        !(window_ = qobject_cast<QQuickWindow *>(engine_->rootObjects().first()))) {
        *error = QStringLiteral("the panel's QML did not load (see the messages above)");
        shutdown();
        return false;
    }
    const WindowPlacement::Decision placement =
        WindowPlacement::place(window_, commandLine_.config.panel);
    qCInfo(lcPanel).noquote() << (placement.fullscreen ? "full screen" : "window")
                              << QStringLiteral("%1x%2+%3+%4")
                                     .arg(placement.geometry.width())
                                     .arg(placement.geometry.height())
                                     .arg(placement.geometry.x())
                                     .arg(placement.geometry.y())
                              << "(" + placement.reason + ")";
    window_->installEventFilter(this);
    return true;
}

bool PanelApp::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == window_ && event->type() == QEvent::Close && !shutDown_) {
        // After the close event: shutting down spins event loops while workers stop.
        QTimer::singleShot(0, this, [this] {
            if (shutDown_)
                return;
            shutdown();
            emit finished();
        });
    }
    return QObject::eventFilter(watched, event);
}

void PanelApp::shutdown()
{
    if (shutDown_ || !service_)
        return;
    shutDown_ = true;
    qCInfo(lcPanel) << "closing: stopping workers and captures";
    if (controller_)
        controller_->setShuttingDown(true);
    if (window_)
        window_->update();
    // Workers first (recordings finalized), then the captures and their preview branches.
    if (controller_)
        controller_->detach();
    service_->shutdown();
    if (window_)
        window_->hide();
}

} // namespace zerotee
