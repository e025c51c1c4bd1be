#pragma once

#include "FrameSubscriber.h"
#include "Protocol.h"
#include "UniqueFd.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace zerotee {

/// True when @p fd is a real DMABUF (its /proc/self/fd link names the dmabuf file system), not a
/// memfd or a plain file that a producer labelled as one. Only real DMABUFs take
/// DMA_BUF_IOCTL_SYNC or a DMABUF importer.
bool isDmabufFd(int fd);

/// Checks that a received registration fits its fds before anything maps them: one fd per
/// memory, each memory inside its fd's real size (a mapping past the end would fault on read),
/// each plane inside one memory. Returns 0, -EINVAL, or -errno from asking an fd its size.
/// Every importer (MappedBuffer, zeroteesrc's GstMemory import) runs this one check.
int checkRegistration(const BufferRegistration &registration);

/// A producer's buffer mapped into this consumer once, read-only, for as long as it stays
/// registered: every frame in it is read through the same mapping, never an mmap per frame.
/// Owns the registration's fds (importers such as EGL or an NPU take them from fd()).
///
/// Reads of a real DMABUF must be bracketed by beginRead()/endRead() (DMA_BUF_IOCTL_SYNC, so
/// caches are coherent with the device that wrote it); for memfds both are no-ops.
///
/// Thread context: immutable after map(); thread-safe. beginRead()/endRead() may be called from
/// any thread.
class MappedBuffer {
public:
    struct Plane {
        const uint8_t *data = nullptr; // first byte of the plane in this process
        uint32_t stride = 0;
        uint64_t offset = 0; // from the start of the buffer (memories laid end to end)
        uint64_t size = 0;
        unsigned memory = 0;   // which memory (and fd) holds the plane
        uint64_t fdOffset = 0; // where the plane starts inside that fd (for DMABUF importers)
    };

    /// Runs checkRegistration(), then maps each fd PROT_READ once. Takes the fds. Returns null
    /// with -errno in @p error: -EINVAL for a layout that does not fit its fds, or mmap's error.
    static std::unique_ptr<MappedBuffer> map(BufferRegistration registration, int *error);
    ~MappedBuffer();
    MappedBuffer(const MappedBuffer &) = delete;
    MappedBuffer &operator=(const MappedBuffer &) = delete;

    const wire::RegisterBuffer &layout() const { return layout_; }
    uint32_t bufferId() const { return layout_.bufferId; }
    uint32_t generation() const { return layout_.generation; }
    /// True when the fds are real DMABUFs (see isDmabufFd), whatever the producer labelled.
    bool isDmabuf() const { return dmabuf_; }

    unsigned memoryCount() const { return unsigned(memories_.size()); }
    /// The bytes of memory @p index (its fdOffset applied), or an empty span.
    std::span<const uint8_t> memory(unsigned index) const;
    /// The fd backing memory @p index, still owned by this object; -1 when out of range.
    int fd(unsigned index) const;
    /// Bytes all memories hold.
    uint64_t capacity() const { return capacity_; }

    unsigned planeCount() const { return unsigned(planes_.size()); }
    /// Plane @p index with its pointer resolved; a default Plane when out of range.
    Plane plane(unsigned index) const;

    /// The first @p payloadSize bytes when they lie in the first memory (encoded data and
    /// single-memory frames), else an empty span.
    std::span<const uint8_t> payload(uint64_t payloadSize) const;

    /// Brackets CPU reads of a real DMABUF (DMA_BUF_SYNC_START/END | READ on every fd).
    /// Return 0 or the first -errno; no-ops returning 0 for memfds.
    int beginRead() const;
    int endRead() const;

private:
    struct Memory {
        UniqueFd fd;
        const uint8_t *mapping = nullptr; // whole fd, from offset 0
        size_t mappedSize = 0;
        uint64_t fdOffset = 0;
        uint64_t size = 0;
    };

    MappedBuffer() = default;
    int sync(uint64_t flags) const;

    wire::RegisterBuffer layout_{};
    std::vector<Memory> memories_;
    std::vector<Plane> planes_;
    uint64_t capacity_ = 0;
    bool dmabuf_ = false;
};

} // namespace zerotee
