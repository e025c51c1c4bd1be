#pragma once

#include <gst/gst.h>

namespace zerotee {

/// Keeps raw frames going into the recording encoder at most one per frame interval, on
/// timestamps a player accepts. Capture times are not always a regular cadence: a non-live
/// source that caught up on a backlog is stamped on arrival (frames 15-20 ms apart at 30 fps),
/// and players that map a file's timestamps onto its nominal rate (ffmpeg does) then see two
/// frames in one slot. A frame is kept at its own time when it is at least one interval after
/// the last kept one; a little earlier (up to half an interval) it is kept, moved to that
/// slot; earlier still it is dropped. Gaps keep their length. A step back of more than a second
/// is a new timeline and passes as it is (the recorder then starts a new file).
class FrameCadence {
public:
    struct Decision {
        bool keep = true;
        GstClockTime time = GST_CLOCK_TIME_NONE; // the time to give the frame when kept
    };

    /// @p interval: the stream's frame interval; GST_CLOCK_TIME_NONE (or 0) keeps every frame.
    void setInterval(GstClockTime interval);
    /// Forgets the last frame (a new stream).
    void reset() { last_ = GST_CLOCK_TIME_NONE; }

    Decision next(GstClockTime time);

private:
    GstClockTime interval_ = GST_CLOCK_TIME_NONE;
    GstClockTime last_ = GST_CLOCK_TIME_NONE;
};

} // namespace zerotee
