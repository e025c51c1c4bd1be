#pragma once

#include "RecordingEntry.h"

#include <QStringList>

#include <optional>
#include <vector>

namespace zerotee {

/// Lists the recordings below a recorder's output folder. Only names the recorder makes are
/// listed (checked by rebuilding them with the recorder's SegmentNamer), so files of other
/// tools and ".part" files still being written are left out.
///
/// Thread context: stateless, thread-safe (the model runs scan() on a pool thread).
class RecordingScanner {
public:
    struct Result {
        std::vector<RecordingEntry> entries; ///< newest first
        QStringList directories;             ///< root, camera and day folders, to watch
        QString error;                       ///< empty, or why the root could not be read
    };

    /// Scans @p root (<root>/<camera>/<day>/<file>).
    static Result scan(const QString &root);
    /// Parses one file name found in <root>/<camera>/<day>/; nullopt when the recorder would not
    /// have made this name there (the size and times are left 0).
    static std::optional<RecordingEntry> parse(const QString &root, const QString &camera,
                                               const QString &day, const QString &fileName);
};

} // namespace zerotee
