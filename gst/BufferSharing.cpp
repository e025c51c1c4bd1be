#include "BufferSharing.h"

#include "MappedBuffer.h"

#include <gst/allocators/allocators.h>

#include <atomic>
#include <cerrno>
#include <drm_fourcc.h>
#include <sys/stat.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC(zerotee_sharing_debug);
#define GST_CAT_DEFAULT zerotee_sharing_debug

namespace zerotee {

namespace {

void ensureDebugCategory()
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        GST_DEBUG_CATEGORY_INIT(zerotee_sharing_debug, "zeroteesharing", 0,
                                "zerotee buffer sharing");
        g_once_init_leave(&done, 1);
    }
}

struct FourccMapping {
    GstVideoFormat format;
    uint32_t fourcc;
};

// GStreamer names formats by byte order in memory, DRM by a little-endian word: RGBA (bytes
// R,G,B,A) is DRM_FORMAT_ABGR8888.
constexpr FourccMapping kFourccs[] = {
    {GST_VIDEO_FORMAT_NV12, DRM_FORMAT_NV12},     {GST_VIDEO_FORMAT_NV21, DRM_FORMAT_NV21},
    {GST_VIDEO_FORMAT_NV16, DRM_FORMAT_NV16},     {GST_VIDEO_FORMAT_NV61, DRM_FORMAT_NV61},
    {GST_VIDEO_FORMAT_NV24, DRM_FORMAT_NV24},     {GST_VIDEO_FORMAT_I420, DRM_FORMAT_YUV420},
    {GST_VIDEO_FORMAT_YV12, DRM_FORMAT_YVU420},   {GST_VIDEO_FORMAT_Y42B, DRM_FORMAT_YUV422},
    {GST_VIDEO_FORMAT_Y444, DRM_FORMAT_YUV444},   {GST_VIDEO_FORMAT_YUY2, DRM_FORMAT_YUYV},
    {GST_VIDEO_FORMAT_YVYU, DRM_FORMAT_YVYU},     {GST_VIDEO_FORMAT_UYVY, DRM_FORMAT_UYVY},
    {GST_VIDEO_FORMAT_VYUY, DRM_FORMAT_VYUY},     {GST_VIDEO_FORMAT_RGBA, DRM_FORMAT_ABGR8888},
    {GST_VIDEO_FORMAT_RGBx, DRM_FORMAT_XBGR8888}, {GST_VIDEO_FORMAT_BGRA, DRM_FORMAT_ARGB8888},
    {GST_VIDEO_FORMAT_BGRx, DRM_FORMAT_XRGB8888}, {GST_VIDEO_FORMAT_ARGB, DRM_FORMAT_BGRA8888},
    {GST_VIDEO_FORMAT_xRGB, DRM_FORMAT_BGRX8888}, {GST_VIDEO_FORMAT_ABGR, DRM_FORMAT_RGBA8888},
    {GST_VIDEO_FORMAT_xBGR, DRM_FORMAT_RGBX8888}, {GST_VIDEO_FORMAT_RGB, DRM_FORMAT_BGR888},
    {GST_VIDEO_FORMAT_BGR, DRM_FORMAT_RGB888},    {GST_VIDEO_FORMAT_RGB16, DRM_FORMAT_RGB565},
    {GST_VIDEO_FORMAT_BGR16, DRM_FORMAT_BGR565},  {GST_VIDEO_FORMAT_GRAY8, DRM_FORMAT_R8},
    {GST_VIDEO_FORMAT_GRAY16_LE, DRM_FORMAT_R16}, {GST_VIDEO_FORMAT_P010_10LE, DRM_FORMAT_P010},
};

GstAllocator *fdAllocator()
{
    static GstAllocator *allocator = [] {
        GstAllocator *a = gst_fd_allocator_new();
        GST_OBJECT_FLAG_SET(a, GST_OBJECT_FLAG_MAY_BE_LEAKED);
        return a;
    }();
    return allocator;
}

GstAllocator *dmabufAllocator()
{
    static GstAllocator *allocator = [] {
        GstAllocator *a = gst_dmabuf_allocator_new();
        GST_OBJECT_FLAG_SET(a, GST_OBJECT_FLAG_MAY_BE_LEAKED);
        return a;
    }();
    return allocator;
}

uint64_t fdSizeOf(int fd, const struct stat &st)
{
    if (st.st_size > 0)
        return uint64_t(st.st_size);
    off_t end = ::lseek(fd, 0, SEEK_END); // DMABUFs report their size this way
    return end > 0 ? uint64_t(end) : 0;
}

// Plane sizes for a video layout given offsets and strides.
void planeSizes(GstVideoFormat format, guint width, guint height, guint planes,
                const gsize *offsets, const gint *strides, gsize *sizes)
{
    GstVideoMeta meta{};
    meta.format = format;
    meta.width = width;
    meta.height = height;
    meta.n_planes = planes;
    for (guint i = 0; i < planes; ++i) {
        meta.offset[i] = offsets[i];
        meta.stride[i] = strides[i];
    }
    gst_video_alignment_reset(&meta.alignment);
    if (!gst_video_meta_get_plane_size(&meta, sizes)) {
        for (guint i = 0; i < planes; ++i)
            sizes[i] = 0;
    }
}

