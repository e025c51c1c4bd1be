#pragma once

#include "Detection.h"
#include "FrameView.h"

#include <memory>
#include <string>
#include <vector>

namespace zerotee::ai {

struct AiOptions;

/// A detector works in two steps so the shared frame is held for as short a time as possible:
/// ingest() makes the one pass over the shared pixels (downscale, or convert the small network
/// input) while the frame's lease is held; detect() then works on the detector's own small
/// image after the frame went back to the producer.
///
/// Thread context: thread-bound.
class Detector {
public:
    virtual ~Detector() = default;

    virtual void ingest(const FrameView &frame) = 0;
    /// Detections in the last ingested frame, boxes normalized to the frame.
    virtual std::vector<Detection> detect() = 0;

    /// Builds the detector @p options ask for; on failure returns null and says why in @p error.
    static std::unique_ptr<Detector> create(const AiOptions &options, std::string &error);
};

} // namespace zerotee::ai
