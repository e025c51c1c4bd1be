#include "MonotonicClock.h"

#include "UnixSocket.h"

namespace zerotee {

namespace {

bool isMonotonicSystemClock(GstClock *clock)
{
    if (!GST_IS_SYSTEM_CLOCK(clock))
        return false;
    GstClockType type = GST_CLOCK_TYPE_REALTIME;
    g_object_get(clock, "clock-type", &type, nullptr);
    return type == GST_CLOCK_TYPE_MONOTONIC;
}

// clock time minus monotonic time, sampled now.
int64_t clockOffset(GstClock *clock)
{
    GstClockTime before = gst_clock_get_time(clock);
    uint64_t mono = monotonicNowNs();
    GstClockTime after = gst_clock_get_time(clock);
    return int64_t(before / 2 + after / 2) - int64_t(mono);
}

} // namespace

uint64_t clockTimeToMonotonic(GstClock *clock, GstClockTime clockTime)
{
    if (!clock || isMonotonicSystemClock(clock))
        return clockTime;
    int64_t mono = int64_t(clockTime) - clockOffset(clock);
    return mono > 0 ? uint64_t(mono) : 0;
}

GstClockTime monotonicToClockTime(GstClock *clock, uint64_t monotonicNs)
{
    if (!clock || isMonotonicSystemClock(clock))
        return monotonicNs;
    int64_t t = int64_t(monotonicNs) + clockOffset(clock);
    return t >= 0 ? GstClockTime(t) : GST_CLOCK_TIME_NONE;
}

} // namespace zerotee
