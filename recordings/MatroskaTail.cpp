#include "MatroskaTail.h"

#include "EbmlElement.h"

#include "UniqueFd.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

namespace zerotee {

namespace {

constexpr uint32_t kEbmlHeaderId = 0x1A45DFA3;
constexpr uint32_t kSegmentId = 0x18538067;
constexpr uint32_t kClusterId = 0x1F43B675;

/// The element header at @p at; nothing when it does not fit in @p fileSize or is invalid.
std::optional<EbmlElement> readHeader(int fd, int64_t at, int64_t fileSize)
{
    unsigned char bytes[EbmlElement::kMaxHeaderBytes];
    const int64_t want = std::min<int64_t>(sizeof bytes, fileSize - at);
    if (want < 2 || pread(fd, bytes, size_t(want), at) != want)
        return std::nullopt;
    return EbmlElement::parse(bytes, size_t(want), at);
}

/// Rewrites a size field as "unknown" (all value bits set), keeping its length.
bool markUnknownSize(int fd, const EbmlElement &e)
{
    uint8_t bytes[8];
    bytes[0] = uint8_t(0xFF >> (e.sizeFieldLength - 1)) | uint8_t(0x80 >> (e.sizeFieldLength - 1));
    for (int i = 1; i < e.sizeFieldLength; ++i)
        bytes[i] = 0xFF;
    return pwrite(fd, bytes, size_t(e.sizeFieldLength), e.sizeFieldAt) == e.sizeFieldLength;
}

} // namespace

int64_t MatroskaTail::trim(const std::string &path)
{
    UniqueFd fd(open(path.c_str(), O_RDWR | O_CLOEXEC));
    if (!fd)
        return -errno;
    struct stat st {};
    if (fstat(fd.get(), &st) != 0)
        return -errno;
    const int64_t fileSize = st.st_size;

    const auto header = readHeader(fd.get(), 0, fileSize);
    if (!header || header->id != kEbmlHeaderId || !header->end() || *header->end() > fileSize)
        return 0; // not Matroska, or not even a header: DiskMonitor deals with those
    const auto segment = readHeader(fd.get(), *header->end(), fileSize);
    if (!segment || segment->id != kSegmentId)
        return 0;

    // Walk the Segment's children; descend only into a Cluster that does not end in the file.
    int64_t lastComplete = segment->dataAt;
    std::optional<EbmlElement> openCluster;
    for (int64_t at = segment->dataAt; at < fileSize;) {
        const auto child = readHeader(fd.get(), at, fileSize);
        if (!child)
            break;
        if (child->end() && *child->end() <= fileSize) {
            lastComplete = at = *child->end();
            continue;
        }
        if (child->id == kClusterId) {
            openCluster = child;
            lastComplete = child->dataAt;
            for (int64_t in = child->dataAt; in < fileSize;) {
                const auto block = readHeader(fd.get(), in, fileSize);
                if (!block || !block->end() || *block->end() > fileSize)
                    break;
                lastComplete = in = *block->end();
            }
        }
        break;
    }
    if (lastComplete >= fileSize)
        return 0;
    if (ftruncate(fd.get(), lastComplete) != 0)
        return -errno;
    if (openCluster && openCluster->size && !markUnknownSize(fd.get(), *openCluster))
        return -errno;
    if (segment->size && *segment->end() > lastComplete && !markUnknownSize(fd.get(), *segment))
        return -errno;
    return fileSize - lastComplete;
}

} // namespace zerotee
