#include "DiskMonitor.h"

#include "MatroskaTail.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/statvfs.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace zerotee {

DiskMonitor::DiskMonitor(const SegmentNamer &namer) : namer_(namer) {}

int64_t DiskMonitor::freeBytes() const
{
    fs::path path = namer_.cameraDir();
    std::error_code ec;
    while (!fs::exists(path, ec) && path.has_parent_path() && path != path.parent_path())
        path = path.parent_path();
    struct statvfs st {};
    if (statvfs(path.c_str(), &st) != 0)
        return -errno;
    return int64_t(st.f_bavail) * int64_t(st.f_frsize);
}

int DiskMonitor::makeParentDirs(const std::string &path)
{
    std::error_code ec;
    fs::create_directories(fs::path(path).parent_path(), ec);
    return ec ? -ec.value() : 0;
}

template <typename Visit> void DiskMonitor::forEachFile(Visit visit) const
{
    // DIR/<camera>/<day>/<file>: two levels, no deeper. Iterators advance with an error code so
    // a folder vanishing under us ends the walk instead of throwing.
    std::error_code ec;
    for (fs::directory_iterator day(namer_.cameraDir(), ec), end; !ec && day != end;
         day.increment(ec)) {
        std::error_code dayError;
        if (!day->is_directory(dayError))
            continue;
        for (fs::directory_iterator entry(day->path(), dayError); !dayError && entry != end;
             entry.increment(dayError)) {
            std::error_code fileError;
            if (entry->is_regular_file(fileError))
                visit(*entry);
        }
    }
}

std::vector<RetentionPolicy::File> DiskMonitor::finishedFiles() const
{
    std::vector<RetentionPolicy::File> files;
    forEachFile([&](const fs::directory_entry &entry) {
        const std::string path = entry.path().string();
        if (SegmentNamer::isPart(path))
            return;
        const auto start = SegmentNamer::timeFromName(path);
        if (!start)
            return; // not one of ours: never touched
        std::error_code ec;
        const auto size = entry.file_size(ec);
        files.push_back({path, ec ? 0 : int64_t(size), *start});
    });
    return files;
}

std::vector<std::string> DiskMonitor::partFiles() const
{
    std::vector<std::string> parts;
    forEachFile([&](const fs::directory_entry &entry) {
        const std::string path = entry.path().string();
        if (SegmentNamer::isPart(path) && SegmentNamer::timeFromName(path))
            parts.push_back(path);
    });
    return parts;
}

bool DiskMonitor::hasContainerHeader(const std::string &path)
{
    // A file cut short by a full disk can hold a header and nothing else (or half a header):
    // require the container's magic and the start of real content (a Matroska Cluster, an MP4
    // moof/moov/mdat box) within the first MiB.
    std::vector<unsigned char> head(1 << 20);
    FILE *file = std::fopen(path.c_str(), "rbe");
    if (!file)
        return false;
    const size_t got = std::fread(head.data(), 1, head.size(), file);
    std::fclose(file);
    head.resize(got);
    auto contains = [&](std::initializer_list<unsigned char> needle) {
        return std::search(head.begin(), head.end(), needle.begin(), needle.end()) != head.end();
    };
    const bool matroska =
        got >= 4 && head[0] == 0x1a && head[1] == 0x45 && head[2] == 0xdf && head[3] == 0xa3;
    if (matroska)
        return contains({0x1f, 0x43, 0xb6, 0x75}); // Cluster
    const bool mp4 = got >= 8 && std::memcmp(head.data() + 4, "ftyp", 4) == 0;
    if (mp4)
        return contains({'m', 'o', 'o', 'f'}) || contains({'m', 'd', 'a', 't'});
    return false;
}

void DiskMonitor::repairTail(const std::string &path)
{
    // A write that failed half-way (ENOSPC, a kill during a write) leaves part of a block at
    // the end; cut it so the file plays to its last whole frame without a decoder error.
    const int64_t cut = MatroskaTail::trim(path);
    if (cut > 0)
        std::fprintf(stderr, "recorder: %s: cut %lld bytes of an unfinished write at the end\n",
                     path.c_str(), static_cast<long long>(cut));
    else if (cut < 0)
        std::fprintf(stderr, "recorder: %s: cannot repair the end: %s\n", path.c_str(),
                     std::strerror(int(-cut)));
}

std::string DiskMonitor::finalize(const std::string &partPath)
{
    std::error_code ec;
    if (!fs::exists(partPath, ec))
        return {};
    repairTail(partPath);
    if (!hasContainerHeader(partPath)) {
        std::fprintf(stderr, "recorder: %s holds no video; deleted\n", partPath.c_str());
        fs::remove(partPath, ec);
        return {};
    }
    const std::string final = SegmentNamer::finalFromPart(partPath);
    if (std::rename(partPath.c_str(), final.c_str()) != 0) {
        std::fprintf(stderr, "recorder: cannot rename %s: %s\n", partPath.c_str(),
                     std::strerror(errno));
        return {};
    }
    return final;
}

std::vector<std::string> DiskMonitor::recoverLeftovers() const
{
    std::vector<std::string> recovered;
    for (const std::string &part : partFiles())
        if (std::string final = finalize(part); !final.empty())
            recovered.push_back(std::move(final));
    return recovered;
}

bool DiskMonitor::inUseByReader(const std::string &path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd); // releases the lock taken to test
    return busy;
}

std::vector<RetentionPolicy::Removal>
DiskMonitor::enforce(const RetentionPolicy &policy, int64_t nowMs,
                     const std::set<std::string> &inProgress) const
{
    if (!policy.enabled())
        return {};
    const int64_t free = freeBytes();
    std::vector<RetentionPolicy::Removal> removed;
    for (RetentionPolicy::Removal &removal :
         policy.select(finishedFiles(), nowMs, free < 0 ? 0 : free, inProgress)) {
        // A clip being cut from this file holds a shared lock on it (zerotee-clip): it stays
        // until the next round rather than vanish under the cut.
        if (inUseByReader(removal.file.path)) {
            std::fprintf(stderr, "recorder: %s is being read (a clip); deleted later\n",
                         removal.file.path.c_str());
            continue;
        }
        std::error_code ec;
        if (!fs::remove(removal.file.path, ec) || ec) {
            std::fprintf(stderr, "recorder: cannot delete %s: %s\n", removal.file.path.c_str(),
                         ec.message().c_str());
            continue;
        }
        // The day folder goes with its last file; fs::remove fails harmlessly when not empty.
        fs::remove(fs::path(removal.file.path).parent_path(), ec);
        removed.push_back(std::move(removal));
    }
    return removed;
}

} // namespace zerotee
