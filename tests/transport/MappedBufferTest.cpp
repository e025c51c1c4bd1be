// MappedBuffer: one read-only mapping per registered memory, planes resolved across memories,
// layouts that do not fit their fds refused with every fd closed, DMABUF sync only for real
// DMABUFs. Each test checks /proc/self/fd and /proc/self/maps for leaks.
#include "MappedBuffer.h"
#include "TestSupport.h"

#include <cerrno>
#include <fcntl.h>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

using namespace zerotee;
using namespace zerotee::test;

int runChildRole(const std::string &, int, char **)
{
    return 2; // no child roles here
}

namespace {

/// Mappings of memfds (what MappedBuffer maps): the rest of /proc/self/maps moves on its own
/// (the allocator, ASan's shadow and quarantine).
int countMappings()
{
    std::ifstream maps("/proc/self/maps");
    std::string line;
    int count = 0;
    while (std::getline(maps, line))
        count += line.find("/memfd:") != std::string::npos;
    return count;
}

// A memfd whose byte i is pattern(i), sealed like a producer's (no writable peer mappings).
UniqueFd patternMemfd(size_t size, uint8_t base)
{
    UniqueFd fd = makeMemfd(size, 0);
    std::vector<uint8_t> bytes(size);
    for (size_t i = 0; i < size; ++i)
        bytes[i] = uint8_t(base + i / 4096);
    EXPECT_EQ(::pwrite(fd.get(), bytes.data(), size, 0), ssize_t(size));
    EXPECT_EQ(::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_FUTURE_WRITE), 0);
    return fd;
}

// NV12 64x32 (stride 64) at @p fdOffset inside one memfd of @p fdSize bytes.
BufferRegistration nv12InOneMemory(uint64_t fdOffset, uint64_t fdSize)
{
    BufferRegistration reg;
    reg.layout.bufferId = 7;
    reg.layout.generation = 3;
    reg.layout.memoryType = uint8_t(wire::MemoryType::Memfd);
    reg.layout.memoryCount = 1;
    reg.layout.planeCount = 2;
    reg.layout.width = 64;
    reg.layout.height = 32;
    reg.layout.memories[0] = {fdOffset, 64 * 32 * 3 / 2, fdSize};
    reg.layout.planes[0] = {0, 64, 0, 64 * 32};
    reg.layout.planes[1] = {64 * 32, 64, 0, 64 * 16};
    reg.fds.push_back(patternMemfd(size_t(fdSize), 10));
    return reg;
}

class MappedBufferTest : public ::testing::Test {
protected:
    void SetUp() override
    {
        fdsBefore_ = countOpenFds();
        mapsBefore_ = countMappings();
    }
    void TearDown() override
    {
        EXPECT_EQ(countOpenFds(), fdsBefore_) << "fd leak";
        EXPECT_EQ(countMappings(), mapsBefore_) << "mapping leak";
    }
    int fdsBefore_ = 0;
    int mapsBefore_ = 0;
};

} // namespace

TEST_F(MappedBufferTest, MapsPlanesOfOneMemoryAtItsOffset)
{
    int error = 1;
    auto mapped = MappedBuffer::map(nv12InOneMemory(8192, 16384), &error);
    ASSERT_TRUE(mapped) << error;
    EXPECT_EQ(error, 0);
    EXPECT_EQ(mapped->bufferId(), 7u);
    EXPECT_EQ(mapped->generation(), 3u);
    EXPECT_FALSE(mapped->isDmabuf());
    EXPECT_EQ(mapped->memoryCount(), 1u);
    EXPECT_EQ(mapped->capacity(), 64u * 32 * 3 / 2);
    EXPECT_GE(mapped->fd(0), 0);
    EXPECT_EQ(mapped->fd(1), -1);

    // The memory starts 8192 bytes into the fd: its first byte is the third page's pattern.
    ASSERT_EQ(mapped->memory(0).size(), 64u * 32 * 3 / 2);
    EXPECT_EQ(mapped->memory(0)[0], 12);
    ASSERT_EQ(mapped->planeCount(), 2u);
    MappedBuffer::Plane y = mapped->plane(0), uv = mapped->plane(1);
    EXPECT_EQ(y.data, mapped->memory(0).data());
    EXPECT_EQ(y.stride, 64u);
    EXPECT_EQ(y.size, 64u * 32);
    EXPECT_EQ(uv.data, y.data + 64 * 32);
    EXPECT_EQ(uv.offset, 64u * 32);
    EXPECT_EQ(uv.memory, 0u);
    EXPECT_EQ(y.fdOffset, 8192u);
    EXPECT_EQ(uv.fdOffset, 8192u + 64 * 32);
    EXPECT_EQ(mapped->plane(2).data, nullptr);

    EXPECT_EQ(mapped->payload(100).size(), 100u);
    EXPECT_TRUE(mapped->payload(64 * 32 * 3).empty());
    // A memfd has no DMABUF sync; the brackets are no-ops.
    EXPECT_EQ(mapped->beginRead(), 0);
    EXPECT_EQ(mapped->endRead(), 0);
}

