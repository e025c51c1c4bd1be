#pragma once

#include "WorkerSpec.h"

#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace zerotee {

/// Turns a worker kind and its options into the command line to run.
///
///   recorder → zerotee-recorder --socket PATH --dir DIR
///   rtsp     → zerotee-rtsp --socket PATH --port N [--mount /live]
///   ai       → zerotee-ai --socket PATH
///   custom   → gst-launch-1.0 -e zeroteesrc socket-path=PATH ! …
///
/// Executables are looked up next to the supervisor (QCoreApplication::applicationDirPath())
/// first, so an installed or build-tree supervisor runs its own workers, then in the configured
/// search directories, then in PATH. Unknown option keys are errors, so a typo in a
/// configuration file is reported rather than silently ignored.
///
/// Thread context: a value type; const methods may be called from any thread.
class WorkerCommandBuilder {
public:
    struct Command {
        QString program; ///< absolute path
        QStringList arguments;
        QString error; ///< empty on success
        bool ok() const { return error.isEmpty(); }
    };

    WorkerCommandBuilder() = default;
    explicit WorkerCommandBuilder(QString socketPath, QStringList searchDirectories = {})
        : socketPath_(std::move(socketPath)), searchDirectories_(std::move(searchDirectories))
    {
    }

    QString socketPath() const { return socketPath_; }
    void setSocketPath(const QString &path) { socketPath_ = path; }
    QStringList searchDirectories() const { return searchDirectories_; }
    void setSearchDirectories(const QStringList &dirs) { searchDirectories_ = dirs; }

    /// The command for @p kind with @p options, or an error naming the problem.
    Command build(WorkerKind kind, const QVariantMap &options) const;
    /// Fills @p spec's program and arguments unless it has a program already. Returns an empty
    /// string or the error.
    QString complete(WorkerSpec &spec) const;

    /// Absolute path of executable @p name, or empty (with the places searched in @p searched).
    QString findExecutable(const QString &name, QString *searched = nullptr) const;

    /// Splits a gst-launch description into gst-launch-1.0 arguments, checks it begins with
    /// zeroteesrc and adds socket-path=@p socketPath to that element when it has none.
    static Command customPipelineArguments(const QString &pipeline, const QString &socketPath);

    /// The executable that runs @p kind.
    static QString executableName(WorkerKind kind);

private:
    QString socketPath_;
    QStringList searchDirectories_;
};

} // namespace zerotee
