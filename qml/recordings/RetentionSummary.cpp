#include "RetentionSummary.h"

#include <QHash>
#include <QStringList>

namespace zerotee {

namespace {

QString number(double value)
{
    return QString::number(value, 'g', 6);
}

/// The option @p key of @p options as a number from 0 to @p max; an absent key is 0.
bool optionNumber(const QVariantMap &options, const char *key, double max, bool integer,
                  double *value, QString *error)
{
    const QVariant option = options.value(QLatin1String(key));
    *value = 0;
    if (!option.isValid() || option.isNull())
        return true;
    bool ok = false;
    const double parsed = option.toString().toDouble(&ok);
    if (ok && parsed >= 0 && parsed <= max && (!integer || parsed == double(int64_t(parsed)))) {
        *value = parsed;
        return true;
    }
    if (error)
        *error = QStringLiteral("Retention setting of the recorder is wrong (%1: '%2' is not %3 "
                                "from 0 to %4): fix it in the recorder's options.")
                     .arg(QLatin1String(key), option.toString(),
                          integer ? QStringLiteral("a whole number") : QStringLiteral("a number"),
                          number(max));
    return false;
}

} // namespace

bool RetentionSummary::limitsFromOptions(const QVariantMap &options,
                                         RetentionPolicy::Limits *limits, QString *error)
{
    double hours = 0, totalMb = 0, freeMb = 0;
    if (!optionNumber(options, "max_age_hours", RetentionSettings::kMaxAgeHours, false, &hours,
                      error) ||
        !optionNumber(options, "max_total_mb", double(RetentionSettings::kMaxMb), true, &totalMb,
                      error) ||
        !optionNumber(options, "min_free_mb", double(RetentionSettings::kMaxMb), true, &freeMb,
                      error))
        return false;
    *limits = RetentionSettings{hours, int64_t(totalMb), int64_t(freeMb)}.limits();
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