TEST_F(MappedBufferTest, ResolvesPlanesAcrossMemories)
{
    BufferRegistration reg;
    reg.layout.bufferId = 1;
    reg.layout.memoryType = uint8_t(wire::MemoryType::Memfd);
    reg.layout.memoryCount = 2;
    reg.layout.planeCount = 2;
    reg.layout.memories[0] = {0, 4096, 4096};
    reg.layout.memories[1] = {4096, 4096, 8192};
    reg.layout.planes[0] = {0, 64, 0, 4096};
    reg.layout.planes[1] = {4096, 64, 0, 0}; // size 0: the rest of its memory
    reg.fds.push_back(patternMemfd(4096, 1));
    reg.fds.push_back(patternMemfd(8192, 50));
    int error = 0;
    auto mapped = MappedBuffer::map(std::move(reg), &error);
    ASSERT_TRUE(mapped) << error;
    EXPECT_EQ(mapped->plane(0).data[0], 1);
    EXPECT_EQ(mapped->plane(1).memory, 1u);
    EXPECT_EQ(mapped->plane(1).size, 4096u);
    EXPECT_EQ(mapped->plane(1).data[0], 51); // second page of the second fd
    EXPECT_EQ(mapped->plane(1).fdOffset, 4096u);
    EXPECT_EQ(mapped->payload(4096).size(), 4096u);
    EXPECT_TRUE(mapped->payload(4097).empty()); // spans two memories
}

TEST_F(MappedBufferTest, MapsSealedMemfdsReadOnly)
{
    int error = 0;
    auto mapped = MappedBuffer::map(nv12InOneMemory(0, 4096), &error);
    ASSERT_TRUE(mapped) << error;
    // The seal refuses writable shared mappings, so this one is read-only; and the kernel says
    // so for the address.
    std::ifstream maps("/proc/self/maps");
    const auto address = reinterpret_cast<uintptr_t>(mapped->memory(0).data());
    std::string line;
    bool found = false;
    while (std::getline(maps, line)) {
        uintptr_t start = 0, end = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &start, &end, perms) == 3 &&
            address >= start && address < end) {
            EXPECT_EQ(perms[1], '-') << line;
            found = true;
        }
    }
    EXPECT_TRUE(found);
}

TEST_F(MappedBufferTest, RefusesLayoutsThatDoNotFitTheirFds)
{
    int error = 0;
    // Claims more bytes than the fd has: a read there would fault.
    BufferRegistration tooBig = nv12InOneMemory(0, 4096);
    tooBig.layout.memories[0].fdSize = 1 << 20;
    tooBig.layout.memories[0].size = 1 << 19;
    EXPECT_FALSE(MappedBuffer::map(std::move(tooBig), &error));
    EXPECT_EQ(error, -EINVAL);

    // A plane that starts in one memory and runs into the next.
    BufferRegistration straddles = nv12InOneMemory(0, 4096);
    straddles.layout.planes[1].size = 4096;
    EXPECT_FALSE(MappedBuffer::map(std::move(straddles), &error));
    EXPECT_EQ(error, -EINVAL);

    // A plane past the end of the buffer.
    BufferRegistration outside = nv12InOneMemory(0, 4096);
    outside.layout.planes[1].offset = 4096;
    EXPECT_FALSE(MappedBuffer::map(std::move(outside), &error));
    EXPECT_EQ(error, -EINVAL);

    // Fewer fds than memories.
    BufferRegistration missingFd = nv12InOneMemory(0, 4096);
    missingFd.layout.memoryCount = 2;
    missingFd.layout.memories[1] = {0, 100, 100};
    EXPECT_FALSE(MappedBuffer::map(std::move(missingFd), &error));
    EXPECT_EQ(error, -EINVAL);

    // The fd offset beyond the fd.
    BufferRegistration offset = nv12InOneMemory(0, 4096);
    offset.layout.memories[0].fdOffset = 8192;
    EXPECT_FALSE(MappedBuffer::map(std::move(offset), &error));
    EXPECT_EQ(error, -EINVAL);
    // (TearDown: every fd of the refused registrations is closed, nothing stays mapped.)
}

TEST_F(MappedBufferTest, OnlyRealDmabufsAreDmabufs)
{
    UniqueFd memfd = makeMemfd(4096, 0);
    EXPECT_FALSE(isDmabufFd(memfd.get()));
    EXPECT_FALSE(isDmabufFd(-1));
    int pipeFds[2];
    ASSERT_EQ(::pipe2(pipeFds, O_CLOEXEC), 0);
    UniqueFd readEnd(pipeFds[0]), writeEnd(pipeFds[1]);
    EXPECT_FALSE(isDmabufFd(readEnd.get()));

    // A memfd a producer labelled DMABUF is mapped and read, but never sent DMABUF ioctls.
    BufferRegistration labelled = nv12InOneMemory(0, 4096);
    labelled.layout.memoryType = uint8_t(wire::MemoryType::Dmabuf);
    int error = 0;
    auto mapped = MappedBuffer::map(std::move(labelled), &error);
    ASSERT_TRUE(mapped) << error;
    EXPECT_FALSE(mapped->isDmabuf());
    EXPECT_EQ(mapped->beginRead(), 0);
    EXPECT_EQ(mapped->endRead(), 0);
}
