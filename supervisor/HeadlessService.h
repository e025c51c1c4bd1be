#pragma once

#include "CommandLine.h"
#include "Supervisor.h"

#include <QObject>
#include <memory>

namespace zerotee {

class ControlService;
class ControlSocketServer;
class HttpApi;
class MqttBridge;
class SystemdNotifier;
class UnixSignalWatcher;
class WorkerSetStore;

/// The service around the Supervisor: control socket, HTTP API, MQTT bridge, systemd
/// notification, clean
/// shutdown on SIGTERM/SIGINT (workers stopped in order, recordings finalized), and the worker
/// set kept across restarts when CommandLine::stateFile is set. The panel runs the same service
/// with a window on top.
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
    /// The supervisor while the service is up (started and not yet shut down), else null.
    Supervisor *supervisorIfUp() { return shutDown_ ? nullptr : supervisor_.get(); }
    /// Null when the worker set is not kept.
    WorkerSetStore *workerSetStore() { return store_.get(); }

    /// For the panel's preview; set before start() (see Supervisor::setCaptureBranchFactory).
    void setCaptureBranchFactory(Supervisor::CaptureBranchFactory factory)
    {
        branchFactory_ = std::move(factory);
    }

signals:
    /// shutdown() begins: nothing of the service may be used after it returns.
    void shuttingDown();
    /// A signal (SIGTERM, SIGINT, SIGHUP) shut the service down.
    void finished();

private:
    CommandLine commandLine_;
    std::unique_ptr<Supervisor> supervisor_;
    std::unique_ptr<ControlService> control_;
    std::unique_ptr<ControlSocketServer> controlSocket_;
    std::unique_ptr<HttpApi> http_;
    std::unique_ptr<MqttBridge> mqtt_;
    std::unique_ptr<SystemdNotifier> systemd_;
    std::unique_ptr<UnixSignalWatcher> signals_;
    std::unique_ptr<WorkerSetStore> store_;
    Supervisor::CaptureBranchFactory branchFactory_;
    bool shutDown_ = false;
};

/// Applies --log-level to Qt's logging rules.
void applyLogLevel(const QString &level);

} // namespace zerotee
