#include "RecorderWorker.h"

#include "EncoderChoice.h"
#include "PipelineRunner.h"
#include "TriggerParser.h"

#include <gst/video/video.h>

#include <QJsonObject>
#include <algorithm>
#include <cstdio>
#include <glib-unix.h>
#include <sys/stat.h>

namespace zerotee {

namespace {

constexpr uint64_t kRingMaxBytes = 256ull << 20;
constexpr int64_t kRetryMs = 3000;
// A pause this long in the stream (the camera unplugged, the capture restarting) ends the file:
// a player would otherwise jump over the hole, and the files' names and lengths would lie about
// what was recorded. Longer than any frame interval a stream is configured with.
constexpr GstClockTime kGapSplit = 3 * GST_SECOND;

int64_t nowMs()
{
    return g_get_real_time() / 1000;
}

RetentionPolicy::Limits limitsOf(const RecorderOptions &options)
{
    return RetentionSettings{options.maxAgeHours, options.maxTotalMb, options.minFreeMb}.limits();
}

QString qs(const std::string &text)
{
    return QString::fromStdString(text);
}

} // namespace

RecorderWorker::RecorderWorker(RecorderOptions options, WorkerReporter &reporter)
    : options_(std::move(options)), reporter_(reporter),
      namer_(options_.dir, options_.camera, options_.extension()), disk_(namer_),
      retention_(limitsOf(options_)),
      ring_(GstClockTime(options_.preEventSeconds * GST_SECOND), kRingMaxBytes)
{
    gst_segment_init(&segment_, GST_FORMAT_TIME);
}

RecorderWorker::~RecorderWorker()
{
    for (guint id : {stdinWatch_, usr1Source_, reapSource_})
        if (id)
            g_source_remove(id);
    {
        std::lock_guard lock(mutex_);
        live_.reset();
        retired_.clear();
        ring_.clear();
        if (caps_)
            gst_caps_unref(caps_); // under the mutex the streaming thread sets it with
        caps_ = nullptr;
    }
    // Members released by hand, in this order: the pads and elements before the pipeline that
    // holds them, the clock after the pipeline that uses it.
    if (sinkPad_)
        gst_object_unref(sinkPad_);
    if (source_)
        gst_object_unref(source_);
    if (pipeline_)
        gst_object_unref(pipeline_);
    if (clock_)
        gst_object_unref(clock_);
}

int RecorderWorker::run()
{
    // A crash leaves ".part" files: they play as they are, so they get their final names.
    for (const std::string &path : disk_.recoverLeftovers()) {
        std::fprintf(stderr, "recorder: recovered %s\n", path.c_str());
        report(protocol::recorder_event::kSegmentRecovered, path);
    }
    enforceRetention();

    const std::string description = "zeroteesrc name=bus ! " +
                                    EncoderChoice::description(options_) +
                                    " ! appsink name=sink sync=false";
    std::fprintf(stderr, "recorder: capture pipeline: %s\n", description.c_str());
    g_autoptr(GError) error = nullptr;
    pipeline_ = gst_parse_launch(description.c_str(), &error);
    if (!pipeline_ || error) {
        std::fprintf(stderr, "recorder: cannot build the capture pipeline: %s\n",
                     error ? error->message : "unknown error");
        return 1;
    }
    source_ = gst_bin_get_by_name(GST_BIN(pipeline_), "bus");
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline_), "sink");
    g_object_set(source_, "socket-path", options_.socketPath.c_str(), "quota", options_.quota,
                 "client-name", ("recorder-" + options_.camera).c_str(), nullptr);
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = &RecorderWorker::onNewSample;
    callbacks.eos = &RecorderWorker::onEos;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, this, nullptr);
    sinkPad_ = gst_element_get_static_pad(sink, "sink");
    g_autoptr(GstPad) rawPad = gst_element_get_static_pad(source_, "src");
    gst_pad_add_probe(
        rawPad, GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM),
        &RecorderWorker::onRawFrame, this, nullptr);
    // The system clock is CLOCK_MONOTONIC, like the bus timestamps; use it explicitly so
    // toUtcMs() is right whatever the pipeline would pick.
    clock_ = gst_system_clock_obtain();
    gst_pipeline_use_clock(GST_PIPELINE(pipeline_), clock_);

    g_autoptr(GIOChannel) in = g_io_channel_unix_new(0);
    g_io_channel_set_flags(in, G_IO_FLAG_NONBLOCK, nullptr);
    stdinWatch_ = g_io_add_watch(in, GIOCondition(G_IO_IN | G_IO_HUP | G_IO_ERR),
                                 &RecorderWorker::onStdin, this);
    usr1Source_ = g_unix_signal_add(
        SIGUSR1,
        [](gpointer data) -> gboolean {
            static_cast<RecorderWorker *>(data)->trigger("signal");
            return G_SOURCE_CONTINUE;
        },
        this);

    PipelineRunner::Options runnerOptions;
    runnerOptions.onTick = [this] { tick(); };
    runnerOptions.eosTimeout = std::chrono::milliseconds(8000);
    PipelineRunner runner(pipeline_, runnerOptions);
    runner_ = &runner;
    const int code = runner.run();
    runner_ = nullptr;

    // The capture pipeline is stopped: finish every writer here, on this thread.
    std::vector<std::unique_ptr<StorageWriter>> writers;
    {
        std::lock_guard lock(mutex_);
        if (live_)
            writers.push_back(std::move(live_));
        for (Retired &retired : retired_)
            writers.push_back(std::move(retired.writer));
        retired_.clear();
    }
    for (auto &writer : writers)
        if (!writer->finishBlocking(5 * GST_SECOND))
            std::fprintf(stderr, "recorder: a file was not finalized in time\n");
    writers.clear();
    tick();
    return code;
}

