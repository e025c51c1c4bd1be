#include "ClipCutter.h"

#include "SegmentNamer.h"

#include <algorithm>
#include <fcntl.h>
#include <filesystem>
#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <memory>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace zerotee {

namespace {

/// A shared lock on a segment for as long as the cut reads it (see DiskMonitor::enforce).
class SegmentLock {
public:
    explicit SegmentLock(const std::string &path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC))
    {
        if (fd_ >= 0)
            ::flock(fd_, LOCK_SH);
    }
    ~SegmentLock()
    {
        if (fd_ >= 0)
            ::close(fd_); // releases the lock
    }
    SegmentLock(const SegmentLock &) = delete;
    SegmentLock &operator=(const SegmentLock &) = delete;
    bool held() const { return fd_ >= 0; }

private:
    int fd_;
};

constexpr int64_t kNsPerMs = 1000000;

/// The output side: appsrc → mp4mux (moov first, so a browser can start playing at once).
class Mp4Writer {
public:
    std::string open(GstCaps *caps, const std::string &outPath)
    {
        g_autoptr(GError) error = nullptr;
        pipeline_ = gst_parse_launch("appsrc name=src format=time block=true max-bytes=8000000 "
                                     "mp4mux name=mux faststart=true ! filesink name=out",
                                     &error);
        if (!pipeline_ || error)
            return std::string("cannot build the MP4 writer: ") +
                   (error ? error->message : "unknown error");
        g_autoptr(GstElement) out = gst_bin_get_by_name(GST_BIN(pipeline_), "out");
        g_object_set(out, "location", outPath.c_str(), nullptr);
        src_ = gst_bin_get_by_name(GST_BIN(pipeline_), "src");
        gst_app_src_set_caps(GST_APP_SRC(src_), caps);
        // The muxer's video pad by name: linked by caps alone it could be handed an audio pad.
        g_autoptr(GstElement) mux = gst_bin_get_by_name(GST_BIN(pipeline_), "mux");
        g_autoptr(GstPad) muxPad = gst_element_request_pad_simple(mux, "video_%u");
        g_autoptr(GstPad) srcPad = gst_element_get_static_pad(src_, "src");
        if (!muxPad || gst_pad_link(srcPad, muxPad) != GST_PAD_LINK_OK)
            return "cannot link the recording's video into mp4mux";
        gst_element_set_state(pipeline_, GST_STATE_PLAYING);
        return {};
    }
    bool isOpen() const { return pipeline_ != nullptr; }
    /// Takes @p buffer (retimed to the clip's own timeline).
    bool push(GstBuffer *buffer)
    {
        return gst_app_src_push_buffer(GST_APP_SRC(src_), buffer) == GST_FLOW_OK;
    }
    std::string finish()
    {
        gst_app_src_end_of_stream(GST_APP_SRC(src_));
        g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
        g_autoptr(GstMessage) message = gst_bus_timed_pop_filtered(
            bus, 30 * GST_SECOND, GstMessageType(GST_MESSAGE_EOS | GST_MESSAGE_ERROR));
        std::string why;
        if (!message)
            why = "the MP4 writer did not finish within 30 s";
        else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
            g_autoptr(GError) error = nullptr;
            gst_message_parse_error(message, &error, nullptr);
            why = std::string("MP4 writer: ") + error->message;
        }
        return why;
    }
    ~Mp4Writer()
    {
        if (pipeline_) {
            gst_element_set_state(pipeline_, GST_STATE_NULL);
            gst_object_unref(src_);      // owned references, released in this order on purpose:
            gst_object_unref(pipeline_); // the source before the bin that holds it
        }
    }

private:
    GstElement *pipeline_ = nullptr;
    GstElement *src_ = nullptr;
};

} // namespace

std::vector<ClipCutter::Segment> ClipCutter::segmentsBetween(const std::string &cameraDir,
                                                             int64_t fromMs, int64_t toMs)
{
    std::vector<Segment> all;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(cameraDir, ec), end; !ec && it != end;
         it.increment(ec)) {
        if (!it->is_regular_file(ec))
            continue;
        const std::string path = it->path().string();
        const std::string name = SegmentNamer::finalFromPart(path);
        if (name.size() < 4 || name.compare(name.size() - 4, 4, ".mkv") != 0)
            continue;
        if (std::optional<int64_t> start = SegmentNamer::timeFromName(path))
            all.push_back({path, *start});
    }
    std::sort(all.begin(), all.end(),
              [](const Segment &a, const Segment &b) { return a.startMs < b.startMs; });
    std::vector<Segment> chosen;
    for (size_t i = 0; i < all.size(); ++i) {
        const bool nextStartsByFrom = i + 1 < all.size() && all[i + 1].startMs <= fromMs;
        if (!nextStartsByFrom && all[i].startMs < toMs)
            chosen.push_back(all[i]);
    }
    return chosen;
}

