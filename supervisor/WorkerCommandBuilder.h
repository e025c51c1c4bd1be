#pragma once

#include "WorkerSpec.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace zerotee {

/// Turns a worker kind and its options into the command line to run.
///
///   recorder → zerotee-recorder --socket PATH --camera NAME --dir DIR
///   rtsp     → zerotee-rtsp --socket PATH --port N [--mount /live]
///   ai       → zerotee-ai --socket PATH
///   custom   → gst-launch-1.0 -e zeroteesrc socket-path=PATH ! …   (option pipeline)
///            → PROGRAM ARGS…, {socket} replaced by the bus path     (option command)
///
/// gst-launch-1.0 is not ours: it finds zeroteesrc through the `zerotee` plugin module, so a
/// custom worker gets this build's plugin folder (pluginDirectory()) in front of its plugin
/// path. Our own workers register their elements in-process and need nothing.
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
        QMap<QString, QString> environment; ///< set on top of the supervisor's
        QString error;                      ///< empty on success
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
    /// The camera whose bus socketPath() is: a recorder names its folder and files after it
    /// (`--camera`, unless the options set `camera` themselves), so two cameras' recordings
    /// never mix.
    QString cameraName() const { return cameraName_; }
    void setCameraName(const QString &name) { cameraName_ = name; }

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

    /// A custom worker's own program: @p command split like a shell line, `{socket}` in any
    /// argument replaced by the bus socket path, the program found like a worker's.
    Command customProgramCommand(const QString &command) const;

    /// The executable that runs @p kind.
    static QString executableName(WorkerKind kind);

    /// The folder holding the `zerotee` plugin module of this build, found relative to the
    /// supervisor's executable: `../gst` in a build tree, the install's plugin folder next to an
    /// installed one. Empty when neither has the module (or there is no application object).
    static QString pluginDirectory();
    /// The variable that puts @p pluginDir first on GStreamer's plugin path, given the
    /// supervisor's environment (GST_PLUGIN_PATH_1_0 when that is set, since GStreamer then
    /// ignores GST_PLUGIN_PATH); empty when @p pluginDir is empty or already on it.
    static QMap<QString, QString> pluginPathEnvironment(const QString &pluginDir);

private:
    QString socketPath_;
    QStringList searchDirectories_;
    QString cameraName_;
};

} // namespace zerotee
