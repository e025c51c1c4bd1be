#include "FrameCadence.h"

#include "Protocol.h"

namespace zerotee {

void FrameCadence::setFrameRate(int numerator, int denominator)
{
    const bool known = numerator > 0 && denominator > 0;
    numerator_ = known ? numerator : 0;
    denominator_ = known ? denominator : 1;
    anchor_ = GST_CLOCK_TIME_NONE;
}

GstClockTime FrameCadence::slotTime(guint64 slot) const
{
    // From the slot number, not by adding intervals: no rounding error builds up.
    return anchor_ + gst_util_uint64_scale(slot, GST_SECOND * guint64(denominator_), numerator_);
}

FrameCadence::Decision FrameCadence::next(GstClockTime time)
{
    if (numerator_ == 0 || !GST_CLOCK_TIME_IS_VALID(time))
        return {true, time};
    if (!GST_CLOCK_TIME_IS_VALID(anchor_) ||
        time + wire::kNewTimelineStepNs < slotTime(lastSlot_)) {
        anchor_ = time;
        lastSlot_ = 0;
        return {true, time};
    }
    if (time < anchor_)
        return {false, GST_CLOCK_TIME_NONE};
    // Nearest slot: (time - anchor) / interval, rounded.
    guint64 slot = gst_util_uint64_scale_round(time - anchor_, guint64(numerator_),
                                               GST_SECOND * guint64(denominator_));
    if (slot <= lastSlot_) {
        // Within a quarter frame of the next free slot's half-way mark (a stream about half a
        // frame out of phase, with jitter): on time, so it takes that slot instead of dropping.
        const GstClockTime next = slotTime(lastSlot_ + 1);
        const GstClockTime interval = next - slotTime(lastSlot_);
        if (time + interval * 3 / 4 < next)
            return {false, GST_CLOCK_TIME_NONE};
        slot = lastSlot_ + 1;
    }
    lastSlot_ = slot;
    return {true, slotTime(slot)};
}

} // namespace zerotee
