#include "WorkerKinds.h"

#include <array>

namespace zerotee {

namespace {

const std::array<WorkerKindInfo, 5> &table()
{
    static const std::array<WorkerKindInfo, 5> rows{{
        {WorkerKind::Recorder,
         QStringLiteral("recorder"),
         QStringLiteral("zerotee-recorder"),
         {QStringLiteral("dir"), QStringLiteral("camera"), QStringLiteral("segment_seconds"),
          QStringLiteral("container"), QStringLiteral("bitrate"), QStringLiteral("gop"),
          QStringLiteral("profile"), QStringLiteral("encoded"), QStringLiteral("codec"),
          QStringLiteral("encoder"), QStringLiteral("max_age_hours"),
          QStringLiteral("max_total_mb"), QStringLiteral("min_free_mb"), QStringLiteral("mode"),
          QStringLiteral("pre_event_seconds"), QStringLiteral("post_event_seconds"),
          QStringLiteral("queue_seconds"), QStringLiteral("stream")},
         true,
         true},
        {WorkerKind::Rtsp,
         QStringLiteral("rtsp"),
         QStringLiteral("zerotee-rtsp"),
         {QStringLiteral("port"), QStringLiteral("bind"), QStringLiteral("mount"),
          QStringLiteral("size"), QStringLiteral("fps"), QStringLiteral("bitrate"),
          QStringLiteral("gop"), QStringLiteral("encoded"), QStringLiteral("codec"),
          QStringLiteral("auth"), QStringLiteral("user"), QStringLiteral("tls_cert"),
          QStringLiteral("tls_key"), QStringLiteral("multicast_range"), QStringLiteral("push"),
          QStringLiteral("mount_profile"), QStringLiteral("encoder"), QStringLiteral("scaler"),
          QStringLiteral("stream")},
         false,
         true},
        {WorkerKind::Ai,
         QStringLiteral("ai"),
         QStringLiteral("zerotee-ai"),
         {QStringLiteral("detector"), QStringLiteral("fps"), QStringLiteral("labels"),
          QStringLiteral("score"), QStringLiteral("nms"), QStringLiteral("roi"),
          QStringLiteral("min_area"), QStringLiteral("sensitivity"), QStringLiteral("hold"),
          QStringLiteral("min_hits"), QStringLiteral("input_size"), QStringLiteral("layout"),
          QStringLiteral("work_width"), QStringLiteral("threads")},
         false,
         true},
        // A gst-launch-1.0 pipeline, or a program of the user's own (option command).
        {WorkerKind::Custom,
         QStringLiteral("custom"),
         QStringLiteral("gst-launch-1.0"),
         {QStringLiteral("pipeline"), QStringLiteral("command")},
         false,
         true},
        {WorkerKind::Encoder,
         QStringLiteral("encoder"),
         QStringLiteral("zerotee-encoder"),
         {QStringLiteral("output"), QStringLiteral("stream"), QStringLiteral("codec"),
          QStringLiteral("bitrate"), QStringLiteral("gop"), QStringLiteral("size"),
          QStringLiteral("fps"), QStringLiteral("profile"), QStringLiteral("encoder"),
          QStringLiteral("scaler"), QStringLiteral("always_on"), QStringLiteral("allow_users"),
          QStringLiteral("allow_groups")},
         false,
         false},
    }};
    return rows;
}

} // namespace

const WorkerKindInfo &WorkerKindInfo::of(WorkerKind kind)
{
    for (const WorkerKindInfo &row : table())
        if (row.kind == kind)
            return row;
    Q_UNREACHABLE(); // every enumerator has a row
}

const WorkerKindInfo *WorkerKindInfo::named(QStringView name)
{
    for (const WorkerKindInfo &row : table())
        if (name == row.name)
            return &row;
    return nullptr;
}

QString WorkerKindInfo::configurableNames()
{
    QStringList names;
    for (const WorkerKindInfo &row : table())
        if (row.configurable)
            names << row.name;
    const QString last = names.takeLast();
    return names.join(QStringLiteral(", ")) + QStringLiteral(" or ") + last;
}

} // namespace zerotee
