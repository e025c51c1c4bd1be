#pragma once

#include "DiskMonitor.h"
#include "EventBuffer.h"
#include "FrameCadence.h"
#include "RecorderOptions.h"
#include "RetentionPolicy.h"
#include "SegmentNamer.h"
#include "StorageWriter.h"
#include "WorkerReporter.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace zerotee {

class PipelineRunner;

/// zerotee-recorder: two pipelines.
///
///   capture:  zeroteesrc ! [encode once] ! h264parse ! appsink      (never waits on storage)
///   storage:  appsrc ! splitmuxsink (matroskamux | mp4mux, .part files)   (StorageWriter)
///
/// The capture pipeline only ever hands buffers to a StorageWriter, whose push() drops rather
/// than blocks, so a slow, full or failing disk never holds a bus frame. Continuous mode keeps
/// one writer running (rebuilt when the disk recovers); event mode keeps the last seconds in an
/// EventBuffer and starts a writer per event with that pre-roll.
///
/// States reported: waiting (no video yet), recording, armed (event mode, no event running),
/// disk-full, error (storage failed; retried every few seconds).
///
/// Thread context: constructed and run on the main thread; the appsink callbacks run on the
/// capture streaming thread and share state with the main loop under mutex_.
class RecorderWorker {
public:
    RecorderWorker(RecorderOptions options, WorkerReporter &reporter);
    ~RecorderWorker();
    RecorderWorker(const RecorderWorker &) = delete;
    RecorderWorker &operator=(const RecorderWorker &) = delete;

    /// Recovers leftovers, applies retention, records until SIGINT/SIGTERM (or the stream
    /// ends), finalizes the files. Returns the process exit code.
    int run();
    /// Starts (or extends) an event recording. Main thread.
    void trigger(const std::string &label);

    /// Free space under which recording stops (disk-full), and over which it resumes.
    static constexpr int64_t kStopFreeBytes = 16 << 20;
    static constexpr int64_t kResumeFreeBytes = 32 << 20;

private:
    struct Retired {
        std::unique_ptr<StorageWriter> writer;
        bool done = false; // finished or failed: destroy on the main loop
    };

    static GstFlowReturn onNewSample(GstAppSink *sink, gpointer self);
    static void onEos(GstAppSink *sink, gpointer self);
    static gboolean onStdin(GIOChannel *channel, GIOCondition condition, gpointer self);
    /// Raw frames and caps leaving zeroteesrc: keeps the encoder's input on the stream's
    /// frame cadence (FrameCadence). Capture streaming thread.
    static GstPadProbeReturn onRawFrame(GstPad *pad, GstPadProbeInfo *info, gpointer self);
    void handleSample(GstSample *sample);

    std::unique_ptr<StorageWriter> makeWriter(const std::string &label,
                                              std::optional<int64_t> firstNameMs,
                                              GstClockTime extraQueue);
    /// Moves the live writer to the retired list, finishing it (EOS). Caller holds mutex_.
    void retireLiveLocked(bool finish);
    void markDone(StorageWriter *writer);
    void reap();
    void tick();
    void checkDisk();
    void enforceRetention();
    void onSegmentClosed(const std::string &path);
    void onWriterError(StorageWriter *writer, const std::string &message, bool noSpace);
    void requestKeyframe(GstClockTime runningTime);
    /// Capture time (UTC ms) of a running time of the capture pipeline.
    int64_t toUtcMs(GstClockTime runningTime) const;
    GstClockTime nowRunningTime() const;
    std::string stateName() const;
    void report(QLatin1StringView label, const std::string &file);

    RecorderOptions options_;
    WorkerReporter &reporter_;
    SegmentNamer namer_;
    DiskMonitor disk_;
    RetentionPolicy retention_;
    GstElement *pipeline_ = nullptr;
    GstElement *source_ = nullptr;
    GstPad *sinkPad_ = nullptr;
    GstClock *clock_ = nullptr;
    PipelineRunner *runner_ = nullptr;
    guint stdinWatch_ = 0;
    guint usr1Source_ = 0;
    guint reapSource_ = 0;
    std::atomic<uint32_t> keyframeRequests_{0};
    FrameCadence cadence_; // capture streaming thread only

    mutable std::mutex mutex_; // guards everything below
    std::unique_ptr<StorageWriter> live_;
    std::vector<Retired> retired_;
    GstCaps *caps_ = nullptr;
    GstSegment segment_; // of the capture pipeline's encoded stream
    EventBuffer ring_;
    GstClockTime eventEnd_ = 0;
    bool diskFull_ = false;
    std::string storageError_;
    int64_t retryAtMs_ = 0;
    std::string lastError_;
    uint64_t frames_ = 0;
    uint64_t drops_ = 0; // dropped here or by retired writers
    uint64_t segments_ = 0;
    uint64_t bytesClosed_ = 0;
    std::string lastFile_;
    bool eos_ = false;
    GstClockTime lastTime_ = GST_CLOCK_TIME_NONE; // running time of the last frame taken
};

} // namespace zerotee
