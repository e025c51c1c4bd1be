#include "MemfdBufferPool.h"

#include "UniqueFd.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include <cerrno>
#include <fcntl.h>
#include <linux/dma-heap.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

GST_DEBUG_CATEGORY_STATIC(zerotee_pool_debug);
#define GST_CAT_DEFAULT zerotee_pool_debug

namespace {

constexpr const char *kDmaHeaps[] = {"/dev/dma_heap/linux,cma", "/dev/dma_heap/system"};

zerotee::UniqueFd openDmaHeap()
{
    for (const char *path : kDmaHeaps) {
        zerotee::UniqueFd heap(::open(path, O_RDWR | O_CLOEXEC));
        if (heap) {
            GST_INFO("allocating from %s", path);
            return heap;
        }
    }
    return {};
}

zerotee::UniqueFd allocateFromHeap(int heap, gsize size)
{
    dma_heap_allocation_data data{};
    data.len = size;
    data.fd_flags = O_RDWR | O_CLOEXEC;
    if (::ioctl(heap, DMA_HEAP_IOCTL_ALLOC, &data) < 0) {
        GST_WARNING("DMA heap allocation of %" G_GSIZE_FORMAT " bytes failed: %s", size,
                    g_strerror(errno));
        return {};
    }
    return zerotee::UniqueFd(int(data.fd));
}

zerotee::UniqueFd allocateMemfd(gsize size)
{
    zerotee::UniqueFd fd(::memfd_create("zerotee-frame", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd) {
        GST_ERROR("memfd_create failed: %s", g_strerror(errno));
        return {};
    }
    if (::ftruncate(fd.get(), off_t(size)) < 0) {
        GST_ERROR("ftruncate(%" G_GSIZE_FORMAT ") failed: %s", size, g_strerror(errno));
        return {};
    }
    return fd;
}

} // namespace

struct _ZeroteeMemfdBufferPool {
    GstBufferPool parent;

    ZeroteePoolMemory memory;
    GstAllocator *fdAllocator;
    GstAllocator *dmabufAllocator;
    zerotee::UniqueFd *heap; // open DMA heap, or invalid: memfd

    gboolean isVideo;
    gboolean addVideoMeta;
    GstVideoInfo info; // aligned, when isVideo
    gsize size;
};

G_DEFINE_TYPE_WITH_CODE(ZeroteeMemfdBufferPool, zerotee_memfd_buffer_pool, GST_TYPE_BUFFER_POOL,
                        GST_DEBUG_CATEGORY_INIT(zerotee_pool_debug, "zeroteepool", 0,
                                                "zerotee shared-memory buffer pool"))

static const gchar **zerotee_memfd_buffer_pool_get_options(GstBufferPool *)
{
    static const gchar *options[] = {GST_BUFFER_POOL_OPTION_VIDEO_META,
                                     GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT, nullptr};
    return options;
}

static gboolean zerotee_memfd_buffer_pool_set_config(GstBufferPool *pool, GstStructure *config)
{
    auto *self = ZEROTEE_MEMFD_BUFFER_POOL(pool);
    GstCaps *caps = nullptr;
    guint size = 0, minBuffers = 0, maxBuffers = 0;
    if (!gst_buffer_pool_config_get_params(config, &caps, &size, &minBuffers, &maxBuffers)) {
        GST_WARNING_OBJECT(pool, "invalid config");
        return FALSE;
    }

    self->isVideo = FALSE;
    self->addVideoMeta = FALSE;
    if (caps && gst_caps_get_size(caps) == 1 &&
        gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-raw")) {
        GstVideoInfo info;
        if (!gst_video_info_from_caps(&info, caps)) {
            GST_WARNING_OBJECT(pool, "cannot parse caps %" GST_PTR_FORMAT, caps);
            return FALSE;
        }
        GstVideoAlignment align;
        gst_video_alignment_reset(&align);
        if (gst_buffer_pool_config_has_option(config, GST_BUFFER_POOL_OPTION_VIDEO_ALIGNMENT))
            gst_buffer_pool_config_get_video_alignment(config, &align);
        if (!gst_video_info_align(&info, &align)) {
            GST_WARNING_OBJECT(pool, "cannot align video info");
            return FALSE;
        }
        self->isVideo = TRUE;
        self->addVideoMeta =
            gst_buffer_pool_config_has_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
        self->info = info;
        size = guint(MAX(gsize(size), info.size));
        gst_buffer_pool_config_set_params(config, caps, size, minBuffers, maxBuffers);
    }
    if (size == 0) {
        GST_WARNING_OBJECT(pool, "no buffer size configured");
        return FALSE;
    }
    self->size = size;

    if (self->memory == ZEROTEE_POOL_MEMORY_AUTO && !self->heap->isValid())
        *self->heap = openDmaHeap();

    GST_DEBUG_OBJECT(pool, "%s buffers of %u bytes in %s, %u..%u", self->isVideo ? "video" : "slab",
                     size, self->heap->isValid() ? "a DMA heap" : "memfds", minBuffers, maxBuffers);
    return GST_BUFFER_POOL_CLASS(zerotee_memfd_buffer_pool_parent_class)->set_config(pool, config);
}

static GstFlowReturn zerotee_memfd_buffer_pool_alloc_buffer(GstBufferPool *pool, GstBuffer **out,
                                                            GstBufferPoolAcquireParams *)
{
    auto *self = ZEROTEE_MEMFD_BUFFER_POOL(pool);
    gsize size = self->size;

    GstMemory *memory = nullptr;
    if (self->heap->isValid()) {
        // DMA heaps hand out whole pages.
        gsize pageSize = gsize(sysconf(_SC_PAGESIZE));
        gsize allocSize = (size + pageSize - 1) / pageSize * pageSize;
        zerotee::UniqueFd fd = allocateFromHeap(self->heap->get(), allocSize);
        if (fd) {
            memory = gst_dmabuf_allocator_alloc_with_flags(
                self->dmabufAllocator, fd.release(), allocSize, GST_FD_MEMORY_FLAG_KEEP_MAPPED);
            gst_memory_resize(memory, 0, size);
        }
    }
    bool memfd = false;
    if (!memory) {
        zerotee::UniqueFd fd = allocateMemfd(size);
        if (!fd)
            return GST_FLOW_ERROR;
        memory = gst_fd_allocator_alloc(self->fdAllocator, fd.release(), size,
                                        GST_FD_MEMORY_FLAG_KEEP_MAPPED);
        memfd = true;
    }
    if (!memory)
        return GST_FLOW_ERROR;

    // The one writable mapping, kept for the memory's lifetime; later maps reuse it.
    GstMapInfo map;
    if (!gst_memory_map(memory, &map, GST_MAP_READWRITE)) {
        GST_ERROR_OBJECT(pool, "cannot map new buffer");
        gst_memory_unref(memory); // not handed to a buffer yet: ours to drop
        return GST_FLOW_ERROR;
    }
    gst_memory_unmap(memory, &map);

    if (memfd) {
        int fd = gst_fd_memory_get_fd(memory);
        if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) < 0)
            GST_WARNING_OBJECT(pool, "cannot seal memfd: %s", g_strerror(errno));
    }

    GstBuffer *buffer = gst_buffer_new();
    gst_buffer_append_memory(buffer, memory);
    if (self->isVideo && self->addVideoMeta) {
        const GstVideoInfo &info = self->info;
        gst_buffer_add_video_meta_full(buffer, GST_VIDEO_FRAME_FLAG_NONE,
                                       GST_VIDEO_INFO_FORMAT(&info), GST_VIDEO_INFO_WIDTH(&info),
                                       GST_VIDEO_INFO_HEIGHT(&info), GST_VIDEO_INFO_N_PLANES(&info),
                                       const_cast<gsize *>(info.offset),
                                       const_cast<gint *>(info.stride));
    }
    *out = buffer;
    return GST_FLOW_OK;
}

