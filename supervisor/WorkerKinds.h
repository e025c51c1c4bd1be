#pragma once

#include "WorkerSpec.h"

#include <QString>
#include <QStringList>

namespace zerotee {

/// What the supervisor knows of each kind of worker, in one row: its name in configuration and
/// status, the program it runs, the option keys that program takes (each `key` becomes a
/// `--key` flag, underscores as dashes; the worker checks the values, the supervisor catches
/// unknown keys early), whether it reads commands on stdin, and whether a user may configure
/// one (encoders are made by the supervisor, one per camera stream in use).
///
/// Thread context: any (constant data).
struct WorkerKindInfo {
    WorkerKind kind;
    QString name;
    QString program;
    QStringList optionKeys;
    bool acceptsInput = false; ///< JSON commands on stdin (the recorder's event triggers)
    bool configurable = true;  ///< may appear as `[[worker]] kind = …`

    /// The row of @p kind.
    static const WorkerKindInfo &of(WorkerKind kind);
    /// The row named @p name, or nullptr.
    static const WorkerKindInfo *named(QStringView name);
    /// "recorder, rtsp, ai or custom": the kinds a user may configure, for messages.
    static QString configurableNames();
};

} // namespace zerotee