std::string ClipCutter::cut(const std::string &cameraDir, int64_t fromMs, int64_t toMs,
                            const std::string &outPath)
{
    const std::vector<Segment> segments = segmentsBetween(cameraDir, fromMs, toMs);
    if (segments.empty())
        return "no recording between the times asked for";
    std::vector<std::unique_ptr<SegmentLock>> locks;
    for (const Segment &segment : segments)
        locks.push_back(std::make_unique<SegmentLock>(segment.path));

    Mp4Writer writer;
    // The access units since the last keyframe before `from`: the clip starts with them.
    std::vector<GstBuffer *> pendingGop;
    auto dropPending = [&pendingGop] {
        for (GstBuffer *b : pendingGop)
            gst_buffer_unref(b); // buffers taken from the appsink, not yet handed on
        pendingGop.clear();
    };
    int64_t clipStartNs = -1;
    bool done = false;
    for (const Segment &segment : segments) {
        if (done)
            break;
        g_autoptr(GError) error = nullptr;
        g_autoptr(GstElement) reader = gst_parse_launch(
            "filesrc name=in ! matroskademux ! appsink name=sink sync=false", &error);
        if (!reader || error)
            return std::string("cannot build the reader: ") + (error ? error->message : "");
        g_autoptr(GstElement) file = gst_bin_get_by_name(GST_BIN(reader), "in");
        g_object_set(file, "location", segment.path.c_str(), nullptr);
        g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(reader), "sink");
        gst_element_set_state(reader, GST_STATE_PLAYING);
        int64_t firstPts = -1;
        while (!done) {
            g_autoptr(GstSample) sample =
                gst_app_sink_try_pull_sample(GST_APP_SINK(sink), 10 * GST_SECOND);
            if (!sample)
                break; // end of this segment (or a file still being written: its end so far)
            GstBuffer *in = gst_sample_get_buffer(sample);
            if (!GST_BUFFER_PTS_IS_VALID(in))
                continue;
            if (firstPts < 0)
                firstPts = int64_t(GST_BUFFER_PTS(in));
            // Capture time of the frame: the segment's start (its name) plus its offset in it.
            const int64_t atNs =
                segment.startMs * kNsPerMs + int64_t(GST_BUFFER_PTS(in)) - firstPts;
            const bool key = !GST_BUFFER_FLAG_IS_SET(in, GST_BUFFER_FLAG_DELTA_UNIT);
            if (atNs >= toMs * kNsPerMs) {
                done = true;
                break;
            }
            if (!writer.isOpen()) {
                if (key)
                    dropPending();
                if (pendingGop.empty() && !key)
                    continue; // nothing decodable before the first keyframe
                GstBuffer *copy = gst_buffer_copy(in);
                GST_BUFFER_OFFSET(copy) = uint64_t(atNs);
                pendingGop.push_back(copy);
                if (atNs < fromMs * kNsPerMs)
                    continue;
                // `from` reached: open the clip with what the GOP holds so far.
                if (std::string why = writer.open(gst_sample_get_caps(sample), outPath);
                    !why.empty()) {
                    dropPending();
                    return why;
                }
                clipStartNs = int64_t(GST_BUFFER_OFFSET(pendingGop.front()));
                for (GstBuffer *b : pendingGop) {
                    GST_BUFFER_PTS(b) = GST_BUFFER_DTS(b) =
                        GstClockTime(int64_t(GST_BUFFER_OFFSET(b)) - clipStartNs);
                    writer.push(b); // takes the buffer
                }
                pendingGop.clear();
                continue;
            }
            GstBuffer *copy = gst_buffer_copy(in);
            GST_BUFFER_PTS(copy) = GST_BUFFER_DTS(copy) = GstClockTime(atNs - clipStartNs);
            GST_BUFFER_DURATION(copy) = GST_CLOCK_TIME_NONE;
            if (!writer.push(copy))
                done = true;
        }
        gst_element_set_state(reader, GST_STATE_NULL);
    }
    dropPending();
    if (!writer.isOpen())
        return "no frame recorded between the times asked for";
    return writer.finish();
}

} // namespace zerotee