std::unique_ptr<StorageWriter> RecorderWorker::makeWriter(const std::string &label,
                                                          std::optional<int64_t> firstNameMs,
                                                          GstClockTime extraQueue)
{
    StorageWriter::Options options;
    options.namer = &namer_;
    options.container = options_.container == RecorderOptions::Container::Mp4
                            ? StorageWriter::Container::Mp4
                            : StorageWriter::Container::Matroska;
    options.segmentLength = GstClockTime(options_.segmentSeconds) * GST_SECOND;
    options.maxQueueTime = GstClockTime(options_.queueSeconds * GST_SECOND) + extraQueue;
    options.label = label;
    options.firstNameMs = firstNameMs;
    options.toUtcMs = [this](GstClockTime pts) { return toUtcMs(pts); };
    options.onKeyframeRequest = [this](GstClockTime runningTime) { requestKeyframe(runningTime); };
    options.onSegmentOpened = [this](const std::string &part, const std::string &path) {
        QJsonObject fields;
        fields.insert("label", protocol::recorder_event::kSegmentOpened);
        fields.insert("file", qs(path));
        fields.insert("part", qs(part));
        reporter_.report(protocol::Report::Event, fields);
    };
    options.onSegmentClosed = [this](const std::string &path) { onSegmentClosed(path); };
    auto writer = std::make_unique<StorageWriter>(std::move(options));
    StorageWriter *raw = writer.get();
    writer->setCallbacks([this, raw](const std::string &message,
                                     bool noSpace) { onWriterError(raw, message, noSpace); },
                         [this, raw] { markDone(raw); });
    return writer;
}

GstFlowReturn RecorderWorker::onNewSample(GstAppSink *sink, gpointer data)
{
    g_autoptr(GstSample) sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_EOS;
    static_cast<RecorderWorker *>(data)->handleSample(sample);
    return GST_FLOW_OK;
}

void RecorderWorker::onEos(GstAppSink *, gpointer data)
{
    auto *self = static_cast<RecorderWorker *>(data);
    std::lock_guard lock(self->mutex_);
    self->eos_ = true;
    self->retireLiveLocked(true);
}

GstPadProbeReturn RecorderWorker::onRawFrame(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *self = static_cast<RecorderWorker *>(data);
    const GstPadProbeReturn result = self->cadence_.apply(info);
    if (result == GST_PAD_PROBE_DROP) {
        std::lock_guard lock(self->mutex_);
        ++self->drops_;
    }
    return result;
}

