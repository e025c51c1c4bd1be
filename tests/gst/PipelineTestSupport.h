#pragma once

// Helpers for the zerotee element tests: pipelines from descriptions, frame hashes, bus checks.

#include <gst/gst.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace zerotee::test {

/// Initialises GStreamer once; every test calls it first.
void initGStreamer();

/// Owns a pipeline built with gst_parse_launch; sets it to NULL and unrefs it on destruction.
class Pipeline {
public:
    explicit Pipeline(const std::string &description);
    ~Pipeline();
    Pipeline(const Pipeline &) = delete;
    Pipeline &operator=(const Pipeline &) = delete;

    GstElement *get() const { return pipeline_; }
    /// The named element (a new reference is not returned: the pipeline keeps it alive).
    GstElement *element(const char *name) const;
    /// Sets the state and waits (up to 10 s) for it; true on success.
    bool setState(GstState state);
    GstState currentState() const;
    /// The first ERROR message on the bus, or an empty string (does not wait).
    std::string takeError();

private:
    GstElement *pipeline_ = nullptr;
};

/// FNV-1a of a raw video frame's visible pixels (strides and padding ignored).
uint64_t hashVideoFrame(GstBuffer *buffer, GstCaps *caps);

/// Records the hash of every buffer passing a pad, keyed by GST_BUFFER_OFFSET, plus whether
/// the buffers were memfd-backed.
class FrameRecorder {
public:
    /// Installs a buffer probe on @p element's static pad @p padName.
    FrameRecorder(GstElement *element, const char *padName);
    ~FrameRecorder();

    std::map<uint64_t, uint64_t> hashes() const;
    size_t count() const;
    bool allMemfd() const;
    bool anyFdBacked() const;
    bool allDmabuf() const;
    size_t discontCount() const;
    /// Width from the pad's caps when the last buffer passed.
    int lastWidth() const;

private:
    static GstPadProbeReturn probe(GstPad *pad, GstPadProbeInfo *info, gpointer data);

    GstPad *pad_ = nullptr;
    gulong probeId_ = 0;
    mutable std::mutex mutex_;
    std::map<uint64_t, uint64_t> hashes_;
    size_t count_ = 0;
    bool allMemfd_ = true;
    bool anyFdBacked_ = false;
    bool allDmabuf_ = true;
    size_t discontCount_ = 0;
    int lastWidth_ = 0;
};

/// True when the fd names a memfd (readlink says "/memfd:...").
bool isMemfd(int fd);

/// An unsigned 64-bit field of an element's `stats` structure (uint or uint64).
uint64_t statField(GstElement *element, const char *field);

/// @p element's pipeline's running time now (0 without a clock).
GstClockTime runningTimeNow(GstElement *element);

/// Pushes @p buffer (taken) into an appsrc with the given PTS, duration (GST_CLOCK_TIME_NONE:
/// none) and offset; returns the flow.
GstFlowReturn pushBuffer(GstElement *appsrc, GstBuffer *buffer, GstClockTime pts,
                         GstClockTime duration, uint64_t offset);

/// A frame of @p size bytes, every byte @p fill, pushed as pushBuffer() does.
GstFlowReturn pushFrame(GstElement *appsrc, gsize size, uint8_t fill, GstClockTime pts,
                        GstClockTime duration, uint64_t offset);

/// Polls @p condition every 10 ms until it holds or @p timeout passes.
bool waitFor(const std::function<bool()> &condition, std::chrono::milliseconds timeout);

} // namespace zerotee::test
