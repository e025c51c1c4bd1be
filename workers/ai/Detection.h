#pragma once

#include <opencv2/core/types.hpp>

#include <string>

namespace zerotee::ai {

/// One thing a detector found in one frame. The box is normalized to the frame: x, y, width
/// and height in 0..1, so it can be drawn on any rendition of the same frame.
struct Detection {
    std::string label;
    float score = 0;
    cv::Rect2d box;
    int classId = -1; // for class-aware NMS; -1 when the detector has no classes
};

} // namespace zerotee::ai