void RecorderWorker::handleSample(GstSample *sample)
{
    GstBuffer *buffer = gst_sample_get_buffer(sample);
    GstCaps *caps = gst_sample_get_caps(sample);
    if (!buffer || !caps)
        return;
    const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    // Running time, not PTS: encoders shift timestamps (x264enc by 1000 h) inside their segment.
    const GstSegment *segment = gst_sample_get_segment(sample);
    const GstClockTime time =
        segment && GST_BUFFER_PTS_IS_VALID(buffer)
            ? gst_segment_to_running_time(segment, GST_FORMAT_TIME, GST_BUFFER_PTS(buffer))
            : GST_CLOCK_TIME_NONE;
    std::lock_guard lock(mutex_);
    if (GST_CLOCK_TIME_IS_VALID(time) && GST_CLOCK_TIME_IS_VALID(lastTime_) && time <= lastTime_) {
        // Muxers and players need increasing timestamps. zeroteesrc passes a step back only
        // when the producer started a new timeline (a second or more back). Dropping frames
        // until the new timeline overtook the old one would cut encoded frames out of their
        // GOP and join the two timelines with a phase step; a new file keeps both intact.
        if (time == lastTime_) {
            ++drops_;
            return;
        }
        std::fprintf(stderr,
                     "recorder: the stream's time went back %.3f s (a restarted producer); "
                     "starting a new file\n",
                     double(lastTime_ - time) / GST_SECOND);
        retireLiveLocked(true);
        ring_.clear();
    } else if (GST_CLOCK_TIME_IS_VALID(time) && GST_CLOCK_TIME_IS_VALID(lastTime_) &&
               time - lastTime_ >= kGapSplit) {
        std::fprintf(stderr,
                     "recorder: the stream paused %.3f s (camera away or capture restarting); "
                     "starting a new file\n",
                     double(time - lastTime_) / GST_SECOND);
        retireLiveLocked(true);
        ring_.clear();
    }
    lastTime_ = time;
    if (segment)
        gst_segment_copy_into(segment, &segment_);
    ++frames_;
    if (!caps_ || !gst_caps_is_equal(caps_, caps)) {
        // New stream format (e.g. the producer restarted with another size): new files.
        if (caps_) {
            std::fprintf(stderr, "recorder: the stream format changed; starting a new file\n");
            retireLiveLocked(true);
            ring_.clear();
        }
        gst_caps_replace(&caps_, caps);
    }
    if (options_.mode == RecorderOptions::Mode::Event) {
        ring_.push(buffer, time);
        if (!live_ || live_->finishing())
            return;
        if (!GST_CLOCK_TIME_IS_VALID(time) || time <= eventEnd_)
            live_->push(buffer);
        else
            retireLiveLocked(true);
        return;
    }
    if (!live_) {
        if (diskFull_ || !storageError_.empty() || eos_) {
            ++drops_;
            return;
        }
        if (!keyframe) {
            // A file must start on a keyframe: ask for one rather than wait a whole GOP.
            ++drops_;
            if (drops_ % 15 == 1)
                requestKeyframe(GST_CLOCK_TIME_NONE);
            return;
        }
        live_ = makeWriter({}, std::nullopt, 0);
        if (const int rc = live_->start(caps_, &segment_); rc < 0) {
            storageError_ = lastError_ = "cannot start the storage pipeline";
            retryAtMs_ = nowMs() + kRetryMs;
            live_.reset();
            ++drops_;
            return;
        }
    }
    live_->push(buffer);
}

void RecorderWorker::trigger(const std::string &label)
{
    if (options_.mode != RecorderOptions::Mode::Event) {
        std::fprintf(stderr, "recorder: trigger '%s' ignored (not in event mode)\n", label.c_str());
        return;
    }
    const GstClockTime now = nowRunningTime();
    const GstClockTime post = GstClockTime(options_.postEventSeconds * GST_SECOND);
    const GstClockTime pre = GstClockTime(options_.preEventSeconds * GST_SECOND);
    std::lock_guard lock(mutex_);
    if (live_ && !live_->finishing()) {
        eventEnd_ = std::max(eventEnd_, now + post);
        std::fprintf(stderr, "recorder: trigger '%s' extends the event\n", label.c_str());
        report(protocol::recorder_event::kTriggerExtended, live_->currentFile());
        return;
    }
    if (diskFull_ || !storageError_.empty() || !caps_) {
        std::fprintf(stderr, "recorder: trigger '%s' not recorded: %s\n", label.c_str(),
                     !caps_ ? "no video yet" : "storage unavailable");
        ++drops_;
        return;
    }
    live_ = makeWriter(label, toUtcMs(now), pre + GST_SECOND);
    if (live_->start(caps_, &segment_) < 0) {
        storageError_ = lastError_ = "cannot start the storage pipeline";
        retryAtMs_ = nowMs() + kRetryMs;
        live_.reset();
        return;
    }
    for (const GstBufferHolder &buffer : ring_.snapshot(now > pre ? now - pre : 0)) {
        live_->push(buffer.get());
    }
    eventEnd_ = now + post;
    std::fprintf(stderr, "recorder: event '%s'\n", label.c_str());
}

