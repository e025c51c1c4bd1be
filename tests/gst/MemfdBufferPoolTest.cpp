// The memfd buffer pool and the buffer sharing helpers, without sockets: a pool buffer is
// described as the producer would register it, imported as a consumer would, and compared.

#include "MemfdBufferPool.h"
#include "BufferSharing.h"
#include "PipelineTestSupport.h"
#include "SinkSharedPools.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include <cerrno>
#include <cstring>
#include <drm_fourcc.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

using zerotee::test::isMemfd;

class MemfdBufferPoolTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { zerotee::test::initGStreamer(); }

    void SetUp() override
    {
        caps_ = gst_caps_from_string("video/x-raw,format=NV12,width=320,height=240");
        ASSERT_TRUE(gst_video_info_from_caps(&info_, caps_));
        pool_ = zerotee_memfd_buffer_pool_new(ZEROTEE_POOL_MEMORY_MEMFD);
    }
    void TearDown() override
    {
        gst_buffer_pool_set_active(pool_, FALSE);
        gst_object_unref(pool_);
        gst_caps_unref(caps_);
    }

    GstBuffer *acquire()
    {
        GstBuffer *buffer = nullptr;
        EXPECT_EQ(gst_buffer_pool_acquire_buffer(pool_, &buffer, nullptr), GST_FLOW_OK);
        return buffer;
    }

    GstCaps *caps_ = nullptr;
    GstVideoInfo info_;
    GstBufferPool *pool_ = nullptr;
};

TEST_F(MemfdBufferPoolTest, VideoBuffersAreSealedMemfdsWithVideoMeta)
{
    ASSERT_TRUE(zerotee_memfd_buffer_pool_configure(pool_, caps_, 0, 2, 2));
    ASSERT_TRUE(gst_buffer_pool_set_active(pool_, TRUE));
    GstBuffer *buffer = acquire();
    ASSERT_TRUE(buffer);
    EXPECT_EQ(gst_buffer_get_size(buffer), info_.size);
    ASSERT_EQ(gst_buffer_n_memory(buffer), 1u);
    GstMemory *mem = gst_buffer_peek_memory(buffer, 0);
    ASSERT_TRUE(gst_is_fd_memory(mem));
    int fd = gst_fd_memory_get_fd(mem);
    EXPECT_TRUE(isMemfd(fd));
    EXPECT_FALSE(zerotee_memfd_buffer_pool_uses_dma_heap(ZEROTEE_MEMFD_BUFFER_POOL(pool_)));

    GstVideoMeta *meta = gst_buffer_get_video_meta(buffer);
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->format, GST_VIDEO_FORMAT_NV12);
    EXPECT_EQ(meta->n_planes, 2u);

    int seals = fcntl(fd, F_GET_SEALS);
    EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE),
              F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE);

    // The producer writes through its own mapping...
    GstMapInfo map;
    ASSERT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_WRITE));
    std::memset(map.data, 0x5a, map.size);
    gst_buffer_unmap(buffer, &map);
    // ...a peer can only map it read-only, and sees the pixels.
    void *writable = mmap(nullptr, info_.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT_EQ(writable, MAP_FAILED);
    EXPECT_EQ(errno, EPERM);
    void *readable = mmap(nullptr, info_.size, PROT_READ, MAP_SHARED, fd, 0);
    ASSERT_NE(readable, MAP_FAILED);
    EXPECT_EQ(static_cast<uint8_t *>(readable)[info_.size - 1], 0x5a);
    munmap(readable, info_.size);
    EXPECT_LT(ftruncate(fd, 16), 0);
    gst_buffer_unref(buffer);
}

TEST_F(MemfdBufferPoolTest, AlignmentIsHonoured)
{
    GstStructure *config = gst_buffer_pool_get_config(pool_);
    gst_buffer_pool_config_set_params(config, caps_, info_.size, 1, 1);
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT);
    GstVideoAlignment align;
    gst_video_alignment_reset(&align);
    align.padding_bottom = 8; // like a camera's 1088 lines
    align.stride_align[0] = 255;
    align.stride_align[1] = 255;
    gst_buffer_pool_config_set_video_alignment(config, &align);
    ASSERT_TRUE(gst_buffer_pool_set_config(pool_, config));
    ASSERT_TRUE(gst_buffer_pool_set_active(pool_, TRUE));

    GstBuffer *buffer = acquire();
    GstVideoMeta *meta = gst_buffer_get_video_meta(buffer);
    ASSERT_TRUE(meta);
    EXPECT_EQ(meta->stride[0], 512);
    EXPECT_EQ(meta->offset[1], gsize(512 * 248));

    zerotee::BufferLayout layout;
    zerotee::MemoryIdentity identity;
    ASSERT_EQ(zerotee::describeBuffer(buffer, &info_, &layout, &identity), 0);
    ASSERT_EQ(layout.planes.size(), 2u);
    EXPECT_EQ(layout.planes[0].stride, 512u);
    EXPECT_EQ(layout.planes[1].offset, 512u * 248);
    EXPECT_EQ(layout.drmFourcc, uint32_t(DRM_FORMAT_NV12));
    EXPECT_EQ(layout.drmModifier, uint64_t(DRM_FORMAT_MOD_LINEAR));
    EXPECT_EQ(layout.width, 320u);
    EXPECT_EQ(layout.memoryType, zerotee::wire::MemoryType::Memfd);
    gst_buffer_unref(buffer);
}

