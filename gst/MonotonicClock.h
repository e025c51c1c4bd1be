#pragma once

// Conversions between a GstClock's time and absolute CLOCK_MONOTONIC, the time base on the wire.
// GStreamer's system clock is CLOCK_MONOTONIC by default, so this is usually the identity; any
// other clock (a network clock, an audio clock) is mapped by sampling both clocks now.

#include <gst/gst.h>

#include <cstdint>

namespace zerotee {

/// Absolute CLOCK_MONOTONIC ns of @p clockTime on @p clock (null clock: taken as monotonic).
uint64_t clockTimeToMonotonic(GstClock *clock, GstClockTime clockTime);

/// The time on @p clock of an absolute CLOCK_MONOTONIC instant (null clock: as is).
/// Returns GST_CLOCK_TIME_NONE when the instant falls before the clock's zero.
GstClockTime monotonicToClockTime(GstClock *clock, uint64_t monotonicNs);

} // namespace zerotee
