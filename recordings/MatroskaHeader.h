#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace zerotee {

/// Reads the segment duration that a Matroska file declares in its header (Segment ▸ Info ▸
/// Duration). matroskamux writes it when the file is finished; a file cut by a crash or kill -9
/// has none or 0. GStreamer's demuxer then estimates the duration from the start of the last
/// cluster, which can be short by a whole cluster, so the page must say "unknown" instead.
/// GStreamer offers no API telling a declared duration from an estimate, hence this reader of
/// the few EBML elements involved (every length is checked against the bytes read).
///
/// Thread context: stateless, thread-safe.
class MatroskaHeader {
public:
    struct Info {
        bool matroska = false;           ///< the file starts with an EBML header + Segment
        std::optional<double> durationS; ///< declared, > 0; nullopt when absent or 0
    };

    /// Reads the start of @p path (at most 256 KiB).
    static Info read(const std::string &path);
    /// The same on bytes already read from the start of a file.
    static Info parse(const unsigned char *data, size_t size);
};

} // namespace zerotee
