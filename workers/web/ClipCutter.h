#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace zerotee {

/// Cuts one MP4 out of a camera's Matroska recordings without re-encoding: the access units
/// from the keyframe at or before @p fromMs up to @p toMs, across segment boundaries, copied
/// as they are (matroskademux → appsink, appsrc → mp4mux). Segments are found by their names
/// (SegmentNamer) and held with a shared flock() while they are read, which the recorder's
/// retention respects: a segment being cut is never deleted under the cut.
///
/// Thread context: run() owns the calling thread.
class ClipCutter {
public:
    struct Segment {
        std::string path;
        int64_t startMs = 0;
    };

    /// The camera folder's segments (finished and in progress) that may hold frames between
    /// @p fromMs and @p toMs: the last one starting at or before @p fromMs and every later one
    /// starting before @p toMs, oldest first.
    static std::vector<Segment> segmentsBetween(const std::string &cameraDir, int64_t fromMs,
                                                int64_t toMs);

    /// Writes the clip to @p outPath. Returns "" or why not (no recording in the span, ...).
    static std::string cut(const std::string &cameraDir, int64_t fromMs, int64_t toMs,
                           const std::string &outPath);
};

} // namespace zerotee
