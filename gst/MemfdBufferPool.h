#pragma once

// A GstBufferPool whose buffers live in shareable file descriptors, so that frames rendered into
// them can be handed to other processes without a copy.
//
// Each buffer is one memory of one fd:
//  - a DMABUF from /dev/dma_heap/linux,cma (or /dev/dma_heap/system) where such a heap exists,
//    so hardware consumers (VPU, G2D, GPU) can import it; wrapped with the dmabuf allocator;
//  - otherwise a memfd (MFD_CLOEXEC | MFD_ALLOW_SEALING), wrapped with the fd allocator.
// The producer maps each buffer read-write once and keeps it mapped
// (GST_FD_MEMORY_FLAG_KEEP_MAPPED); memfds are then sealed with
// F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE, so a consumer can only map them read-only.
//
// Configuration: raw video caps (video/x-raw) give video buffers of the GstVideoInfo size,
// honouring GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT and adding a GstVideoMeta when
// GST_BUFFER_POOL_OPTION_VIDEO_META is set. Any other caps (or none) give "slabs" of the
// configured size, for copying small encoded buffers into shared memory.
//
// Thread context: thread-safe, like every GstBufferPool.

#include <gst/gst.h>

G_BEGIN_DECLS

#define ZEROTEE_TYPE_MEMFD_BUFFER_POOL (zerotee_memfd_buffer_pool_get_type())
G_DECLARE_FINAL_TYPE(ZeroteeMemfdBufferPool, zerotee_memfd_buffer_pool, ZEROTEE, MEMFD_BUFFER_POOL,
                     GstBufferPool)

/// Where the pool's memory comes from.
typedef enum {
    ZEROTEE_POOL_MEMORY_AUTO,  // a DMA heap where one exists, else memfd
    ZEROTEE_POOL_MEMORY_MEMFD, // always memfd
} ZeroteePoolMemory;

/// A new, unconfigured pool (floating reference sunk: the caller owns one reference).
GstBufferPool *zerotee_memfd_buffer_pool_new(ZeroteePoolMemory memory);

/// TRUE when the configured pool allocates from a DMA heap (valid after set_config).
gboolean zerotee_memfd_buffer_pool_uses_dma_heap(ZeroteeMemfdBufferPool *pool);

/// Convenience: configures @p pool for @p caps with @p minBuffers allocated when it starts and
/// up to @p maxBuffers allocated on demand (when every other buffer is out), and, for raw video,
/// the video meta option. @p size is used for non-video caps. Returns FALSE when the pool
/// refuses the configuration.
gboolean zerotee_memfd_buffer_pool_configure(GstBufferPool *pool, GstCaps *caps, guint size,
                                             guint minBuffers, guint maxBuffers);

/// The most buffers @p pool may allocate (its configured maximum; 0 = unlimited).
guint zerotee_memfd_buffer_pool_max_buffers(GstBufferPool *pool);

G_END_DECLS
