#pragma once

#include "RetentionPolicy.h"
#include "SegmentNamer.h"

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace zerotee {

/// The recorder's view of its storage: free space, the camera's finished files, leftovers of a
/// crash, and the deletions retention asks for. Errors are returned as -errno, never thrown.
///
/// Thread context: thread-bound (the main loop).
class DiskMonitor {
public:
    explicit DiskMonitor(const SegmentNamer &namer);

    /// Free bytes for an unprivileged writer on the file system of the recordings directory
    /// (or of its nearest existing ancestor); -errno on failure.
    int64_t freeBytes() const;
    /// Creates the folders for @p path (mkdir -p of its parent); 0 or -errno.
    static int makeParentDirs(const std::string &path);
    /// The camera's finished recordings (in-progress ".part" files are not listed).
    std::vector<RetentionPolicy::File> finishedFiles() const;
    /// The ".part" files below the camera folder (left by a crash when nothing is recording).
    std::vector<std::string> partFiles() const;
    /// Renames every leftover ".part" file to its final name (Matroska and fragmented MP4 stay
    /// playable after a crash) and returns the final names. Empty ones are deleted instead.
    std::vector<std::string> recoverLeftovers() const;
    /// True when @p path starts like a Matroska or MP4 file. A file cut before its header was
    /// written (a full disk at the start of a segment) holds no video and is deleted instead of
    /// being kept under a final name.
    static bool hasContainerHeader(const std::string &path);
    /// Cuts an unfinished write off the end of a Matroska file (MatroskaTail), logging what it
    /// did; other files are left alone.
    static void repairTail(const std::string &path);
    /// Renames an in-progress file to its final name, or deletes it if it has no header.
    /// Returns the final name, or "" when it was deleted or could not be renamed.
    static std::string finalize(const std::string &partPath);
    /// True when another process holds a lock on @p path (zerotee-clip reading it).
    static bool inUseByReader(const std::string &path);
    /// Applies @p policy and deletes what it selects, except files being read (inUseByReader);
    /// empty day folders go too. Returns what was deleted.
    std::vector<RetentionPolicy::Removal> enforce(const RetentionPolicy &policy, int64_t nowMs,
                                                  const std::set<std::string> &inProgress) const;

private:
    template <typename Visit> void forEachFile(Visit visit) const;

    const SegmentNamer &namer_;
};

} // namespace zerotee
