#pragma once

#include "GstHolders.h"

#include <gst/gst.h>

#include <cstdint>
#include <deque>
#include <vector>

namespace zerotee {

/// The pre-event memory of event mode: the last N seconds of ENCODED video, always starting at a
/// keyframe so that a file cut from it decodes from its first frame. It keeps the newest
/// keyframe at or before (newest - window) and everything after it, so a snapshot covers at
/// least the window (up to one GOP more).
///
/// Thread context: thread-bound; the owner locks when two threads use it.
class EventBuffer {
public:
    EventBuffer(GstClockTime window, uint64_t maxBytes);
    ~EventBuffer();
    EventBuffer(const EventBuffer &) = delete;
    EventBuffer &operator=(const EventBuffer &) = delete;

    /// Adds a buffer captured at running time @p time (a new reference is taken) and drops what
    /// the window no longer needs. Buffers without a valid time, or delta frames before the
    /// first keyframe, are ignored.
    void push(GstBuffer *buffer, GstClockTime time);
    /// New references to the buffers from the newest keyframe at or before @p from (or the
    /// oldest keyframe held, if none is that old) to the newest.
    std::vector<GstBufferHolder> snapshot(GstClockTime from) const;
    void clear();

    size_t size() const { return items_.size(); }
    uint64_t bytes() const { return bytes_; }
    /// Time from the oldest to the newest buffer held.
    GstClockTime span() const;

private:
    struct Item {
        GstBufferHolder buffer;
        GstClockTime time;
        bool keyframe;
    };
    void trim();

    GstClockTime window_;
    uint64_t maxBytes_;
    uint64_t bytes_ = 0;
    std::deque<Item> items_;
};

} // namespace zerotee
