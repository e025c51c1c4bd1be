#include "MotionDetector.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace zerotee::ai {

namespace {
// MOG2 measures change in units of a pixel's learned spread; with the spread floored at
// σ = 4 luma levels, a threshold of (sensitivity / 4)² makes `sensitivity` the smallest change
// that counts on a quiet pixel (noisy pixels, whose spread is larger, need more).
constexpr double kVarianceFloor = 16.0;
} // namespace

MotionDetector::MotionDetector(Settings settings, RegionFilter regions)
    : settings_(settings), regions_(std::move(regions))
{
}

void MotionDetector::ingest(const FrameView &frame)
{
    const int width = std::min(settings_.workWidth, frame.luma.cols);
    const int height = std::max(1, int(double(frame.luma.rows) * width / frame.luma.cols + 0.5));
    cv::resize(frame.luma, small_, cv::Size(width, height), 0, 0, cv::INTER_AREA);
}

std::vector<Detection> MotionDetector::detect()
{
    std::vector<Detection> out;
    if (small_.empty())
        return out;
    if (!subtractor_ || mask_.size() != small_.size()) {
        const double threshold =
            double(settings_.sensitivity) * settings_.sensitivity / kVarianceFloor;
        subtractor_ = cv::createBackgroundSubtractorMOG2(settings_.historyFrames, threshold, false);
        subtractor_->setVarMin(kVarianceFloor);
        subtractor_->setVarInit(kVarianceFloor);
        mask_ = regions_.mask(small_.size());
        frames_ = 0;
    }
    cv::GaussianBlur(small_, small_, cv::Size(3, 3), 0);
    subtractor_->apply(small_, foreground_);
    if (frames_++ < 2)
        return out; // the model has nothing to compare with yet

    cv::bitwise_and(foreground_, mask_, foreground_);
    // Drop single-pixel noise, then merge the fragments of one object into one region.
    static const cv::Mat open = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    static const cv::Mat merge = cv::getStructuringElement(cv::MORPH_ELLIPSE, cv::Size(7, 7));
    cv::morphologyEx(foreground_, foreground_, cv::MORPH_OPEN, open);
    cv::dilate(foreground_, merged_, merge, cv::Point(-1, -1), 2);

    std::vector<std::vector<cv::Point>> contours;
    cv::findContours(merged_, contours, cv::RETR_EXTERNAL, cv::CHAIN_APPROX_SIMPLE);
    const double frameArea = double(small_.cols) * small_.rows;
    for (const auto &contour : contours) {
        const cv::Rect region = cv::boundingRect(contour);
        // The box is the changed pixels' extent, not the dilated region's.
        const cv::Mat changed = foreground_(region);
        const cv::Rect tight = cv::boundingRect(changed) + region.tl();
        if (tight.empty() || tight.area() < settings_.minArea * frameArea)
            continue;
        Detection d;
        d.label = "motion";
        d.score = float(cv::countNonZero(foreground_(tight))) / float(tight.area());
        d.box = cv::Rect2d(double(tight.x) / small_.cols, double(tight.y) / small_.rows,
                           double(tight.width) / small_.cols, double(tight.height) / small_.rows);
        out.push_back(d);
    }
    std::sort(out.begin(), out.end(),
              [](const Detection &a, const Detection &b) { return a.box.area() > b.box.area(); });
    return out;
}

} // namespace zerotee::ai