struct ReleaseToken {
    std::atomic<unsigned> remaining;
    std::function<void()> onReleased;
};

void releaseTokenNotify(gpointer data)
{
    auto *token = static_cast<ReleaseToken *>(data);
    if (token->remaining.fetch_sub(1) == 1) {
        token->onReleased();
        delete token;
    }
}

} // namespace

uint32_t drmFourccFromVideoFormat(GstVideoFormat format)
{
    for (const FourccMapping &m : kFourccs)
        if (m.format == format)
            return m.fourcc;
    return 0;
}

bool isFdBacked(GstBuffer *buffer)
{
    guint n = gst_buffer_n_memory(buffer);
    if (n == 0 || n > wire::kMaxMemories)
        return false;
    for (guint i = 0; i < n; ++i)
        if (!gst_is_fd_memory(gst_buffer_peek_memory(buffer, i)))
            return false;
    return true;
}

size_t MemoryIdentityHash::operator()(const MemoryIdentity &id) const
{
    size_t h = std::hash<uint64_t>()(uint64_t(id.device));
    h = h * 31 + std::hash<uint64_t>()(uint64_t(id.inode));
    h = h * 31 + std::hash<uint64_t>()(id.offset);
    return h * 31 + id.memoryCount;
}

int describeBuffer(GstBuffer *buffer, const GstVideoInfo *videoInfo, BufferLayout *layout,
                   MemoryIdentity *identity)
{
    ensureDebugCategory();
    if (!isFdBacked(buffer))
        return -EINVAL;

    BufferLayout out;
    guint n = gst_buffer_n_memory(buffer);
    bool allDmabuf = true;
    for (guint i = 0; i < n; ++i) {
        GstMemory *mem = gst_buffer_peek_memory(buffer, i);
        allDmabuf = allDmabuf && gst_is_dmabuf_memory(mem);
        int fd = gst_fd_memory_get_fd(mem);
        struct stat st {};
        if (fd < 0 || ::fstat(fd, &st) < 0)
            return fd < 0 ? -EBADF : -errno;
        BufferLayout::Memory m;
        m.fd = fd;
        m.fdOffset = mem->offset;
        m.size = mem->size;
        m.fdSize = std::max<uint64_t>(fdSizeOf(fd, st), m.fdOffset + m.size);
        out.memories.push_back(m);
        if (i == 0)
            *identity = {st.st_dev, st.st_ino, uint64_t(mem->offset), n};
    }
    out.memoryType = allDmabuf ? wire::MemoryType::Dmabuf : wire::MemoryType::Memfd;
    out.drmModifier = DRM_FORMAT_MOD_LINEAR;

    GstVideoMeta *meta = gst_buffer_get_video_meta(buffer);
    GstVideoFormat format = GST_VIDEO_FORMAT_UNKNOWN;
    guint width = 0, height = 0, planes = 0;
    gsize offsets[GST_VIDEO_MAX_PLANES] = {};
    gint strides[GST_VIDEO_MAX_PLANES] = {};
    if (meta) {
        format = meta->format;
        width = meta->width;
        height = meta->height;
        planes = meta->n_planes;
        for (guint i = 0; i < planes; ++i) {
            offsets[i] = meta->offset[i];
            strides[i] = meta->stride[i];
        }
    } else if (videoInfo && GST_VIDEO_INFO_FORMAT(videoInfo) != GST_VIDEO_FORMAT_UNKNOWN &&
               GST_VIDEO_INFO_FORMAT(videoInfo) != GST_VIDEO_FORMAT_ENCODED) {
        format = GST_VIDEO_INFO_FORMAT(videoInfo);
        width = GST_VIDEO_INFO_WIDTH(videoInfo);
        height = GST_VIDEO_INFO_HEIGHT(videoInfo);
        planes = GST_VIDEO_INFO_N_PLANES(videoInfo);
        for (guint i = 0; i < planes; ++i) {
            offsets[i] = videoInfo->offset[i];
            strides[i] = videoInfo->stride[i];
        }
    }
    if (planes > 0 && planes <= wire::kMaxPlanes) {
        gsize sizes[GST_VIDEO_MAX_PLANES] = {};
        planeSizes(format, width, height, planes, offsets, strides, sizes);
        for (guint i = 0; i < planes; ++i)
            out.planes.push_back(
                {uint64_t(offsets[i]), uint32_t(strides[i]), 0, uint64_t(sizes[i])});
        out.drmFourcc = drmFourccFromVideoFormat(format);
        out.width = width;
        out.height = height;
    }
    *layout = std::move(out);
    return 0;
}

uint64_t layoutCapacity(const BufferLayout &layout)
{
    uint64_t total = 0;
    for (const BufferLayout::Memory &m : layout.memories)
        total += m.size;
    return total;
}

