#include "StorageWriter.h"

#include "DiskMonitor.h"

#include <gst/app/gstappsrc.h>
#include <gst/video/video.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace zerotee {

StorageWriter::StorageWriter(Options options) : options_(std::move(options))
{
    gst_segment_init(&segment_, GST_FORMAT_TIME);
}

StorageWriter::~StorageWriter()
{
    if (busWatch_)
        g_source_remove(busWatch_);
    // By hand, in this order: the bus watch, then the pipeline (stopped), then its caps.
    if (pipeline_) {
        gst_element_set_state(pipeline_, GST_STATE_NULL);
        gst_object_unref(pipeline_);
    }
    if (caps_)
        gst_caps_unref(caps_);
    // A file still open was cut short (error or timeout): Matroska and fragmented MP4 play as
    // they are, so it gets its final name like any finished one.
    std::lock_guard lock(fileMutex_);
    for (const std::string &part : openParts_)
        DiskMonitor::finalize(part);
}

int StorageWriter::start(GstCaps *caps, const GstSegment *segment)
{
    caps_ = gst_caps_ref(caps);
    gst_segment_copy_into(segment, &segment_);
    pipeline_ = gst_pipeline_new("storage");
    appsrc_ = gst_element_factory_make("appsrc", "source");
    GstElement *splitmux = gst_element_factory_make("splitmuxsink", "segments");
    if (!appsrc_ || !splitmux) {
        std::fprintf(stderr, "recorder: appsrc or splitmuxsink is missing\n");
        return -ENOENT;
    }
    gst_bin_add_many(GST_BIN(pipeline_), appsrc_, splitmux, nullptr);
    g_object_set(appsrc_, "caps", caps, "format", GST_FORMAT_TIME, "is-live", TRUE, "block", FALSE,
                 "max-bytes", guint64(0), "handle-segment-change", TRUE, nullptr);

    // Unbuffered file writes: a kill -9 then loses only what the muxer itself still holds.
    g_autoptr(GstStructure) sinkProperties =
        gst_structure_new("properties", "buffer-mode", G_TYPE_INT, 2, nullptr);
    g_autoptr(GstStructure) muxProperties =
        options_.container == Container::Mp4
            ? gst_structure_new("properties", "fragment-duration", G_TYPE_UINT, 1000u, nullptr)
            : gst_structure_new_empty("properties");
    // muxer-factory and the property structures are ignored unless async-finalize is on.
    g_object_set(splitmux, "async-finalize", TRUE, "muxer-factory",
                 options_.container == Container::Mp4 ? "mp4mux" : "matroskamux",
                 "muxer-properties", muxProperties, "sink-factory", "filesink", "sink-properties",
                 sinkProperties, "max-size-time", guint64(options_.segmentLength),
                 "send-keyframe-requests", options_.segmentLength > 0 ? TRUE : FALSE, nullptr);
    g_signal_connect(splitmux, "format-location-full", G_CALLBACK(&StorageWriter::onFormatLocation),
                     this);
    if (!gst_element_link(appsrc_, splitmux)) {
        std::fprintf(stderr, "recorder: cannot link appsrc to splitmuxsink\n");
        return -EINVAL;
    }
    g_autoptr(GstPad) pad = gst_element_get_static_pad(appsrc_, "src");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, &StorageWriter::onUpstreamEvent, this,
                      nullptr);

    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    busWatch_ = gst_bus_add_watch(bus, &StorageWriter::onBusMessage, this);
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
        return -EIO;
    return 0;
}

StorageWriter::PushResult StorageWriter::push(GstBuffer *buffer)
{
    if (finishing_ || !appsrc_) {
        ++drops_;
        return PushResult::Dropped;
    }
    const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    GstAppSrc *src = GST_APP_SRC(appsrc_);
    const GstClockTime levelTime = gst_app_src_get_current_level_time(src);
    const uint64_t levelBytes = gst_app_src_get_current_level_bytes(src);
    if (dropping_) {
        // Resume on a keyframe once the queue has drained to half, so a slow disk gives whole
        // dropped GOPs rather than a file that decodes as garbage.
        if (!keyframe || levelTime > options_.maxQueueTime / 2 ||
            levelBytes > options_.maxQueueBytes / 2) {
            ++drops_;
            return PushResult::Dropped;
        }
        dropping_ = false;
        std::fprintf(stderr, "recorder: storage caught up; writing again\n");
    } else if (levelTime > options_.maxQueueTime || levelBytes > options_.maxQueueBytes) {
        dropping_ = true;
        ++drops_;
        std::fprintf(stderr,
                     "recorder: storage is too slow (%.1f s / %llu bytes queued); dropping frames "
                     "until it catches up\n",
                     double(levelTime) / GST_SECOND, static_cast<unsigned long long>(levelBytes));
        return PushResult::Dropped;
    }
    if (!GST_CLOCK_TIME_IS_VALID(firstQueuedPts_))
        firstQueuedPts_ =
            GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer) : GST_BUFFER_DTS(buffer);
    // Buffers go with the capture pipeline's segment (encoders shift timestamps, x264enc by
    // 1000 h), so running times, and splitmuxsink's keyframe requests, mean the same on both.
    g_autoptr(GstSample) sample = gst_sample_new(buffer, caps_, &segment_, nullptr);
    const GstFlowReturn flow = gst_app_src_push_sample(src, sample);
    if (flow != GST_FLOW_OK) {
        ++drops_;
        return PushResult::Dropped;
    }
    return PushResult::Queued;
}

void StorageWriter::finish()
{
    if (finishing_.exchange(true) || !appsrc_)
        return;
    gst_app_src_end_of_stream(GST_APP_SRC(appsrc_));
}

