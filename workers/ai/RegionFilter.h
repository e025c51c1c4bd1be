#pragma once

#include "Detection.h"

#include <opencv2/core/mat.hpp>

#include <vector>

namespace zerotee::ai {

/// Regions of interest, normalized to the frame. Empty means the whole frame. Motion masks its
/// foreground with mask(); the other detectors keep detections whose centre lies inside.
class RegionFilter {
public:
    RegionFilter() = default;
    explicit RegionFilter(std::vector<cv::Rect2d> regions) : regions_(std::move(regions)) {}

    bool empty() const { return regions_.empty(); }
    bool contains(const cv::Rect2d &box) const;
    /// A CV_8UC1 mask of @p size: 255 inside any region, 0 outside (all 255 when empty).
    cv::Mat mask(cv::Size size) const;
    std::vector<Detection> filter(std::vector<Detection> detections) const;

private:
    std::vector<cv::Rect2d> regions_;
};

} // namespace zerotee::ai
