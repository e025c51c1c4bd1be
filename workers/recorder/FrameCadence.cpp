#include "FrameCadence.h"

namespace zerotee {

void FrameCadence::setInterval(GstClockTime interval)
{
    interval_ = interval > 0 ? interval : GST_CLOCK_TIME_NONE;
    reset();
}

FrameCadence::Decision FrameCadence::next(GstClockTime time)
{
    if (!GST_CLOCK_TIME_IS_VALID(interval_) || !GST_CLOCK_TIME_IS_VALID(time))
        return {true, time};
    const GstClockTime slot =
        GST_CLOCK_TIME_IS_VALID(last_) ? last_ + interval_ : GST_CLOCK_TIME_NONE;
    if (!GST_CLOCK_TIME_IS_VALID(slot) || time >= slot || time + GST_SECOND < last_) {
        last_ = time;
        return {true, time};
    }
    if (slot - time <= interval_ / 2) {
        last_ = slot;
        return {true, slot};
    }
    return {false, GST_CLOCK_TIME_NONE};
}

} // namespace zerotee
