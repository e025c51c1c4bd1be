#pragma once

#include "Detector.h"
#include "RegionFilter.h"

#include <opencv2/video/background_segm.hpp>

namespace zerotee::ai {

/// Moving regions by background subtraction (MOG2) on a downscaled luma plane. The one pass
/// over the shared frame is the downscale (cv::resize, INTER_AREA); everything else works on
/// the small copy. Boxes are the extent of the changed pixels of each connected region (after
/// merging fragments), masked to the regions of interest, at least minArea of the frame.
/// Label "motion"; score = the share of the box's pixels that changed.
class MotionDetector : public Detector {
public:
    struct Settings {
        int workWidth = 320;
        int sensitivity = 25;   // luma change that counts as motion on a quiet pixel
        double minArea = 0.002; // fraction of the frame
        int historyFrames = 50; // analysed frames the background model remembers
    };

    MotionDetector(Settings settings, RegionFilter regions);

    void ingest(const FrameView &frame) override;
    std::vector<Detection> detect() override;

private:
    Settings settings_;
    RegionFilter regions_;
    cv::Ptr<cv::BackgroundSubtractorMOG2> subtractor_;
    cv::Mat small_, foreground_, merged_, mask_;
    uint64_t frames_ = 0;
};

} // namespace zerotee::ai