TEST_F(MemfdBufferPoolTest, SlabsForNonVideoData)
{
    ASSERT_TRUE(zerotee_memfd_buffer_pool_configure(pool_, nullptr, 4096, 2, 2));
    ASSERT_TRUE(gst_buffer_pool_set_active(pool_, TRUE));
    GstBuffer *buffer = acquire();
    EXPECT_EQ(gst_buffer_get_size(buffer), 4096u);
    EXPECT_FALSE(gst_buffer_get_video_meta(buffer));
    zerotee::BufferLayout layout;
    zerotee::MemoryIdentity identity;
    ASSERT_EQ(zerotee::describeBuffer(buffer, nullptr, &layout, &identity), 0);
    EXPECT_TRUE(layout.planes.empty());
    EXPECT_EQ(layout.memories.at(0).fdSize, 4096u);
    gst_buffer_unref(buffer);
}

TEST_F(MemfdBufferPoolTest, IdentityIsStableAcrossPoolReuse)
{
    ASSERT_TRUE(zerotee_memfd_buffer_pool_configure(pool_, caps_, 0, 1, 1));
    ASSERT_TRUE(gst_buffer_pool_set_active(pool_, TRUE));
    zerotee::BufferLayout layout;
    zerotee::MemoryIdentity first, second;
    GstBuffer *buffer = acquire();
    ASSERT_EQ(zerotee::describeBuffer(buffer, &info_, &layout, &first), 0);
    gst_buffer_unref(buffer);
    buffer = acquire();
    ASSERT_EQ(zerotee::describeBuffer(buffer, &info_, &layout, &second), 0);
    gst_buffer_unref(buffer);
    EXPECT_EQ(first, second);
    EXPECT_EQ(zerotee::MemoryIdentityHash()(first), zerotee::MemoryIdentityHash()(second));
}

TEST_F(MemfdBufferPoolTest, ImportedBufferSharesReadOnlyMemoryAndReportsRelease)
{
    ASSERT_TRUE(zerotee_memfd_buffer_pool_configure(pool_, caps_, 0, 1, 1));
    ASSERT_TRUE(gst_buffer_pool_set_active(pool_, TRUE));
    GstBuffer *buffer = acquire();
    GstMapInfo map;
    ASSERT_TRUE(gst_buffer_map(buffer, &map, GST_MAP_WRITE));
    for (gsize i = 0; i < map.size; ++i)
        map.data[i] = uint8_t(i * 7);
    gst_buffer_unmap(buffer, &map);

    // What a consumer receives: the layout and its own copies of the fds.
    zerotee::BufferLayout layout;
    zerotee::MemoryIdentity identity;
    ASSERT_EQ(zerotee::describeBuffer(buffer, &info_, &layout, &identity), 0);
    zerotee::BufferRegistration registration;
    registration.layout.bufferId = 3;
    registration.layout.memoryType = uint8_t(layout.memoryType);
    registration.layout.memoryCount = uint8_t(layout.memories.size());
    registration.layout.planeCount = uint8_t(layout.planes.size());
    for (size_t i = 0; i < layout.memories.size(); ++i) {
        const auto &m = layout.memories[i];
        registration.layout.memories[i] = {m.fdOffset, m.size, m.fdSize};
        registration.fds.emplace_back(fcntl(m.fd, F_DUPFD_CLOEXEC, 0));
    }
    for (size_t i = 0; i < layout.planes.size(); ++i)
        registration.layout.planes[i] = layout.planes[i];

    int error = 0;
    auto imported = zerotee::ImportedBuffer::import(std::move(registration), &error);
    ASSERT_TRUE(imported) << error;
    GstBuffer *frame = imported->newFrameBuffer(info_.size, &info_);
    ASSERT_EQ(gst_buffer_get_size(frame), info_.size);
    EXPECT_TRUE(gst_buffer_get_video_meta(frame));
    EXPECT_EQ(zerotee::test::hashVideoFrame(frame, caps_),
              zerotee::test::hashVideoFrame(buffer, caps_));
    GstMemory *mem = gst_buffer_peek_memory(frame, 0);
    EXPECT_TRUE(gst_is_fd_memory(mem));
    EXPECT_FALSE(gst_is_dmabuf_memory(mem));
    EXPECT_TRUE(GST_MEMORY_IS_READONLY(mem));
    GstMapInfo writeMap;
    EXPECT_FALSE(gst_memory_map(mem, &writeMap, GST_MAP_WRITE));

    // A smaller payload gives a shorter buffer.
    GstBuffer *partial = imported->newFrameBuffer(100, nullptr);
    EXPECT_EQ(gst_buffer_get_size(partial), 100u);
    gst_buffer_unref(partial);

    int released = 0;
    zerotee::callWhenMemoriesFreed(frame, [&released] { released++; });
    GstBuffer *copy = gst_buffer_copy(frame); // shares the memories
    gst_buffer_unref(frame);
    EXPECT_EQ(released, 0) << "released while a copy still uses the memory";
    imported.reset(); // the frame's memory keeps its parent alive
    EXPECT_EQ(zerotee::test::hashVideoFrame(copy, caps_),
              zerotee::test::hashVideoFrame(buffer, caps_));
    gst_buffer_unref(copy);
    EXPECT_EQ(released, 1);
    gst_buffer_unref(buffer);
}