std::unique_ptr<ImportedBuffer> ImportedBuffer::import(BufferRegistration registration, int *error)
{
    ensureDebugCategory();
    std::unique_ptr<ImportedBuffer> imported(new ImportedBuffer());
    imported->layout_ = registration.layout;
    const wire::RegisterBuffer &layout = imported->layout_;
    bool dmabuf = layout.memoryType == uint8_t(wire::MemoryType::Dmabuf);

    // The same check as every other importer: the layout fits its fds, so GStreamer's one
    // mapping of each fd cannot run past its end.
    if ((*error = checkRegistration(registration)) < 0)
        return nullptr;
    for (unsigned i = 0; i < layout.memoryCount; ++i) {
        const wire::MemoryDesc &desc = layout.memories[i];
        int fd = registration.fds[i].release();
        GstMemory *mem =
            dmabuf ? gst_dmabuf_allocator_alloc_with_flags(
                         dmabufAllocator(), fd, gsize(desc.fdSize), GST_FD_MEMORY_FLAG_KEEP_MAPPED)
                   : gst_fd_allocator_alloc(fdAllocator(), fd, gsize(desc.fdSize),
                                            GST_FD_MEMORY_FLAG_KEEP_MAPPED);
        if (!mem) {
            ::close(fd);
            *error = -ENOMEM;
            return nullptr;
        }
        // Consumers only read: a writer downstream gets a copy (gst_memory_make_mapped).
        GST_MINI_OBJECT_FLAG_SET(mem, guint(GST_MEMORY_FLAG_READONLY) |
                                          guint(GST_MINI_OBJECT_FLAG_LOCK_READONLY));
        gst_memory_resize(mem, gssize(desc.fdOffset), gsize(desc.size));
        imported->memories_.push_back(mem);

        // The one mapping of this memory, kept until the memory is freed.
        GstMapInfo map;
        if (!gst_memory_map(mem, &map, GST_MAP_READ)) {
            GST_WARNING("cannot map buffer %u memory %u (%" G_GUINT64_FORMAT " bytes)",
                        layout.bufferId, i, desc.fdSize);
            *error = -EIO;
            return nullptr;
        }
        gst_memory_unmap(mem, &map);
    }
    *error = 0;
    return imported;
}

ImportedBuffer::~ImportedBuffer()
{
    for (GstMemory *mem : memories_)
        gst_memory_unref(mem); // the import's references; frame buffers hold their own
}

uint64_t ImportedBuffer::capacity() const
{
    uint64_t total = 0;
    for (unsigned i = 0; i < layout_.memoryCount; ++i)
        total += layout_.memories[i].size;
    return total;
}

GstBuffer *ImportedBuffer::newFrameBuffer(uint64_t payloadSize, const GstVideoInfo *videoInfo) const
{
    GstBuffer *buffer = gst_buffer_new();
    uint64_t remaining = payloadSize;
    for (GstMemory *mem : memories_) {
        if (remaining == 0)
            break;
        gsize size = gsize(std::min<uint64_t>(mem->size, remaining));
        gst_buffer_append_memory(buffer, gst_memory_share(mem, 0, gssize(size)));
        remaining -= size;
    }
    // Appending memory tags a buffer as modified; this one is as the producer made it.
    GST_BUFFER_FLAG_UNSET(buffer, GST_BUFFER_FLAG_TAG_MEMORY);

    if (videoInfo && layout_.planeCount > 0 &&
        layout_.planeCount == GST_VIDEO_INFO_N_PLANES(videoInfo)) {
        gsize offsets[GST_VIDEO_MAX_PLANES] = {};
        gint strides[GST_VIDEO_MAX_PLANES] = {};
        for (unsigned i = 0; i < layout_.planeCount; ++i) {
            offsets[i] = gsize(layout_.planes[i].offset);
            strides[i] = gint(layout_.planes[i].stride);
        }
        gst_buffer_add_video_meta_full(
            buffer, GST_VIDEO_FRAME_FLAG_NONE, GST_VIDEO_INFO_FORMAT(videoInfo),
            GST_VIDEO_INFO_WIDTH(videoInfo), GST_VIDEO_INFO_HEIGHT(videoInfo), layout_.planeCount,
            offsets, strides);
    }
    return buffer;
}

void callWhenMemoriesFreed(GstBuffer *buffer, std::function<void()> onReleased)
{
    static GQuark quark = g_quark_from_static_string("zerotee-release-token");
    guint n = gst_buffer_n_memory(buffer);
    if (n == 0) {
        onReleased();
        return;
    }
    auto *token = new ReleaseToken{n, std::move(onReleased)};
    for (guint i = 0; i < n; ++i)
        gst_mini_object_set_qdata(GST_MINI_OBJECT_CAST(gst_buffer_peek_memory(buffer, i)), quark,
                                  token, releaseTokenNotify);
}

} // namespace zerotee
