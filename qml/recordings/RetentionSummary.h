#pragma once

#include "RecordingEntry.h"
#include "RetentionPolicy.h"

#include <QString>
#include <QVariantMap>

#include <vector>

namespace zerotee {

/// What the recorder's retention does with a folder, in words for the operator, and which
/// recordings it would delete now. The limits come from the recorder worker's options as the
/// configuration writes them (max_age_hours, max_total_mb, min_free_mb), checked by the
/// recorder's own option parser; the selection is the recorder's own RetentionPolicy, applied per
/// camera as each recorder does.
///
/// Thread context: stateless, thread-safe.
class RetentionSummary {
public:
    /// Reads the three retention keys of @p options (other keys are ignored). Returns false with
    /// @p error naming the key and the accepted values when one is wrong.
    static bool limitsFromOptions(const QVariantMap &options, RetentionPolicy::Limits *limits,
                                  QString *error);
    /// One sentence, e.g. "Oldest deleted first: older than 48 h; over 2000 MB per camera."
    static QString describe(const RetentionPolicy::Limits &limits);

    struct Due {
        int files = 0;
        qint64 bytes = 0;
    };
    /// Recordings the limits select now (the recorder deletes them at its next check).
    static Due due(const RetentionPolicy::Limits &limits,
                   const std::vector<RecordingEntry> &entries, qint64 nowMs, qint64 freeBytes);
};

} // namespace zerotee
