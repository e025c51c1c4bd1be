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

GstPadProbeReturn FrameCadence::apply(GstPadProbeInfo *info)
{
    if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM) {
        GstEvent *event = GST_PAD_PROBE_INFO_EVENT(info);
        if (GST_EVENT_TYPE(event) == GST_EVENT_CAPS) {
            GstCaps *caps = nullptr;
            gst_event_parse_caps(event, &caps);
            GstStructure *s = caps ? gst_caps_get_structure(caps, 0) : nullptr;
            gint num = 0, den = 1;
            const bool raw = s && gst_structure_has_name(s, "video/x-raw") &&
                             gst_structure_get_fraction(s, "framerate", &num, &den) && num > 0;
            setFrameRate(raw ? num : 0, den);
        }
        return GST_PAD_PROBE_OK;
    }
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    const Decision decision = next(GST_BUFFER_PTS(buffer));
    if (!decision.keep)
        return GST_PAD_PROBE_DROP;
    if (decision.time != GST_BUFFER_PTS(buffer)) {
        // zeroteesrc's buffer is normally writable as it is; if not, this makes a new header on
        // the same memory. No pixel is copied either way.
        buffer = gst_buffer_make_writable(buffer);
        GST_BUFFER_PTS(buffer) = decision.time;
        GST_PAD_PROBE_INFO_DATA(info) = buffer;
    }
    return GST_PAD_PROBE_OK;
}

} // namespace zerotee