void RecorderWorker::retireLiveLocked(bool finish)
{
    if (!live_)
        return;
    if (finish)
        live_->finish();
    retired_.push_back({std::move(live_), false});
}

void RecorderWorker::markDone(StorageWriter *writer)
{
    {
        std::lock_guard lock(mutex_);
        if (live_.get() == writer)
            retireLiveLocked(false);
        for (Retired &retired : retired_)
            if (retired.writer.get() == writer)
                retired.done = true;
    }
    if (!reapSource_)
        reapSource_ = g_idle_add(
            [](gpointer data) -> gboolean {
                auto *self = static_cast<RecorderWorker *>(data);
                self->reapSource_ = 0;
                self->reap();
                return G_SOURCE_REMOVE;
            },
            this);
}

void RecorderWorker::reap()
{
    std::vector<std::unique_ptr<StorageWriter>> dead;
    {
        std::lock_guard lock(mutex_);
        for (Retired &retired : retired_) {
            if (retired.done) {
                drops_ += retired.writer->drops();
                dead.push_back(std::move(retired.writer));
            }
        }
        std::erase_if(retired_, [](const Retired &retired) { return !retired.writer; });
    }
    dead.clear(); // outside the lock: stopping a pipeline on a stuck disk may take a while
}

void RecorderWorker::onWriterError(StorageWriter *writer, const std::string &message, bool noSpace)
{
    const int64_t free = disk_.freeBytes();
    {
        std::lock_guard lock(mutex_);
        lastError_ = message;
        if (noSpace || (free >= 0 && free < kStopFreeBytes)) {
            diskFull_ = true;
        } else {
            storageError_ = message;
            retryAtMs_ = nowMs() + kRetryMs;
        }
    }
    markDone(writer);
}

void RecorderWorker::tick()
{
    checkDisk();
    {
        std::lock_guard lock(mutex_);
        // An event whose tail never came (the stream stopped): end it by the clock.
        if (options_.mode == RecorderOptions::Mode::Event && live_ && !live_->finishing() &&
            nowRunningTime() > eventEnd_ + 2 * GST_SECOND)
            retireLiveLocked(true);
    }
    QJsonObject stats;
    std::string file;
    uint64_t bytes = 0;
    {
        std::lock_guard lock(mutex_);
        file = live_ ? live_->currentFile() : std::string();
        bytes = bytesClosed_;
        uint64_t drops = drops_ + (live_ ? live_->drops() : 0);
        for (const Retired &retired : retired_)
            drops += retired.writer ? retired.writer->drops() : 0;
        stats.insert("state", qs(stateName()));
        stats.insert("segments", qint64(segments_));
        stats.insert("drops", qint64(drops));
        stats.insert("frames", qint64(frames_));
        stats.insert("last_error", qs(lastError_));
        stats.insert("last_file", qs(lastFile_));
    }
    struct stat st {};
    if (!file.empty() && stat(file.c_str(), &st) == 0)
        bytes += uint64_t(st.st_size);
    stats.insert("file", qs(file));
    stats.insert("bytes_written", qint64(bytes));
    const int64_t free = disk_.freeBytes();
    stats.insert("free_mb", free >= 0 ? qint64(free >> 20) : qint64(-1));
    reporter_.report(protocol::Report::Stats, stats);
}

void RecorderWorker::checkDisk()
{
    int64_t free = disk_.freeBytes();
    if (free >= 0 && retention_.limits().minFreeBytes > 0 &&
        free < retention_.limits().minFreeBytes) {
        enforceRetention();
        free = disk_.freeBytes();
    }
    std::lock_guard lock(mutex_);
    if (!diskFull_ && free >= 0 && free < kStopFreeBytes) {
        diskFull_ = true;
        lastError_ = "disk full: " + std::to_string(free >> 20) + " MB free";
        std::fprintf(stderr, "recorder: %s; stopping the recording\n", lastError_.c_str());
        retireLiveLocked(true);
    } else if (diskFull_ && free >= kResumeFreeBytes) {
        diskFull_ = false;
        std::fprintf(stderr, "recorder: %lld MB free; recording again\n",
                     static_cast<long long>(free >> 20));
        requestKeyframe(GST_CLOCK_TIME_NONE);
    }
    if (!storageError_.empty() && nowMs() >= retryAtMs_) {
        std::fprintf(stderr, "recorder: retrying the storage after: %s\n", storageError_.c_str());
        storageError_.clear();
        requestKeyframe(GST_CLOCK_TIME_NONE);
    }
}

