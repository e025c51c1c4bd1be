#pragma once

#include <CommandLine.h>

#include <QObject>
#include <QPointer>
#include <QQuickWindow>
#include <memory>

class QCoreApplication;
class QQmlApplicationEngine;

namespace zerotee {

class HeadlessService;
class PanelFacade;
class PanelController;
class PreviewController;

/// The operator panel: the same service as `zerotee --headless` (flags, configuration, control
/// socket, HTTP API) with the QML window on top. Owns the service, the view models and the QML
/// engine, in that order of shutdown: closing the window stops the workers (recordings are
/// finalized) and the captures (the preview sinks go to NULL) before the QML engine and its video
/// items are destroyed.
///
/// The worker set is kept across restarts (WorkerSetStore): in --state FILE, by default
/// $XDG_STATE_HOME/zerotee/workers.json.
///
/// Thread context: thread-bound to the main thread; needs a QGuiApplication.
class PanelApp : public QObject {
    Q_OBJECT

public:
    explicit PanelApp(CommandLine commandLine, QObject *parent = nullptr);
    ~PanelApp() override;

    /// True unless the arguments ask for --headless, --help or --version: then a
    /// QCoreApplication does.
    static bool wanted(int argc, char **argv);
    /// Why the panel cannot open a window here (nullptr when it can): Qt would abort otherwise.
    static const char *missingDisplay();
    /// The QGuiApplication for the panel, after what must precede it: the on-screen keyboard
    /// when there is no hardware keyboard, OpenGL for the scene graph (qml6glsink).
    static std::unique_ptr<QCoreApplication> createApplication(int &argc, char **argv);

    /// Starts the service and shows the window; false with @p error when either fails (nothing
    /// is left running then).
    bool start(QString *error);
    /// Stops everything in order; idempotent. The window is hidden, not destroyed.
    void shutdown();
    bool isShutDown() const { return shutDown_; }

    QQuickWindow *window() const { return window_; }
    HeadlessService *service() const { return service_.get(); }
    PanelController *controller() const { return controller_.get(); }
    const CommandLine &commandLine() const { return commandLine_; }

protected:
    /// Closing the window (its Close event) shuts the service down.
    bool eventFilter(QObject *watched, QEvent *event) override;

signals:
    /// The window was closed or a signal stopped the service: the application should quit.
    void finished();

private:
    CommandLine commandLine_;
    std::unique_ptr<PreviewController> preview_;
    std::unique_ptr<HeadlessService> service_;
    std::unique_ptr<PanelFacade> facade_; // the panel's door into service_
    std::unique_ptr<PanelController> controller_;
    std::unique_ptr<QQmlApplicationEngine> engine_;
    QPointer<QQuickWindow> window_;
    bool shutDown_ = false;
};

/// True if /proc/bus/input/devices lists a keyboard (a device with key events and repeat).
/// ZEROTEE_VIRTUAL_KEYBOARD=1 or 0 overrides the answer (1 = pretend there is none).
bool hasHardwareKeyboard();

} // namespace zerotee
