#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace zerotee {

/// Names recordings: DIR/<camera>/<YYYY-MM-DD>/<camera>_<YYYYMMDDTHHMMSS.mmmZ>[_<label>].<ext>,
/// by capture start time (or event time) in UTC, so names sort by time. A file being written
/// carries the extra suffix ".part" and is renamed to its final name when it is closed.
///
/// Pure functions of their arguments; thread-safe.
class SegmentNamer {
public:
    static constexpr const char *kPartSuffix = ".part";

    SegmentNamer(std::string dir, std::string camera, std::string extension);

    /// The camera's folder: DIR/<camera>.
    std::string cameraDir() const;
    /// The final path of a file starting at @p utcMs (ms since the Unix epoch), with an optional
    /// label (already sanitised; empty = none).
    std::string finalPath(int64_t utcMs, const std::string &label = {}) const;
    /// The in-progress path of the same file (finalPath + ".part").
    std::string partPath(int64_t utcMs, const std::string &label = {}) const;

    /// True when @p path ends in ".part".
    static bool isPart(const std::string &path);
    /// @p path without a trailing ".part".
    static std::string finalFromPart(const std::string &path);
    /// The time encoded in a recording's file name (base name or path), if it is one of ours.
    static std::optional<int64_t> timeFromName(const std::string &path);
    /// Keeps letters, digits, '-' and '_' (others become '-'), at most 32 characters.
    static std::string sanitiseLabel(const std::string &label);

private:
    std::string dir_;
    std::string camera_;
    std::string extension_;
};

} // namespace zerotee
