#include "MappedBuffer.h"

#include <cerrno>
#include <cstring>
#include <linux/dma-buf.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace zerotee {

namespace {

// The real size of an fd: memfds report it in fstat, DMABUFs only through lseek.
int realSize(int fd, uint64_t *size)
{
    struct stat st {};
    if (::fstat(fd, &st) < 0)
        return -errno;
    if (st.st_size > 0) {
        *size = uint64_t(st.st_size);
        return 0;
    }
    off_t end = ::lseek(fd, 0, SEEK_END);
    if (end < 0)
        return -errno;
    *size = uint64_t(end);
    return 0;
}

struct PlaneLocation {
    int memory = -1; // -1: the plane does not lie inside one memory
    uint64_t offsetInMemory = 0;
    uint64_t size = 0;
};

// Plane offsets count from the start of the buffer with its memories laid end to end; a plane
// must lie inside one memory so that it is one contiguous range in this process. A size of 0
// (the producer could not compute it) means the rest of that memory.
PlaneLocation locatePlane(const wire::RegisterBuffer &layout, unsigned index)
{
    const wire::PlaneDesc &desc = layout.planes[index];
    uint64_t start = 0;
    for (unsigned m = 0; m < layout.memoryCount; ++m) {
        const uint64_t size = layout.memories[m].size;
        if (desc.offset >= start && desc.offset - start < size) {
            const uint64_t inMemory = desc.offset - start;
            const uint64_t planeSize = desc.size ? desc.size : size - inMemory;
            if (planeSize > size - inMemory)
                return {};
            return {int(m), inMemory, planeSize};
        }
        start += size;
    }
    return {};
}

} // namespace

bool isDmabufFd(int fd)
{
    if (fd < 0)
        return false;
    const std::string link = "/proc/self/fd/" + std::to_string(fd);
    char target[64] = {};
    ssize_t length = ::readlink(link.c_str(), target, sizeof(target) - 1);
    if (length <= 0)
        return false;
    // "/dmabuf:name" on current kernels, "anon_inode:dmabuf" before 5.x named them.
    const std::string_view text(target, size_t(length));
    return text.starts_with("/dmabuf:") || text == "anon_inode:dmabuf";
}

int checkRegistration(const BufferRegistration &registration)
{
    const wire::RegisterBuffer &layout = registration.layout;
    if (layout.memoryCount == 0 || layout.memoryCount > wire::kMaxMemories ||
        registration.fds.size() != layout.memoryCount || layout.planeCount > wire::kMaxPlanes)
        return -EINVAL;
    for (unsigned i = 0; i < layout.memoryCount; ++i) {
        const wire::MemoryDesc &desc = layout.memories[i];
        if (!registration.fds[i] || desc.size == 0 || desc.fdOffset > desc.fdSize ||
            desc.size > desc.fdSize - desc.fdOffset || desc.fdSize > SIZE_MAX)
            return -EINVAL;
        uint64_t actual = 0;
        if (int ret = realSize(registration.fds[i].get(), &actual); ret < 0)
            return ret;
        if (actual < desc.fdSize)
            return -EINVAL;
    }
    for (unsigned p = 0; p < layout.planeCount; ++p)
        if (locatePlane(layout, p).memory < 0)
            return -EINVAL;
    return 0;
}

std::unique_ptr<MappedBuffer> MappedBuffer::map(BufferRegistration registration, int *error)
{
    if ((*error = checkRegistration(registration)) < 0)
        return nullptr;
    std::unique_ptr<MappedBuffer> mapped(new MappedBuffer());
    mapped->layout_ = registration.layout;
    const wire::RegisterBuffer &layout = mapped->layout_;

    bool allDmabuf = true;
    for (unsigned i = 0; i < layout.memoryCount; ++i) {
        const wire::MemoryDesc &desc = layout.memories[i];
        Memory memory;
        memory.fd = std::move(registration.fds[i]);
        memory.fdOffset = desc.fdOffset;
        memory.size = desc.size;
        allDmabuf = allDmabuf && isDmabufFd(memory.fd.get());
        // Read-only and once: producers seal memfds against writable mappings, and every
        // frame in this buffer is read through this mapping.
        void *data =
            ::mmap(nullptr, size_t(desc.fdSize), PROT_READ, MAP_SHARED, memory.fd.get(), 0);
        if (data == MAP_FAILED) {
            *error = -errno;
            return nullptr;
        }
        memory.mapping = static_cast<const uint8_t *>(data);
        memory.mappedSize = size_t(desc.fdSize);
        mapped->capacity_ += desc.size;
        mapped->memories_.push_back(std::move(memory));
    }
    mapped->dmabuf_ = allDmabuf;

    for (unsigned p = 0; p < layout.planeCount; ++p) {
        const PlaneLocation where = locatePlane(layout, p);
        const Memory &memory = mapped->memories_[unsigned(where.memory)];
        mapped->planes_.push_back({memory.mapping + memory.fdOffset + where.offsetInMemory,
                                   layout.planes[p].stride, layout.planes[p].offset, where.size,
                                   unsigned(where.memory), memory.fdOffset + where.offsetInMemory});
    }
    return mapped;
}

MappedBuffer::~MappedBuffer()
{
    for (Memory &memory : memories_)
        if (memory.mapping)
            ::munmap(const_cast<uint8_t *>(memory.mapping), memory.mappedSize);
}

std::span<const uint8_t> MappedBuffer::memory(unsigned index) const
{
    if (index >= memories_.size())
        return {};
    const Memory &memory = memories_[index];
    return {memory.mapping + memory.fdOffset, size_t(memory.size)};
}

int MappedBuffer::fd(unsigned index) const
{
    return index < memories_.size() ? memories_[index].fd.get() : -1;
}

MappedBuffer::Plane MappedBuffer::plane(unsigned index) const
{
    return index < planes_.size() ? planes_[index] : Plane{};
}

std::span<const uint8_t> MappedBuffer::payload(uint64_t payloadSize) const
{
    if (memories_.empty() || payloadSize > memories_[0].size)
        return {};
    return memory(0).first(size_t(payloadSize));
}

int MappedBuffer::sync(uint64_t flags) const
{
    if (!dmabuf_)
        return 0;
    int result = 0;
    for (const Memory &memory : memories_) {
        dma_buf_sync sync{};
        sync.flags = flags | DMA_BUF_SYNC_READ;
        int ret;
        do
            ret = ::ioctl(memory.fd.get(), DMA_BUF_IOCTL_SYNC, &sync);
        while (ret < 0 && (errno == EINTR || errno == EAGAIN));
        if (ret < 0 && result == 0)
            result = -errno;
    }
    return result;
}

int MappedBuffer::beginRead() const
{
    return sync(DMA_BUF_SYNC_START);
}

int MappedBuffer::endRead() const
{
    return sync(DMA_BUF_SYNC_END);
}

} // namespace zerotee
