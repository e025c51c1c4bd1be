#pragma once

#include "RestartPolicy.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QVariantMap>

#include <optional>

namespace zerotee {

/// The kinds of worker the supervisor knows how to launch. Encoder workers (one per camera
/// stream in use) are started by the supervisor itself for the recorders and RTSP workers.
enum class WorkerKind { Recorder, Rtsp, Ai, Custom, Encoder };

/// "recorder", "rtsp", "ai", "custom", "encoder" (WorkerKinds.h has each kind's row).
QString workerKindName(WorkerKind kind);
std::optional<WorkerKind> workerKindFromName(QStringView name);

/// How long a graceful stop waits at each step before escalating.
struct StopTimeouts {
    /// After SIGINT (our workers and `gst-launch-1.0 -e` send EOS and finalize files).
    int interruptMs = 8'000;
    /// After SIGTERM, before SIGKILL.
    int terminateMs = 3'000;
};

/// What to run for one worker, and how to look after it.
///
/// `program` + `arguments` are normally left empty and filled in by WorkerCommandBuilder from
/// `kind` and `options`; a spec that sets `program` itself (an absolute path) is run as given,
/// which is how tests run stub workers and how a site can run a worker we do not know.
///
/// Thread context: a plain value type.
struct WorkerSpec {
    /// Unique among the workers; [A-Za-z0-9_-], at most 64 characters (it becomes part of the
    /// logging category `zerotee.worker.<name>`).
    QString name;
    WorkerKind kind = WorkerKind::Custom;
    /// Kind options: recorder {dir}, rtsp {port, mount}, ai {}, custom {pipeline}.
    QVariantMap options;

    QString program;
    QStringList arguments;
    /// Variables set for this worker on top of the supervisor's own environment (a custom
    /// worker's gst-launch-1.0 gets the plugin folder of this build, WorkerCommandBuilder).
    QMap<QString, QString> environment;

    RestartPolicy::Settings restart;
    StopTimeouts stop;
    /// Starting → Running after this long even without a first report (0: at once).
    int startGraceMs = 1'000;
    /// The worker reads commands from stdin (one JSON object per line); others get /dev/null.
    bool acceptsInput = false;

    /// Empty if @p name is acceptable as a worker name, else why not.
    static QString validateName(QStringView name);
};

} // namespace zerotee
