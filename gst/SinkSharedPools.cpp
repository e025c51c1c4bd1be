#include "SinkSharedPools.h"

#include "MemfdBufferPool.h"

#include <algorithm>
#include <cstdint>

namespace zerotee {

SinkSharedPools::~SinkSharedPools()
{
    reset();
}

unsigned SinkSharedPools::ownCapacity(const Limits &limits, gsize frameSize)
{
    uint64_t fit = frameSize ? uint64_t(limits.maxPoolMib) * 1024 * 1024 / frameSize : 0;
    return unsigned(std::max<uint64_t>(limits.poolSize, std::min<uint64_t>(fit, kMaxOwnBuffers)));
}

GstBufferPool *SinkSharedPools::proposal(GstCaps *caps, const GstVideoInfo &info,
                                         const Limits &limits, guint *maxBuffers)
{
    *maxBuffers = ownCapacity(limits, info.size);
    g_autoptr(GstBufferPool) pool = zerotee_memfd_buffer_pool_new(ZEROTEE_POOL_MEMORY_AUTO);
    if (!zerotee_memfd_buffer_pool_configure(pool, caps, guint(info.size), 2, *maxBuffers))
        return nullptr;
    return static_cast<GstBufferPool *>(g_steal_pointer(&pool));
}

unsigned SinkSharedPools::capacityOf(GstBuffer *shared, const Limits &limits, bool *changed,
                                     bool *sourcesOwn)
{
    GstBufferPool *origin = shared->pool;
    *changed = origin != lastPool_ || lastCapacity_ == 0;
    if (!*changed) {
        *sourcesOwn = lastSourcesOwn_;
        return lastCapacity_;
    }
    unsigned capacity = limits.poolSize;
    bool upstreamBound = false;
    if (origin && ZEROTEE_IS_MEMFD_BUFFER_POOL(origin)) {
        capacity = zerotee_memfd_buffer_pool_max_buffers(origin);
        if (capacity == 0)
            capacity = kMaxOwnBuffers;
    } else if (origin) {
        // A source that pushes its own buffers (v4l2src's videobuf2 buffers) has as many as it
        // allocated or can still create (VIDIOC_CREATE_BUFS), whatever pool-size says: its
        // configured maximum. 0 (no bound) leaves pool-size.
        g_autoptr(GstStructure) config = gst_buffer_pool_get_config(origin);
        guint minBuffers = 0, maxBuffers = 0;
        if (gst_buffer_pool_config_get_params(config, nullptr, nullptr, &minBuffers, &maxBuffers) &&
            maxBuffers > 0) {
            capacity = maxBuffers;
            upstreamBound = true;
        }
    }
    gst_object_replace(reinterpret_cast<GstObject **>(&lastPool_), GST_OBJECT_CAST(origin));
    lastCapacity_ = capacity;
    lastSourcesOwn_ = upstreamBound;
    *sourcesOwn = upstreamBound;
    return capacity;
}

SinkSharedPools::CopyResult SinkSharedPools::copy(GstBuffer *buffer, GstCaps *caps,
                                                  const GstVideoInfo *video, const Limits &limits,
                                                  GstBuffer **out)
{
    gsize size = gst_buffer_get_size(buffer);
    if (copyPool_ && !video && size > copySlab_)
        dropCopyPool();
    if (!copyPool_) {
        // Slabs with headroom, so a slightly larger keyframe does not need a new pool.
        guint slab = guint(MAX(gsize(64 * 1024), size * 2));
        guint count = ownCapacity(limits, video ? GST_VIDEO_INFO_SIZE(video) : slab);
        g_autoptr(GstBufferPool) pool = zerotee_memfd_buffer_pool_new(ZEROTEE_POOL_MEMORY_AUTO);
        if (!zerotee_memfd_buffer_pool_configure(pool, video ? caps : nullptr, slab, 2, count) ||
            !gst_buffer_pool_set_active(pool, TRUE))
            return CopyResult::Failed;
        copyPool_ = static_cast<GstBufferPool *>(g_steal_pointer(&pool));
        copySlab_ = slab;
    }

    GstBufferPoolAcquireParams params{};
    params.flags = GST_BUFFER_POOL_ACQUIRE_FLAG_DONTWAIT;
    g_autoptr(GstBuffer) copy = nullptr;
    if (gst_buffer_pool_acquire_buffer(copyPool_, &copy, &params) != GST_FLOW_OK)
        return CopyResult::NoBuffer;

    bool ok = false;
    if (video) {
        GstVideoFrame in, outFrame;
        if (gst_video_frame_map(&in, video, buffer, GST_MAP_READ)) {
            if (gst_video_frame_map(&outFrame, video, copy, GST_MAP_WRITE)) {
                ok = gst_video_frame_copy(&outFrame, &in);
                gst_video_frame_unmap(&outFrame);
            }
            gst_video_frame_unmap(&in);
        }
    } else {
        GstMapInfo map;
        if (gst_buffer_map(buffer, &map, GST_MAP_READ)) {
            ok = gst_buffer_fill(copy, 0, map.data, map.size) == map.size;
            gst_buffer_unmap(buffer, &map);
        }
    }
    if (!ok)
        return CopyResult::Failed;
    *out = static_cast<GstBuffer *>(g_steal_pointer(&copy));
    return CopyResult::Copied;
}

void SinkSharedPools::dropCopyPool()
{
    if (copyPool_) {
        gst_buffer_pool_set_active(copyPool_, FALSE);
        gst_clear_object(&copyPool_);
    }
}

void SinkSharedPools::reset()
{
    dropCopyPool();
    gst_clear_object(&lastPool_);
    lastCapacity_ = 0;
    lastSourcesOwn_ = false;
}

} // namespace zerotee
