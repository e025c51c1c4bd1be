#pragma once

#include "WorkerCommandBuilder.h"
#include "WorkerProcess.h"
#include "WorkerSpec.h"

#include <QDeadlineTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QString>

#include <memory>
#include <vector>

namespace zerotee {

/// Owns the worker processes by name and is what the control API and the configuration talk to.
///
/// Every operation reports failure as a Result with a message fit for a user ("no worker named
/// 'rtsp3'", "a worker named 'rtsp' exists already", the command builder's errors); nothing
/// here asserts on user input. remove() is asynchronous: the worker stops gracefully, keeps its
/// name reserved meanwhile (so a new worker cannot collide with the old one's port or files) and
/// is deleted afterwards (workerRemoved()).
///
/// Thread context: thread-bound to the main thread (as its WorkerProcess objects are).
class WorkerManager : public QObject {
    Q_OBJECT

public:
    struct Result {
        QString error; ///< empty on success
        WorkerProcess *worker = nullptr;
        bool ok() const { return error.isEmpty(); }
    };

    explicit WorkerManager(WorkerCommandBuilder builder = {}, QObject *parent = nullptr);
    /// Workers still running are killed and reaped; call stopAll() first for a graceful end.
    ~WorkerManager() override;

    /// Socket path and search directories used to build worker command lines.
    WorkerCommandBuilder &commandBuilder() { return builder_; }
    const WorkerCommandBuilder &commandBuilder() const { return builder_; }

    /// Validates @p spec (name, kind options, program), creates the worker and, if @p start,
    /// starts it.
    Result add(WorkerSpec spec, bool start = true);
    /// Stops the worker gracefully and deletes it once stopped; workerRemoved() follows.
    Result remove(const QString &name);
    Result start(const QString &name);
    Result stop(const QString &name);
    Result restart(const QString &name);

    /// Stops every worker, one after the other in reverse order of adding, each gracefully,
    /// spinning a local event loop meanwhile. Workers still running when @p deadlineMs has
    /// passed are killed (SIGKILL) and reaped. Returns true if all stopped within the deadline.
    bool stopAll(int deadlineMs = 20'000);

    /// The workers in the order they were added (without those being removed).
    QList<WorkerProcess *> workers() const;
    WorkerProcess *worker(const QString &name) const;
    /// True if @p name is in use, also by a worker that is being removed.
    bool isNameTaken(const QString &name) const;
    /// @p base if free, else "base-2", "base-3", … (for `add KIND` without a name).
    QString uniqueName(const QString &base) const;
    QString uniqueName(WorkerKind kind) const { return uniqueName(workerKindName(kind)); }

    /// WorkerProcess::status() of every worker, in order.
    QJsonArray snapshot() const;

signals:
    void workerAdded(const QString &name);
    void workerRemoved(const QString &name);
    void workerStateChanged(const QString &name, zerotee::WorkerProcess::State state);
    void workerReport(const QString &name, const QJsonObject &report);

private:
    Result notFound(const QString &name) const;
    void retire(std::unique_ptr<WorkerProcess> worker);
    void finishRetiring(WorkerProcess *worker);
    /// Spins an event loop until @p worker has no process or @p deadline passes.
    static bool waitUntilIdle(WorkerProcess *worker, const QDeadlineTimer &deadline);

    WorkerCommandBuilder builder_;
    std::vector<std::unique_ptr<WorkerProcess>> workers_;
    std::vector<std::unique_ptr<WorkerProcess>> retiring_;
};

} // namespace zerotee
