#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QString>
#include <array>
#include <string_view>

namespace zerotee::protocol {

/// The lines between a worker and the supervisor, one JSON object per line (docs/protocol.md,
/// "Worker reports and commands"); both sides build and read them here:
///
///   worker → supervisor, stdout:  {"v":1,"type":"stats",...}   (WorkerReporter)
///   supervisor → worker, stdin:   {"v":1,"type":"trigger","label":"motion"}
///
/// "v" is the version of these lines. A line without it is version 1 (custom workers and scripts
/// written before it). A reader takes every version up to its own and says once when a peer
/// speaks a newer one; unknown types are ignored, so a newer worker's extra reports are harmless.
inline constexpr int kVersion = 1;
inline constexpr QLatin1StringView kVersionKey{"v"};
inline constexpr QLatin1StringView kTypeKey{"type"};

/// What a worker reports.
enum class Report {
    Stats,     ///< the worker's figures, replacing the previous ones (status "reported")
    Detection, ///< an AI detection: label, score, box, pts_ns
    Event,     ///< something happened: label (below for the recorder's), details
    Unknown,   ///< a type this version does not know (a newer worker's)
};

/// The labels of the recorder's Event reports, each with the file it is about ("file").
namespace recorder_event {
inline constexpr QLatin1StringView kSegmentOpened{"segment-opened"};   ///< a segment started
inline constexpr QLatin1StringView kSegmentClosed{"segment-closed"};   ///< a segment finished
inline constexpr QLatin1StringView kSegmentDeleted{"segment-deleted"}; ///< retention: "reason"
inline constexpr QLatin1StringView kSegmentRecovered{
    "segment-recovered"};                                                ///< renamed after a crash
inline constexpr QLatin1StringView kTriggerExtended{"trigger-extended"}; ///< a trigger extended it
} // namespace recorder_event

/// What the supervisor tells a worker that reads commands (WorkerKindInfo::acceptsInput).
enum class Command {
    Trigger, ///< record around now (event mode): label
    Unknown,
};

namespace detail {
inline constexpr std::array<std::pair<Report, std::string_view>, 3> kReports{{
    {Report::Stats, "stats"},
    {Report::Detection, "detection"},
    {Report::Event, "event"},
}};
} // namespace detail

inline QString name(Report report)
{
    for (const auto &[r, text] : detail::kReports)
        if (r == report)
            return QString::fromLatin1(text.data(), qsizetype(text.size()));
    return QStringLiteral("unknown");
}

/// The version a line says it speaks (1 when it does not say).
inline int versionOf(const QJsonObject &line)
{
    return line.value(kVersionKey).toInt(1);
}

inline Report reportOf(const QJsonObject &line)
{
    const QString type = line.value(kTypeKey).toString();
    for (const auto &[r, text] : detail::kReports)
        if (type == QLatin1StringView(text.data(), qsizetype(text.size())))
            return r;
    return Report::Unknown;
}

/// A report line's object: @p fields with the version and the type.
inline QJsonObject makeReport(Report report, QJsonObject fields)
{
    fields.insert(kVersionKey, kVersion);
    fields.insert(kTypeKey, name(report));
    return fields;
}

inline Command commandOf(const QJsonObject &line)
{
    return line.value(kTypeKey).toString() == QLatin1StringView("trigger") ? Command::Trigger
                                                                           : Command::Unknown;
}

/// The trigger command line (no newline) for @p label.
inline QByteArray triggerLine(const QString &label)
{
    return QJsonDocument(QJsonObject{{kVersionKey, kVersion},
                                     {kTypeKey, QStringLiteral("trigger")},
                                     {QStringLiteral("label"), label}})
        .toJson(QJsonDocument::Compact);
}

} // namespace zerotee::protocol
