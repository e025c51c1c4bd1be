#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>

namespace zerotee::ai {

/// One frame as the detectors see it: headers over the producer's shared memory, no copy.
/// Valid only while the frame's lease is held (during Detector::ingest()); the memory is mapped
/// read-only, so a write through these headers faults instead of corrupting the stream.
struct FrameView {
    cv::Mat luma;   // CV_8UC1, width x height, the producer's stride
    cv::Mat chroma; // CV_8UC2 interleaved UV (NV12) or VU (NV21), width/2 x height/2; may be empty
    bool chromaVu = false; // NV21 order
    uint64_t ptsNs = 0;    // capture time, absolute CLOCK_MONOTONIC
    uint64_t cameraSequence = 0;
};

} // namespace zerotee::ai
