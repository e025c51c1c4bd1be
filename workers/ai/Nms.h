#pragma once

#include "Detection.h"

#include <vector>

namespace zerotee::ai {

/// Non-maximum suppression per class (cv::dnn::NMSBoxes): of boxes of one class that overlap
/// by more than the IoU threshold only the best scoring stays. Boxes of different classes never
/// suppress each other. The result is sorted by descending score.
class Nms {
public:
    explicit Nms(float iouThreshold) : iouThreshold_(iouThreshold) {}

    std::vector<Detection> apply(const std::vector<Detection> &detections) const;

private:
    float iouThreshold_;
};

} // namespace zerotee::ai
