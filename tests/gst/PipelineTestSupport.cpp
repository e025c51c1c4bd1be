#include "PipelineTestSupport.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include <thread>
#include <unistd.h>

namespace zerotee::test {

void initGStreamer()
{
    gst_init(nullptr, nullptr);
}

Pipeline::Pipeline(const std::string &description)
{
    GError *error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (error) {
        g_printerr("cannot build '%s': %s\n", description.c_str(), error->message);
        g_clear_error(&error);
    }
    if (pipeline_)
        gst_object_ref_sink(pipeline_);
}

Pipeline::~Pipeline()
{
    if (pipeline_) {
        gst_element_set_state(pipeline_, GST_STATE_NULL);
        gst_object_unref(pipeline_);
    }
}

GstElement *Pipeline::element(const char *name) const
{
    GstElement *e = gst_bin_get_by_name(GST_BIN(pipeline_), name);
    if (e)
        gst_object_unref(e); // the bin keeps it
    return e;
}

bool Pipeline::setState(GstState state)
{
    if (gst_element_set_state(pipeline_, state) == GST_STATE_CHANGE_FAILURE)
        return false;
    GstState current;
    return gst_element_get_state(pipeline_, &current, nullptr, 10 * GST_SECOND) !=
               GST_STATE_CHANGE_FAILURE &&
           current == state;
}

GstState Pipeline::currentState() const
{
    GstState current = GST_STATE_VOID_PENDING;
    gst_element_get_state(pipeline_, &current, nullptr, 0);
    return current;
}

std::string Pipeline::takeError()
{
    GstBus *bus = gst_element_get_bus(pipeline_);
    std::string text;
    while (GstMessage *msg = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR)) {
        GError *error = nullptr;
        gst_message_parse_error(msg, &error, nullptr);
        if (text.empty())
            text = error ? error->message : "error";
        g_clear_error(&error);
        gst_message_unref(msg);
    }
    gst_object_unref(bus);
    return text;
}

uint64_t hashVideoFrame(GstBuffer *buffer, GstCaps *caps)
{
    GstVideoInfo info;
    if (!gst_video_info_from_caps(&info, caps))
        return 0;
    GstVideoFrame frame;
    if (!gst_video_frame_map(&frame, &info, buffer, GST_MAP_READ))
        return 0;
    uint64_t hash = 1469598103934665603ull;
    for (guint plane = 0; plane < GST_VIDEO_FRAME_N_PLANES(&frame); ++plane) {
        gint comps[GST_VIDEO_MAX_COMPONENTS];
        gst_video_format_info_component(info.finfo, plane, comps);
        gint comp = comps[0];
        gsize rowBytes = gsize(GST_VIDEO_FRAME_COMP_WIDTH(&frame, comp)) *
                         gsize(GST_VIDEO_FRAME_COMP_PSTRIDE(&frame, comp));
        gint rows = GST_VIDEO_FRAME_COMP_HEIGHT(&frame, comp);
        auto *data = static_cast<const uint8_t *>(GST_VIDEO_FRAME_PLANE_DATA(&frame, plane));
        gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(&frame, plane);
        for (gint row = 0; row < rows; ++row) {
            const uint8_t *p = data + gsize(row) * gsize(stride);
            for (gsize i = 0; i < rowBytes; ++i) {
                hash ^= p[i];
                hash *= 1099511628211ull;
            }
        }
    }
    gst_video_frame_unmap(&frame);
    return hash;
}

bool isMemfd(int fd)
{
    char link[256];
    std::string path = "/proc/self/fd/" + std::to_string(fd);
    ssize_t n = ::readlink(path.c_str(), link, sizeof(link) - 1);
    if (n <= 0)
        return false;
    link[n] = '\0';
    return std::string(link).rfind("/memfd:", 0) == 0;
}

FrameRecorder::FrameRecorder(GstElement *element, const char *padName)
{
    pad_ = gst_element_get_static_pad(element, padName);
    probeId_ = gst_pad_add_probe(pad_, GST_PAD_PROBE_TYPE_BUFFER, probe, this, nullptr);
}

FrameRecorder::~FrameRecorder()
{
    gst_pad_remove_probe(pad_, probeId_);
    gst_object_unref(pad_);
}

