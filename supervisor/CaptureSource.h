#pragma once

#include "SupervisorConfig.h"

#include <QString>

namespace zerotee {

/// The GStreamer description of a camera's capture pipeline, from its configuration:
/// source, then conversion to the configured format/size/rate (pass-through when the source
/// already delivers it, so nothing is copied), then the bus sink named "bus".
///
///   test            videotestsrc is-live=true pattern=ball
///   v4l2:/dev/vN    v4l2src device=/dev/vN io-mode=dmabuf  (exported DMABUFs, zero copy)
///   file:PATH       filesrc ! decodebin, paced to the clock, looped by the capture owner
///   pipeline:DESC   DESC as written
///
/// The converter is the camera's `converter` (set by the configuration or a hardware profile),
/// else picked from the registry: a hardware one where present (imxvideoconvert_g2d,
/// v4l2convert), videoconvert ! videoscale otherwise.
///
/// With @p withBranchTee a `tee name=split` stands in front of the bus sink, for a branch off
/// the capture (the panel's preview); CaptureOwner then answers the ALLOCATION query on the
/// tee's sink pad with the bus sink's pool, so the bus still gets the capture's own buffers.
QString capturePipelineDescription(const CameraConfig &camera, bool withBranchTee = false);

/// True for sources that end (files), which the capture owner loops.
bool sourceLoops(const CameraConfig &camera);

} // namespace zerotee
