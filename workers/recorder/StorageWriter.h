#pragma once

#include "SegmentNamer.h"

#include <gst/gst.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>

namespace zerotee {

/// The storage half of the recorder: its own pipeline `appsrc ! splitmuxsink` fed with encoded
/// buffers. Being a separate pipeline, a slow, full or failing disk stalls or breaks only this
/// pipeline: the capture pipeline keeps reading the bus, and push() drops (whole GOPs) instead of
/// waiting when more than the allowed amount is queued.
///
/// Segments are named from their first buffer's capture time and written as "<final>.part";
/// each is renamed to its final name when splitmuxsink reports it closed.
///
/// Thread context: push() and finish() are thread-safe; everything else is called on the main
/// loop, where the callbacks arrive too.
class StorageWriter {
public:
    enum class Container { Matroska, Mp4 };
    struct Options {
        const SegmentNamer *namer = nullptr;
        Container container = Container::Matroska;
        GstClockTime segmentLength = 60 * GST_SECOND;
        GstClockTime maxQueueTime = 4 * GST_SECOND;
        uint64_t maxQueueBytes = 64 << 20;
        std::string label;                  ///< appended to every file name ("" = none)
        std::optional<int64_t> firstNameMs; ///< time in the first file's name (event time)
        /// Capture time (UTC ms) of a running time of the capture pipeline.
        std::function<int64_t(GstClockTime)> toUtcMs;
        /// splitmuxsink wants a keyframe at this running time (called on a streaming thread).
        std::function<void(GstClockTime)> onKeyframeRequest;
        /// A segment was opened: @p part is written now, @p path is its name once finished.
        std::function<void(const std::string &part, const std::string &path)> onSegmentOpened;
        /// A segment was finished and renamed to @p path.
        std::function<void(const std::string &path)> onSegmentClosed;
        /// The pipeline failed (write error, no space...). The writer must then be destroyed.
        std::function<void(const std::string &message, bool noSpace)> onError;
        /// EOS went through: every file is finalized. The writer may be destroyed.
        std::function<void()> onFinished;
    };
    enum class PushResult { Queued, Dropped };

    explicit StorageWriter(Options options);
    /// Stops the pipeline (without finalizing: call finish() first for a clean end) and renames
    /// the file it was writing, if any, to its final name (it stays playable).
    ~StorageWriter();
    StorageWriter(const StorageWriter &) = delete;
    StorageWriter &operator=(const StorageWriter &) = delete;

    /// Sets onError and onFinished (they usually need the writer's own address).
    void setCallbacks(std::function<void(const std::string &, bool)> onError,
                      std::function<void()> onFinished)
    {
        options_.onError = std::move(onError);
        options_.onFinished = std::move(onFinished);
    }
    /// Builds the pipeline for @p caps and the capture pipeline's @p segment, and sets it
    /// PLAYING. 0 or a negative error.
    int start(GstCaps *caps, const GstSegment *segment);
    /// Queues a buffer (a reference is taken). When the queue is over its limits the buffer is
    /// dropped, and so is everything up to the next keyframe (the decoder needs it).
    PushResult push(GstBuffer *buffer);
    /// Sends EOS; onFinished follows once the last file is finalized.
    void finish();
    /// finish() and wait for it on the calling thread (no main loop needed), up to @p timeout.
    bool finishBlocking(GstClockTime timeout);

    bool finishing() const { return finishing_; }
    /// The file being written ("" if none yet).
    std::string currentFile() const;
    uint64_t drops() const { return drops_; }

private:
    static gboolean onBusMessage(GstBus *bus, GstMessage *message, gpointer self);
    static gchar *onFormatLocation(GstElement *splitmux, guint fragment, GstSample *sample,
                                   gpointer self);
    static GstPadProbeReturn onUpstreamEvent(GstPad *pad, GstPadProbeInfo *info, gpointer self);
    /// Handles one bus message; true when it was the pipeline's EOS.
    bool handle(GstMessage *message);
    void renameClosed(const std::string &partPath);

    Options options_;
    GstElement *pipeline_ = nullptr;
    GstElement *appsrc_ = nullptr;
    GstCaps *caps_ = nullptr;
    GstSegment segment_;
    guint busWatch_ = 0;
    std::atomic<bool> finishing_{false};
    bool finished_ = false;
    std::atomic<uint64_t> drops_{0};
    bool dropping_ = false; // until the next keyframe; only push() touches it
    std::atomic<bool> firstFragment_{true};
    std::atomic<GstClockTime> firstQueuedPts_{GST_CLOCK_TIME_NONE}; // set by push(), then read
    GstClockTimeDiff ptsShift_ = 0; // splitmuxsink's internal shift (streaming thread only)
    mutable std::mutex fileMutex_;
    std::string currentPart_;
    std::set<std::string> openParts_;
};

} // namespace zerotee