// Consumers are admitted against the buffers the pool a frame came from can hold: the sink's
// own pool up to its bound, an upstream pool (a camera's) up to its configured maximum whatever
// pool-size says, pool-size when that pool states no maximum or there is no pool.
TEST_F(MemfdBufferPoolTest, SinkPoolCapacityFollowsTheFramesPool)
{
    const zerotee::SinkSharedPools::Limits limits{16, 256};
    EXPECT_EQ(zerotee::SinkSharedPools::ownCapacity(limits, info_.size), 256u); // 115 KiB frames
    EXPECT_EQ(zerotee::SinkSharedPools::ownCapacity({16, 0}, info_.size), 16u);
    EXPECT_EQ(zerotee::SinkSharedPools::ownCapacity({16, 256}, 3110400), 86u); // 1080p NV12

    zerotee::SinkSharedPools pools;
    bool changed = false, sourcesOwn = true;
    guint ownMax = 0;
    GstBufferPool *own = zerotee::SinkSharedPools::proposal(caps_, info_, {16, 4}, &ownMax);
    ASSERT_TRUE(own);
    EXPECT_EQ(ownMax, 36u); // 4 MiB of 115,200-byte frames
    ASSERT_TRUE(gst_buffer_pool_set_active(own, TRUE));
    GstBuffer *ownBuffer = nullptr;
    ASSERT_EQ(gst_buffer_pool_acquire_buffer(own, &ownBuffer, nullptr), GST_FLOW_OK);
    EXPECT_EQ(pools.capacityOf(ownBuffer, limits, &changed, &sourcesOwn), 36u);
    EXPECT_TRUE(changed);
    EXPECT_FALSE(sourcesOwn);
    EXPECT_EQ(pools.capacityOf(ownBuffer, limits, &changed, &sourcesOwn), 36u);
    EXPECT_FALSE(changed);

    for (guint upstreamMax : {6u, 0u}) {
        GstBufferPool *upstream = gst_buffer_pool_new();
        GstStructure *config = gst_buffer_pool_get_config(upstream);
        gst_buffer_pool_config_set_params(config, nullptr, 4096, 4, upstreamMax);
        ASSERT_TRUE(gst_buffer_pool_set_config(upstream, config));
        ASSERT_TRUE(gst_buffer_pool_set_active(upstream, TRUE));
        GstBuffer *buffer = nullptr;
        ASSERT_EQ(gst_buffer_pool_acquire_buffer(upstream, &buffer, nullptr), GST_FLOW_OK);
        EXPECT_EQ(pools.capacityOf(buffer, limits, &changed, &sourcesOwn),
                  upstreamMax ? upstreamMax : 16u);
        EXPECT_TRUE(changed);
        EXPECT_EQ(sourcesOwn, upstreamMax != 0);
        gst_buffer_unref(buffer);
        gst_buffer_pool_set_active(upstream, FALSE);
        pools.reset(); // drops its reference to the pool, as the sink does when it stops
        gst_object_unref(upstream);
    }
    GstBuffer *loose = gst_buffer_new_allocate(nullptr, 4096, nullptr);
    EXPECT_EQ(pools.capacityOf(loose, limits, &changed, &sourcesOwn), 16u);
    gst_buffer_unref(loose);

    gst_buffer_unref(ownBuffer);
    gst_buffer_pool_set_active(own, FALSE);
    gst_object_unref(own);
}

TEST(BufferSharing, DrmFourccs)
{
    EXPECT_EQ(zerotee::drmFourccFromVideoFormat(GST_VIDEO_FORMAT_NV12), uint32_t(DRM_FORMAT_NV12));
    EXPECT_EQ(zerotee::drmFourccFromVideoFormat(GST_VIDEO_FORMAT_I420),
              uint32_t(DRM_FORMAT_YUV420));
    EXPECT_EQ(zerotee::drmFourccFromVideoFormat(GST_VIDEO_FORMAT_YUY2), uint32_t(DRM_FORMAT_YUYV));
    EXPECT_EQ(zerotee::drmFourccFromVideoFormat(GST_VIDEO_FORMAT_RGBA),
              uint32_t(DRM_FORMAT_ABGR8888));
    EXPECT_EQ(zerotee::drmFourccFromVideoFormat(GST_VIDEO_FORMAT_BGRx),
              uint32_t(DRM_FORMAT_XRGB8888));
    EXPECT_EQ(zerotee::drmFourccFromVideoFormat(GST_VIDEO_FORMAT_GRAY8), uint32_t(DRM_FORMAT_R8));
    EXPECT_EQ(zerotee::drmFourccFromVideoFormat(GST_VIDEO_FORMAT_v210), 0u);
}

} // namespace
