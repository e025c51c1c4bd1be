#include "RetentionPolicy.h"

#include <algorithm>

namespace zerotee {

std::vector<RetentionPolicy::Removal>
RetentionPolicy::select(std::vector<File> files, int64_t nowMs, int64_t freeBytes,
                        const std::set<std::string> &inProgress) const
{
    std::vector<Removal> removals;
    files.erase(std::remove_if(files.begin(), files.end(),
                               [&](const File &file) { return inProgress.count(file.path) > 0; }),
                files.end());
    // Oldest first; the path breaks ties so the order is stable across scans.
    std::sort(files.begin(), files.end(), [](const File &a, const File &b) {
        return a.startMs != b.startMs ? a.startMs < b.startMs : a.path < b.path;
    });
    int64_t total = 0;
    for (const File &file : files)
        total += file.sizeBytes;

    size_t next = 0;
    auto take = [&](Reason reason) {
        total -= files[next].sizeBytes;
        freeBytes += files[next].sizeBytes;
        removals.push_back({files[next], reason});
        ++next;
    };
    if (limits_.maxAgeMs > 0)
        while (next < files.size() && nowMs - files[next].startMs > limits_.maxAgeMs)
            take(Reason::Age);
    if (limits_.maxTotalBytes > 0)
        while (next < files.size() && total > limits_.maxTotalBytes)
            take(Reason::TotalSize);
    if (limits_.minFreeBytes > 0)
        while (next < files.size() && freeBytes < limits_.minFreeBytes)
            take(Reason::FreeSpace);
    return removals;
}

const char *RetentionPolicy::reasonName(Reason reason)
{
    switch (reason) {
    case Reason::Age:
        return "age";
    case Reason::TotalSize:
        return "total-size";
    case Reason::FreeSpace:
        return "free-space";
    }
    return "?";
}

} // namespace zerotee