static void zerotee_memfd_buffer_pool_finalize(GObject *object)
{
    auto *self = ZEROTEE_MEMFD_BUFFER_POOL(object);
    gst_clear_object(&self->fdAllocator);
    gst_clear_object(&self->dmabufAllocator);
    delete self->heap;
    G_OBJECT_CLASS(zerotee_memfd_buffer_pool_parent_class)->finalize(object);
}

static void zerotee_memfd_buffer_pool_class_init(ZeroteeMemfdBufferPoolClass *klass)
{
    G_OBJECT_CLASS(klass)->finalize = zerotee_memfd_buffer_pool_finalize;
    auto *poolClass = GST_BUFFER_POOL_CLASS(klass);
    poolClass->get_options = zerotee_memfd_buffer_pool_get_options;
    poolClass->set_config = zerotee_memfd_buffer_pool_set_config;
    poolClass->alloc_buffer = zerotee_memfd_buffer_pool_alloc_buffer;
}

static void zerotee_memfd_buffer_pool_init(ZeroteeMemfdBufferPool *self)
{
    self->memory = ZEROTEE_POOL_MEMORY_AUTO;
    self->fdAllocator = gst_fd_allocator_new();
    self->dmabufAllocator = gst_dmabuf_allocator_new();
    self->heap = new zerotee::UniqueFd();
    gst_video_info_init(&self->info);
}

GstBufferPool *zerotee_memfd_buffer_pool_new(ZeroteePoolMemory memory)
{
    auto *self = static_cast<ZeroteeMemfdBufferPool *>(
        g_object_new(ZEROTEE_TYPE_MEMFD_BUFFER_POOL, nullptr));
    gst_object_ref_sink(self);
    self->memory = memory;
    return GST_BUFFER_POOL(self);
}

gboolean zerotee_memfd_buffer_pool_uses_dma_heap(ZeroteeMemfdBufferPool *pool)
{
    return pool->heap->isValid();
}

guint zerotee_memfd_buffer_pool_max_buffers(GstBufferPool *pool)
{
    g_autoptr(GstStructure) config = gst_buffer_pool_get_config(pool);
    guint minBuffers = 0, maxBuffers = 0;
    gst_buffer_pool_config_get_params(config, nullptr, nullptr, &minBuffers, &maxBuffers);
    return maxBuffers;
}

gboolean zerotee_memfd_buffer_pool_configure(GstBufferPool *pool, GstCaps *caps, guint size,
                                             guint minBuffers, guint maxBuffers)
{
    GstStructure *config = gst_buffer_pool_get_config(pool);
    gst_buffer_pool_config_set_params(config, caps, size, minBuffers, maxBuffers);
    gst_buffer_pool_config_add_option(config, GST_BUFFER_POOL_OPTION_VIDEO_META);
    return gst_buffer_pool_set_config(pool, config);
}
