#pragma once

// Turning GstBuffers into shareable buffer layouts (producer) and received registrations back
// into GstMemory / GstBuffer (consumer).

#include "FramePublisher.h"
#include "FrameSubscriber.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <sys/types.h>

namespace zerotee {

/// The DRM fourcc of a raw video format (DRM_FORMAT_NV12 for GST_VIDEO_FORMAT_NV12, ...), or 0
/// when DRM has no equivalent.
uint32_t drmFourccFromVideoFormat(GstVideoFormat format);

/// TRUE when every memory of @p buffer is fd memory (memfd, DMABUF), so it can be shared as is.
bool isFdBacked(GstBuffer *buffer);

/// What stays the same while a buffer's memory stays the same, however GstBuffer objects and
/// fd numbers are reused: the file (device + inode) and offset of its first memory, and how
/// many memories it has. While a buffer is registered the publisher holds a duplicate of its
/// fd, so the inode cannot be freed and reused meanwhile.
struct MemoryIdentity {
    dev_t device = 0;
    ino_t inode = 0;
    uint64_t offset = 0;
    uint32_t memoryCount = 0;

    bool operator==(const MemoryIdentity &) const = default;
};

struct MemoryIdentityHash {
    size_t operator()(const MemoryIdentity &id) const;
};

/// Describes an fd-backed buffer for FramePublisher::registerBuffer(). @p videoInfo (may be
/// null) gives the planes when the buffer carries no GstVideoMeta; with neither, the layout has
/// no planes (encoded data). The fds in @p layout are borrowed from the buffer.
/// Returns 0, or -EINVAL when the buffer is not fd-backed or has too many memories, or -errno.
int describeBuffer(GstBuffer *buffer, const GstVideoInfo *videoInfo, BufferLayout *layout,
                   MemoryIdentity *identity);

/// Total bytes a layout's memories hold.
uint64_t layoutCapacity(const BufferLayout &layout);

/// A producer's buffer imported into this process once: one GstMemory per registered memory,
/// read-only and mapped once (GST_FD_MEMORY_FLAG_KEEP_MAPPED), so a frame costs no mmap.
/// memfds use the fd allocator, DMABUFs the dmabuf allocator (so downstream can import them).
///
/// Thread context: immutable after import; thread-safe.
class ImportedBuffer {
public:
    /// Takes the registration's fds. Returns null with -errno in @p error when a memory cannot
    /// be wrapped or mapped.
    static std::unique_ptr<ImportedBuffer> import(BufferRegistration registration, int *error);
    ~ImportedBuffer();
    ImportedBuffer(const ImportedBuffer &) = delete;
    ImportedBuffer &operator=(const ImportedBuffer &) = delete;

    const wire::RegisterBuffer &layout() const { return layout_; }
    uint64_t capacity() const;

    /// A new buffer whose memories share (gst_memory_share) the imported ones, trimmed to
    /// @p payloadSize bytes, with a GstVideoMeta from the registered planes when @p videoInfo
    /// is given (its format, width and height) and the layout has planes.
    GstBuffer *newFrameBuffer(uint64_t payloadSize, const GstVideoInfo *videoInfo) const;

private:
    ImportedBuffer() = default;

    wire::RegisterBuffer layout_{};
    std::vector<GstMemory *> memories_;
};

/// Calls @p onReleased once, from whichever thread drops the last reference, when every memory
/// @p buffer holds now has been freed. Tracking the memories rather than the buffer keeps the
/// lease while a copy of the buffer (gst_buffer_make_writable) still shares them. With no
/// memories, calls it at once.
void callWhenMemoriesFreed(GstBuffer *buffer, std::function<void()> onReleased);

} // namespace zerotee
