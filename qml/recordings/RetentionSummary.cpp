#include "RetentionSummary.h"

#include "RecorderOptions.h"

#include <QHash>
#include <QStringList>

namespace zerotee {

namespace {

// The configuration's keys and the recorder flags they become (WorkerCommandBuilder turns '_'
// into '-').
const char *const kRetentionKeys[] = {"max_age_hours", "max_total_mb", "min_free_mb"};

QString number(double value)
{
    return QString::number(value, 'g', 6);
}

} // namespace

bool RetentionSummary::limitsFromOptions(const QVariantMap &options,
                                         RetentionPolicy::Limits *limits, QString *error)
{
    // The recorder needs --socket and --dir to parse; only the retention values matter here.
    QStringList arguments{QStringLiteral("zerotee-recorder"), QStringLiteral("--socket"),
                          QStringLiteral("unused"), QStringLiteral("--dir"),
                          QStringLiteral("unused")};
    for (const char *key : kRetentionKeys) {
        const QVariant value = options.value(QLatin1String(key));
        if (!value.isValid() || value.isNull())
            continue;
        arguments << QStringLiteral("--") + QString::fromLatin1(key).replace(u'_', u'-')
                  << value.toString();
    }
    RecorderOptions parsed;
    std::string message;
    bool help = false;
    if (!RecorderOptions::parse(arguments, parsed, message, help)) {
        if (error)
            *error = QStringLiteral("Retention setting of the recorder is wrong (%1): fix it in "
                                    "the recorder's options.")
                         .arg(QString::fromStdString(message));
        return false;
    }
    // The same conversion as the recorder's (RecorderWorker): hours → ms, MiB → bytes.
    *limits = {.maxAgeMs = int64_t(parsed.maxAgeHours * 3600.0 * 1000.0),
               .maxTotalBytes = parsed.maxTotalMb << 20,
               .minFreeBytes = parsed.minFreeMb << 20};
    return true;
}

QString RetentionSummary::describe(const RetentionPolicy::Limits &limits)
{
    if (!RetentionPolicy(limits).enabled())
        return QStringLiteral("No retention limit: recordings stay until deleted here. Keep an "
                              "eye on the free space.");
    QStringList rules;
    if (limits.maxAgeMs > 0)
        rules << QStringLiteral("older than %1 h").arg(number(double(limits.maxAgeMs) / 3.6e6));
    if (limits.maxTotalBytes > 0)
        rules << QStringLiteral("beyond %1 MB per camera").arg(limits.maxTotalBytes >> 20);
    if (limits.minFreeBytes > 0)
        rules << QStringLiteral("while less than %1 MB is free").arg(limits.minFreeBytes >> 20);
    return QStringLiteral("The recorder deletes the oldest recordings first: %1.")
        .arg(rules.join(QStringLiteral("; ")));
}

RetentionSummary::Due RetentionSummary::due(const RetentionPolicy::Limits &limits,
                                            const std::vector<RecordingEntry> &entries,
                                            qint64 nowMs, qint64 freeBytes)
{
    Due due;
    const RetentionPolicy policy(limits);
    if (!policy.enabled())
        return due;
    QHash<QString, std::vector<RetentionPolicy::File>> byCamera;
    for (const RecordingEntry &entry : entries) {
        byCamera[entry.camera].push_back({.path = entry.filePath.toStdString(),
                                          .sizeBytes = entry.sizeBytes,
                                          .startMs = entry.startMs});
    }
    for (auto it = byCamera.begin(); it != byCamera.end(); ++it) {
        for (const RetentionPolicy::Removal &removal :
             policy.select(std::move(it.value()), nowMs, freeBytes)) {
            ++due.files;
            due.bytes += removal.file.sizeBytes;
        }
    }
    return due;
}

} // namespace zerotee
