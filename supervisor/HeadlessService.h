#pragma once

#include "CommandLine.h"

#include <QObject>
#include <memory>

namespace zerotee {

class ControlService;
class ControlSocketServer;
class HttpApi;
class Supervisor;
class SystemdNotifier;
class UnixSignalWatcher;

/// The service around the Supervisor: control socket, HTTP API, systemd notification, clean
/// shutdown on SIGTERM/SIGINT (workers stopped in order, recordings finalized). The panel
/// (later) runs the same service with a window on top.
///
/// Thread context: thread-bound to the main thread.
class HeadlessService : public QObject {
    Q_OBJECT

public:
    explicit HeadlessService(CommandLine commandLine, QObject *parent = nullptr);
    ~HeadlessService() override;

    /// Starts everything; false with @p error set when something could not start (nothing is
    /// left running then).
    bool start(QString *error);
    /// Stops everything in order; idempotent.
    void shutdown();

    Supervisor &supervisor() { return *supervisor_; }
    ControlService &control() { return *control_; }

signals:
    void finished();

private:
    CommandLine commandLine_;
    std::unique_ptr<Supervisor> supervisor_;
    std::unique_ptr<ControlService> control_;
    std::unique_ptr<ControlSocketServer> controlSocket_;
    std::unique_ptr<HttpApi> http_;
    std::unique_ptr<SystemdNotifier> systemd_;
    std::unique_ptr<UnixSignalWatcher> signals_;
    bool shutDown_ = false;
};

/// Applies --log-level to Qt's logging rules.
void applyLogLevel(const QString &level);

} // namespace zerotee