GstPadProbeReturn FrameRecorder::probe(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    auto *self = static_cast<FrameRecorder *>(data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    GstCaps *caps = gst_pad_get_current_caps(pad);
    uint64_t hash = caps ? hashVideoFrame(buffer, caps) : 0;
    int width = 0;
    if (caps) {
        gst_structure_get_int(gst_caps_get_structure(caps, 0), "width", &width);
        gst_caps_unref(caps);
    }
    bool memfd = true, fd = false, dmabuf = true;
    for (guint i = 0; i < gst_buffer_n_memory(buffer); ++i) {
        GstMemory *mem = gst_buffer_peek_memory(buffer, i);
        bool isFd = gst_is_fd_memory(mem);
        fd = fd || isFd;
        dmabuf = dmabuf && gst_is_dmabuf_memory(mem);
        memfd = memfd && isFd && isMemfd(gst_fd_memory_get_fd(mem));
    }
    std::lock_guard lock(self->mutex_);
    self->hashes_[GST_BUFFER_OFFSET(buffer)] = hash;
    self->count_++;
    self->allMemfd_ = self->allMemfd_ && memfd;
    self->anyFdBacked_ = self->anyFdBacked_ || fd;
    self->allDmabuf_ = self->allDmabuf_ && dmabuf;
    self->lastWidth_ = width;
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT))
        self->discontCount_++;
    return GST_PAD_PROBE_OK;
}

std::map<uint64_t, uint64_t> FrameRecorder::hashes() const
{
    std::lock_guard lock(mutex_);
    return hashes_;
}

size_t FrameRecorder::count() const
{
    std::lock_guard lock(mutex_);
    return count_;
}

bool FrameRecorder::allMemfd() const
{
    std::lock_guard lock(mutex_);
    return allMemfd_;
}

bool FrameRecorder::anyFdBacked() const
{
    std::lock_guard lock(mutex_);
    return anyFdBacked_;
}

bool FrameRecorder::allDmabuf() const
{
    std::lock_guard lock(mutex_);
    return allDmabuf_;
}

size_t FrameRecorder::discontCount() const
{
    std::lock_guard lock(mutex_);
    return discontCount_;
}

int FrameRecorder::lastWidth() const
{
    std::lock_guard lock(mutex_);
    return lastWidth_;
}

uint64_t statField(GstElement *element, const char *field)
{
    GstStructure *stats = nullptr;
    g_object_get(element, "stats", &stats, nullptr);
    if (!stats)
        return 0;
    uint64_t value = 0;
    guint u = 0;
    guint64 u64 = 0;
    if (gst_structure_get_uint64(stats, field, &u64))
        value = u64;
    else if (gst_structure_get_uint(stats, field, &u))
        value = u;
    gst_structure_free(stats);
    return value;
}

GstClockTime runningTimeNow(GstElement *element)
{
    GstClock *clock = gst_element_get_clock(element);
    if (!clock)
        return 0;
    const GstClockTime now = gst_clock_get_time(clock) - gst_element_get_base_time(element);
    gst_object_unref(clock);
    return now;
}

GstFlowReturn pushBuffer(GstElement *appsrc, GstBuffer *buffer, GstClockTime pts,
                         GstClockTime duration, uint64_t offset)
{
    GST_BUFFER_PTS(buffer) = pts;
    GST_BUFFER_DURATION(buffer) = duration;
    GST_BUFFER_OFFSET(buffer) = offset;
    GstFlowReturn ret = GST_FLOW_ERROR;
    g_signal_emit_by_name(appsrc, "push-buffer", buffer, &ret);
    gst_buffer_unref(buffer);
    return ret;
}

GstFlowReturn pushFrame(GstElement *appsrc, gsize size, uint8_t fill, GstClockTime pts,
                        GstClockTime duration, uint64_t offset)
{
    GstBuffer *buffer = gst_buffer_new_allocate(nullptr, size, nullptr);
    gst_buffer_memset(buffer, 0, fill, size);
    return pushBuffer(appsrc, buffer, pts, duration, offset);
}

bool waitFor(const std::function<bool()> &condition, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

} // namespace zerotee::test
