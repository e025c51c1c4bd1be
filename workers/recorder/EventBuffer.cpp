#include "EventBuffer.h"

namespace zerotee {

EventBuffer::EventBuffer(GstClockTime window, uint64_t maxBytes)
    : window_(window), maxBytes_(maxBytes)
{
}

EventBuffer::~EventBuffer() = default;

void EventBuffer::push(GstBuffer *buffer, GstClockTime time)
{
    if (!GST_CLOCK_TIME_IS_VALID(time))
        return;
    const bool keyframe = !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    if (items_.empty() && !keyframe)
        return;
    items_.push_back({GstBufferHolder(gst_buffer_ref(buffer)), time, keyframe});
    bytes_ += gst_buffer_get_size(buffer);
    trim();
}

void EventBuffer::trim()
{
    const GstClockTime newest = items_.back().time;
    const GstClockTime horizon = newest > window_ ? newest - window_ : 0;
    // Index of the newest keyframe at or before the horizon: everything before it can go.
    size_t keep = 0;
    for (size_t i = 1; i < items_.size() && items_[i].time <= horizon; ++i)
        if (items_[i].keyframe)
            keep = i;
    // A byte cap as a safety net (a stream without keyframes would otherwise grow forever):
    // drop whole GOPs from the front while over it, keeping at least the newest GOP.
    size_t newestKey = 0;
    for (size_t i = 0; i < items_.size(); ++i)
        if (items_[i].keyframe)
            newestKey = i;
    uint64_t held = bytes_;
    for (size_t i = 0; i < keep; ++i)
        held -= gst_buffer_get_size(items_[i].buffer.get());
    for (size_t i = keep + 1; held > maxBytes_ && i <= newestKey; ++i) {
        if (!items_[i].keyframe)
            continue;
        for (size_t j = keep; j < i; ++j)
            held -= gst_buffer_get_size(items_[j].buffer.get());
        keep = i;
    }
    for (size_t i = 0; i < keep; ++i) {
        bytes_ -= gst_buffer_get_size(items_.front().buffer.get());
        items_.pop_front();
    }
}

std::vector<GstBufferHolder> EventBuffer::snapshot(GstClockTime from) const
{
    std::vector<GstBufferHolder> out;
    size_t start = 0;
    for (size_t i = 0; i < items_.size() && items_[i].time <= from; ++i)
        if (items_[i].keyframe)
            start = i;
    for (size_t i = start; i < items_.size(); ++i)
        out.emplace_back(gst_buffer_ref(items_[i].buffer.get()));
    return out;
}

void EventBuffer::clear()
{
    items_.clear();
    bytes_ = 0;
}

GstClockTime EventBuffer::span() const
{
    return items_.empty() ? 0 : items_.back().time - items_.front().time;
}

} // namespace zerotee