void RecorderWorker::enforceRetention()
{
    if (!retention_.enabled())
        return;
    // In-progress files carry ".part" and are never listed; nothing else needs protecting.
    for (const RetentionPolicy::Removal &removal : disk_.enforce(retention_, nowMs(), {})) {
        std::fprintf(stderr, "recorder: retention (%s) deleted %s\n",
                     RetentionPolicy::reasonName(removal.reason), removal.file.path.c_str());
        QJsonObject fields;
        fields.insert("label", protocol::recorder_event::kSegmentDeleted);
        fields.insert("file", qs(removal.file.path));
        fields.insert("reason", RetentionPolicy::reasonName(removal.reason));
        reporter_.report(protocol::Report::Event, fields);
    }
}

void RecorderWorker::onSegmentClosed(const std::string &path)
{
    struct stat st {};
    const uint64_t size = stat(path.c_str(), &st) == 0 ? uint64_t(st.st_size) : 0;
    {
        std::lock_guard lock(mutex_);
        ++segments_;
        bytesClosed_ += size;
        lastFile_ = path;
    }
    report(protocol::recorder_event::kSegmentClosed, path);
    enforceRetention();
}

void RecorderWorker::requestKeyframe(GstClockTime runningTime)
{
    if (!sinkPad_)
        return;
    // Travels upstream from the appsink to the encoder (or, with --encoded, to zeroteesrc,
    // which asks the producer).
    gst_pad_push_event(sinkPad_, gst_video_event_new_upstream_force_key_unit(runningTime, TRUE,
                                                                             keyframeRequests_++));
}

int64_t RecorderWorker::toUtcMs(GstClockTime runningTime) const
{
    const GstClockTime base = gst_element_get_base_time(pipeline_);
    const GstClockTime now = gst_clock_get_time(clock_);
    const int64_t ageNs = int64_t(now) - int64_t(base + runningTime);
    return nowMs() - ageNs / 1000000;
}

GstClockTime RecorderWorker::nowRunningTime() const
{
    const GstClockTime base = gst_element_get_base_time(pipeline_);
    const GstClockTime now = gst_clock_get_time(clock_);
    return now > base ? now - base : 0;
}

std::string RecorderWorker::stateName() const
{
    if (!storageError_.empty())
        return "error";
    if (diskFull_)
        return "disk-full";
    if (frames_ == 0)
        return "waiting";
    if (options_.mode == RecorderOptions::Mode::Event)
        return live_ ? "recording" : "armed";
    return "recording";
}

void RecorderWorker::report(QLatin1StringView label, const std::string &file)
{
    QJsonObject fields;
    fields.insert("label", label);
    fields.insert("file", qs(file));
    reporter_.report(protocol::Report::Event, fields);
}

gboolean RecorderWorker::onStdin(GIOChannel *channel, GIOCondition condition, gpointer data)
{
    auto *self = static_cast<RecorderWorker *>(data);
    for (;;) {
        g_autofree gchar *line = nullptr;
        gsize length = 0;
        const GIOStatus status = g_io_channel_read_line(channel, &line, &length, nullptr, nullptr);
        if (status == G_IO_STATUS_NORMAL && line) {
            const TriggerParser::Result result = TriggerParser::parse(line);
            if (!result.error.empty())
                std::fprintf(stderr, "recorder: stdin: %s\n", result.error.c_str());
            else if (result.isTrigger)
                self->trigger(result.label);
            continue;
        }
        if (status == G_IO_STATUS_EOF || status == G_IO_STATUS_ERROR) {
            // stdin closed (e.g. started from a shell with </dev/null): only SIGUSR1 remains.
            self->stdinWatch_ = 0;
            return G_SOURCE_REMOVE;
        }
        break; // G_IO_STATUS_AGAIN
    }
    if (condition & (G_IO_HUP | G_IO_ERR)) {
        self->stdinWatch_ = 0;
        return G_SOURCE_REMOVE;
    }
    return G_SOURCE_CONTINUE;
}

} // namespace zerotee
