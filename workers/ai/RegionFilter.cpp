#include "RegionFilter.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace zerotee::ai {

bool RegionFilter::contains(const cv::Rect2d &box) const
{
    if (regions_.empty())
        return true;
    const cv::Point2d centre(box.x + box.width / 2, box.y + box.height / 2);
    return std::any_of(regions_.begin(), regions_.end(), [&](const cv::Rect2d &region) {
        return centre.x >= region.x && centre.x <= region.x + region.width &&
               centre.y >= region.y && centre.y <= region.y + region.height;
    });
}

cv::Mat RegionFilter::mask(cv::Size size) const
{
    if (regions_.empty())
        return cv::Mat(size, CV_8UC1, cv::Scalar(255));
    cv::Mat out(size, CV_8UC1, cv::Scalar(0));
    for (const cv::Rect2d &region : regions_) {
        cv::Rect pixels(cv::Point(int(region.x * size.width), int(region.y * size.height)),
                        cv::Point(int(std::ceil((region.x + region.width) * size.width)),
                                  int(std::ceil((region.y + region.height) * size.height))));
        pixels &= cv::Rect(0, 0, size.width, size.height);
        out(pixels).setTo(255);
    }
    return out;
}

std::vector<Detection> RegionFilter::filter(std::vector<Detection> detections) const
{
    if (regions_.empty())
        return detections;
    std::erase_if(detections, [&](const Detection &d) { return !contains(d.box); });
    return detections;
}

} // namespace zerotee::ai
