#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace zerotee {

/// Which finished recordings to delete, oldest first: those older than the maximum age, then
/// the oldest until the camera's files fit the total size, then the oldest until the file system
/// has the minimum free space. Files in progress are never candidates.
///
/// Pure logic (no file system access); thread-safe.
class RetentionPolicy {
public:
    struct Limits {
        int64_t maxAgeMs = 0;      ///< 0 = no age limit
        int64_t maxTotalBytes = 0; ///< 0 = no size limit
        int64_t minFreeBytes = 0;  ///< 0 = no free-space limit
    };
    struct File {
        std::string path;
        int64_t sizeBytes = 0;
        int64_t startMs = 0; ///< capture start (from the name), ms since the epoch
    };
    enum class Reason { Age, TotalSize, FreeSpace };
    struct Removal {
        File file;
        Reason reason;
    };

    explicit RetentionPolicy(Limits limits) : limits_(limits) {}

    bool enabled() const
    {
        return limits_.maxAgeMs > 0 || limits_.maxTotalBytes > 0 || limits_.minFreeBytes > 0;
    }
    const Limits &limits() const { return limits_; }

    /// The files to delete, in the order to delete them. @p freeBytes is the file system's free
    /// space now; @p inProgress lists paths that must be kept whatever the limits say.
    std::vector<Removal> select(std::vector<File> files, int64_t nowMs, int64_t freeBytes,
                                const std::set<std::string> &inProgress = {}) const;

    static const char *reasonName(Reason reason);

private:
    Limits limits_;
};

/// Retention as a user states it: the recorder's --max-age-hours, --max-total-mb and
/// --min-free-mb, the worker options max_age_hours, max_total_mb and min_free_mb. One place
/// for their ranges and for the conversion to the policy's units.
struct RetentionSettings {
    static constexpr double kMaxAgeHours = 24.0 * 365 * 10;
    static constexpr int64_t kMaxMb = int64_t(1) << 40;

    double maxAgeHours = 0; ///< 0 = no age limit
    int64_t maxTotalMb = 0; ///< MiB; 0 = no size limit
    int64_t minFreeMb = 0;  ///< MiB; 0 = no free-space limit

    /// Hours → ms, MiB → bytes.
    RetentionPolicy::Limits limits() const
    {
        return {.maxAgeMs = int64_t(maxAgeHours * 3600.0 * 1000.0),
                .maxTotalBytes = maxTotalMb << 20,
                .minFreeBytes = minFreeMb << 20};
    }
};

} // namespace zerotee
