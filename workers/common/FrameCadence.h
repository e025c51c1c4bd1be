#pragma once

#include <gst/gst.h>

namespace zerotee {

/// Keeps the raw frames going into an encoder (a stream's, or a recorder's own) on one frame grid:
/// the stream's nominal rate, anchored at its first frame. Capture times are not always a cadence:
/// a non-live source's backlog is stamped on arrival (frames 15-20 ms apart at 30 fps), and a
/// restarted camera comes back on another phase. Players that map a file's timestamps onto its
/// nominal rate (ffmpeg does) then see two frames in one slot; on one grid they never do.
///
/// A frame takes the nearest slot of the grid (moved by at most half a frame interval), or the
/// next free one when its own is taken and it is at most three quarters of a frame early (a
/// stream half a frame out of phase, with jitter); anything earlier is dropped (a backlog
/// thinned to the frame rate); a gap keeps its length in whole slots. A step back of more than
/// wire::kNewTimelineStepNs is a new timeline: the grid starts again from that frame (the
/// recorder starts a new file there).
class FrameCadence {
public:
    struct Decision {
        bool keep = true;
        GstClockTime time = GST_CLOCK_TIME_NONE; // the time to give the frame when kept
    };

    /// The stream's frame rate (a new stream: the grid starts again); 0 (or an unknown rate)
    /// keeps every frame as it is.
    void setFrameRate(int numerator, int denominator);

    Decision next(GstClockTime time);

    /// The body of a pad probe (BUFFER | EVENT_DOWNSTREAM) in front of an encoder: follows the
    /// caps' frame rate (raw video only: an encoded stream must keep every frame of its GOPs)
    /// and puts each buffer on the grid, restamping it in place (no pixel is copied). Returns
    /// GST_PAD_PROBE_DROP for a frame the grid has no slot for. Streaming thread.
    GstPadProbeReturn apply(GstPadProbeInfo *info);

private:
    GstClockTime slotTime(guint64 slot) const;

    int numerator_ = 0, denominator_ = 1;
    GstClockTime anchor_ = GST_CLOCK_TIME_NONE; // time of slot 0
    guint64 lastSlot_ = 0;
};

} // namespace zerotee
