#include "WorkerSpec.h"

#include "WorkerKinds.h"

namespace zerotee {

QString workerKindName(WorkerKind kind)
{
    return WorkerKindInfo::of(kind).name;
}

std::optional<WorkerKind> workerKindFromName(QStringView name)
{
    const WorkerKindInfo *info = WorkerKindInfo::named(name);
    return info ? std::optional(info->kind) : std::nullopt;
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
