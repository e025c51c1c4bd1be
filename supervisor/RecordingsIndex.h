#pragma once

#include <QJsonArray>
#include <QStringList>

namespace zerotee {

/// The recordings of a camera between two times, for GET /api/recordings: every segment in
/// the camera's recordings folders (SegmentNamer names) that overlaps the span, oldest first,
/// with its start, duration (declared in the file, else up to the next segment or the file's
/// last write) and size. A file still being written (".part") is listed as in progress.
///
/// Thread context: stateless (reads the file system).
class RecordingsIndex {
public:
    static QJsonArray segments(const QStringList &cameraDirs, qint64 fromMs, qint64 toMs);
};

} // namespace zerotee
