#include "WorkerSpec.h"

namespace zerotee {

QString workerKindName(WorkerKind kind)
{
    switch (kind) {
    case WorkerKind::Recorder:
        return QStringLiteral("recorder");
    case WorkerKind::Rtsp:
        return QStringLiteral("rtsp");
    case WorkerKind::Ai:
        return QStringLiteral("ai");
    case WorkerKind::Custom:
        return QStringLiteral("custom");
    case WorkerKind::Encoder:
        return QStringLiteral("encoder");
    }
    return QStringLiteral("custom");
}

std::optional<WorkerKind> workerKindFromName(QStringView name)
{
    for (WorkerKind kind : {WorkerKind::Recorder, WorkerKind::Rtsp, WorkerKind::Ai,
                            WorkerKind::Custom, WorkerKind::Encoder}) {
        if (name == workerKindName(kind))
            return kind;
    }
    return std::nullopt;
}

QString WorkerSpec::validateName(QStringView name)
{
    if (name.isEmpty())
        return QStringLiteral("worker name is empty");
    if (name.size() > 64)
        return QStringLiteral("worker name '%1' is longer than 64 characters").arg(name);
    for (QChar c : name) {
        const bool ok = (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') ||
                        (c >= u'0' && c <= u'9') || c == u'-' || c == u'_';
        if (!ok)
            return QStringLiteral("worker name '%1' may only contain letters, digits, '-' and '_'")
                .arg(name);
    }
    return {};
}

} // namespace zerotee