bool StorageWriter::finishBlocking(GstClockTime timeout)
{
    if (!pipeline_)
        return true;
    finish();
    if (busWatch_) {
        g_source_remove(busWatch_);
        busWatch_ = 0;
    }
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    const GstClockTime deadline = gst_util_get_timestamp() + timeout;
    bool done = finished_;
    while (!done) {
        const GstClockTime now = gst_util_get_timestamp();
        if (now >= deadline)
            break;
        g_autoptr(GstMessage) message = gst_bus_timed_pop(bus, deadline - now);
        if (!message)
            break;
        done = handle(message) || GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR;
    }
    return finished_;
}

std::string StorageWriter::currentFile() const
{
    std::lock_guard lock(fileMutex_);
    return currentPart_;
}

gboolean StorageWriter::onBusMessage(GstBus *, GstMessage *message, gpointer data)
{
    static_cast<StorageWriter *>(data)->handle(message);
    return G_SOURCE_CONTINUE;
}

bool StorageWriter::handle(GstMessage *message)
{
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ELEMENT: {
        const GstStructure *s = gst_message_get_structure(message);
        const char *location = s ? gst_structure_get_string(s, "location") : nullptr;
        if (!location)
            break;
        if (gst_structure_has_name(s, "splitmuxsink-fragment-opened")) {
            {
                std::lock_guard lock(fileMutex_);
                currentPart_ = location;
                openParts_.insert(location);
            }
            if (options_.onSegmentOpened)
                options_.onSegmentOpened(location, SegmentNamer::finalFromPart(location));
        } else if (gst_structure_has_name(s, "splitmuxsink-fragment-closed")) {
            renameClosed(location);
        }
        break;
    }
    case GST_MESSAGE_ERROR: {
        g_autoptr(GError) error = nullptr;
        g_autofree gchar *debug = nullptr;
        gst_message_parse_error(message, &error, &debug);
        const bool noSpace =
            error->domain == GST_RESOURCE_ERROR && error->code == GST_RESOURCE_ERROR_NO_SPACE_LEFT;
        std::string text = error->message;
        std::fprintf(stderr, "recorder: storage error from %s: %s\n%s\n",
                     GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), error->message, debug ? debug : "");
        if (options_.onError)
            options_.onError(text, noSpace);
        break;
    }
    case GST_MESSAGE_EOS:
        finished_ = true;
        if (options_.onFinished)
            options_.onFinished();
        return true;
    default:
        break;
    }
    return false;
}

void StorageWriter::renameClosed(const std::string &partPath)
{
    const std::string final = SegmentNamer::finalFromPart(partPath);
    {
        std::lock_guard lock(fileMutex_);
        openParts_.erase(partPath);
        if (currentPart_ == partPath)
            currentPart_.clear();
    }
    // A segment closed by a storage error may end in half a block, or hold no frame at all:
    // the first is repaired, the second deleted, not published.
    DiskMonitor::repairTail(partPath);
    if (!DiskMonitor::hasContainerHeader(partPath)) {
        std::fprintf(stderr, "recorder: %s holds no video; deleted\n", partPath.c_str());
        std::remove(partPath.c_str());
        return;
    }
    if (std::rename(partPath.c_str(), final.c_str()) != 0) {
        std::fprintf(stderr, "recorder: cannot rename %s: %s\n", partPath.c_str(),
                     std::strerror(errno));
        return;
    }
    if (options_.onSegmentClosed)
        options_.onSegmentClosed(final);
}

gchar *StorageWriter::onFormatLocation(GstElement *, guint fragment, GstSample *sample,
                                       gpointer data)
{
    auto *self = static_cast<StorageWriter *>(data);
    int64_t utcMs = g_get_real_time() / 1000;
    if (self->firstFragment_.exchange(false) && self->options_.firstNameMs) {
        utcMs = *self->options_.firstNameMs;
    } else if (GstBuffer *buffer = sample ? gst_sample_get_buffer(sample) : nullptr) {
        // splitmuxsink shifts timestamps internally (by 1000 h in 1.22, to keep DTS positive).
        // The first fragment starts with the first buffer we queued, which gives the shift
        // without relying on the constant.
        const GstClockTime pts =
            GST_BUFFER_PTS_IS_VALID(buffer) ? GST_BUFFER_PTS(buffer) : GST_BUFFER_DTS(buffer);
        const GstClockTime first = self->firstQueuedPts_;
        if (fragment == 0 && GST_CLOCK_TIME_IS_VALID(pts) && GST_CLOCK_TIME_IS_VALID(first))
            self->ptsShift_ = GstClockTimeDiff(pts) - GstClockTimeDiff(first);
        if (GST_CLOCK_TIME_IS_VALID(pts) && self->options_.toUtcMs)
            utcMs = self->options_.toUtcMs(
                gst_segment_to_running_time(&self->segment_, GST_FORMAT_TIME,
                                            GstClockTime(GstClockTimeDiff(pts) - self->ptsShift_)));
    }
    const std::string path = self->options_.namer->partPath(utcMs, self->options_.label);
    if (const int rc = DiskMonitor::makeParentDirs(path); rc < 0)
        std::fprintf(stderr, "recorder: cannot create the folder of %s: %s\n", path.c_str(),
                     std::strerror(-rc));
    return g_strdup(path.c_str());
}

GstPadProbeReturn StorageWriter::onUpstreamEvent(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *self = static_cast<StorageWriter *>(data);
    GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
    if (event && gst_video_event_is_force_key_unit(event) && self->options_.onKeyframeRequest) {
        GstClockTime runningTime = GST_CLOCK_TIME_NONE;
        gst_video_event_parse_upstream_force_key_unit(event, &runningTime, nullptr, nullptr);
        self->options_.onKeyframeRequest(runningTime);
    }
    return GST_PAD_PROBE_OK;
}

} // namespace zerotee
