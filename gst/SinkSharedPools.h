#pragma once

#include <gst/gst.h>
#include <gst/video/video.h>

namespace zerotee {

/// The shared-memory pools behind a zeroteesink and what they promise: the growing pool it
/// offers upstream in the ALLOCATION query, the one it copies frames into when upstream memory
/// is not fd-backed, and how many buffers the pool a frame came from holds for the capture and
/// the consumers together (the bound FramePublisher admits consumers against).
///
/// A pool the sink owns (memfd, DMA heap) starts small and allocates a buffer only when every
/// other one is out (held by consumers), up to pool-size or, beyond it, as many as fit in
/// max-pool-mib. Any other pool (a camera's DMABUFs) is fixed: what it allocated or can still
/// create.
///
/// Thread context: the sink's streaming thread (propose_allocation, set_caps, render, stop).
class SinkSharedPools {
public:
    /// The element's settings that bound the pools (read under its object lock).
    struct Limits {
        unsigned poolSize = 16;
        unsigned maxPoolMib = 256;
    };
    /// Why copy() gave nothing.
    enum class CopyResult { Copied, NoBuffer, Failed };

    SinkSharedPools() = default;
    ~SinkSharedPools();
    SinkSharedPools(const SinkSharedPools &) = delete;
    SinkSharedPools &operator=(const SinkSharedPools &) = delete;

    /// Buffers the sink's own pool may hold for frames of @p frameSize bytes: pool-size, and
    /// more while they fit in max-pool-mib (at most kMaxOwnBuffers).
    static unsigned ownCapacity(const Limits &limits, gsize frameSize);
    static constexpr unsigned kMaxOwnBuffers = 256;

    /// A configured pool of video buffers for @p caps to offer upstream (one reference), or
    /// nullptr when it cannot be configured. @p maxBuffers receives its bound.
    static GstBufferPool *proposal(GstCaps *caps, const GstVideoInfo &info, const Limits &limits,
                                   guint *maxBuffers);

    /// How many buffers the pool behind @p shared holds for the capture and consumers: its
    /// bound for the sink's own pool, the configured maximum of an upstream pool (a camera's),
    /// @p limits.poolSize when it states none or the buffer has no pool. @p changed is set when
    /// this differs from the pool of the previous frame.
    /// @p sourcesOwn is set for an upstream pool that states its bound (a camera's buffers).
    unsigned capacityOf(GstBuffer *shared, const Limits &limits, bool *changed, bool *sourcesOwn);

    /// Copies @p buffer into the copy pool (created on first use, for raw video when @p video
    /// is set, else as slabs for encoded data). Never waits: no free buffer is NoBuffer.
    CopyResult copy(GstBuffer *buffer, GstCaps *caps, const GstVideoInfo *video,
                    const Limits &limits, GstBuffer **out);

    /// Forgets the copy pool (new caps) or everything (stop).
    void dropCopyPool();
    void reset();

private:
    GstBufferPool *copyPool_ = nullptr;
    guint copySlab_ = 0;                // slab size, for non-video caps
    GstBufferPool *lastPool_ = nullptr; // the pool the last frame came from (or none) ...
    unsigned lastCapacity_ = 0;         // ... and its capacity
    bool lastSourcesOwn_ = false;       // ... and whether it is an upstream pool's own bound
};

} // namespace zerotee
