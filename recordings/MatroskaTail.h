#pragma once

#include <cstdint>
#include <string>

namespace zerotee {

/// Repairs the end of a Matroska file whose last write failed half-way (disk full, power cut):
/// the file is cut back to the end of its last complete element (a whole SimpleBlock inside the
/// last Cluster), and a Cluster or Segment size that now points past the end is marked
/// "unknown", which EBML allows for a live stream. Every frame written completely stays; a
/// player then reaches the end without "File ended prematurely".
///
/// Thread context: stateless; safe from any thread (it only touches the file it is given).
class MatroskaTail {
public:
    /// Bytes cut from @p path (0 when it ends cleanly or is not Matroska), or a negative errno.
    static int64_t trim(const std::string &path);
};

} // namespace zerotee
