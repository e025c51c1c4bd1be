#pragma once

#include "SupervisorConfig.h"

#include <QHash>
#include <QObject>
#include <QTimer>

#include <optional>

namespace zerotee {

class Supervisor;

/// Remembers the set of workers across restarts: which workers exist (kind, camera, options)
/// and whether each should run. Whatever changes them — the panel, zeroteectl, the HTTP API —
/// goes through the WorkerManager, whose signals this store follows; the file is rewritten
/// (atomically, QSaveFile) shortly after each change. At the next start the saved set replaces
/// the configuration's [[worker]] list; cameras and everything else still come from the
/// configuration.
///
/// "Should run" is the operator's intent, not the current state: a start (Starting) sets it, a
/// stop (Stopping) clears it, crashes and back-offs leave it alone. Call freeze() before a
/// shutdown stops the workers, or every worker would be remembered as stopped.
///
/// File (JSON, version 1):
///   {"version":1,"workers":[{"name":"recorder","kind":"recorder","camera":"cam0",
///                            "autostart":true,"options":{"dir":"/var/lib/zerotee/rec"}}]}
///
/// Thread context: thread-bound to the main thread.
class WorkerSetStore : public QObject {
    Q_OBJECT

public:
    WorkerSetStore(QString path, Supervisor &supervisor, QObject *parent = nullptr);

    /// $XDG_STATE_HOME/zerotee/workers.json (~/.local/state/zerotee/workers.json).
    static QString defaultPath();

    /// The workers saved in @p path; nullopt when there is no file (first start) or it cannot
    /// be used (then @p error says why, and the configuration's workers should be used).
    static std::optional<QList<WorkerConfig>> load(const QString &path, QString *error);

    /// Follows the supervisor's workers from now on (call after Supervisor::start()) and writes
    /// the file once.
    void watch();
    /// Writes now what is pending and stops following changes.
    void freeze();
    /// Writes the current set; false with @p error on failure.
    bool save(QString *error = nullptr);

    QString path() const { return path_; }

signals:
    /// After each write (tests wait for it).
    void saved();

private:
    void scheduleSave();

    QString path_;
    Supervisor &supervisor_;
    QHash<QString, bool> wanted_;
    QTimer saveTimer_;
    bool frozen_ = false;
};

} // namespace zerotee
