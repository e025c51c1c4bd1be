#pragma once

#include "Detector.h"
#include "RegionFilter.h"

#include <opencv2/objdetect.hpp>

namespace zerotee::ai {

/// Haar or LBP cascade (cv::CascadeClassifier) on the downscaled luma plane, e.g. the face,
/// body and plate models of Debian's opencv-data (/usr/share/opencv4/haarcascades). Cascades
/// give no probability; the score is n / (n + minNeighbors) for n overlapping raw hits, so a
/// detection that just passed minNeighbors scores 0.5.
class CascadeDetector : public Detector {
public:
    struct Settings {
        int workWidth = 640;
        double scaleFactor = 1.1;
        int minNeighbors = 4;
        int minSize = 24; // pixels of the work image
        std::string label = "object";
    };

    CascadeDetector(Settings settings, RegionFilter regions);

    bool load(const std::string &path, std::string &error);
    /// "frontalface_default" for ".../haarcascade_frontalface_default.xml".
    static std::string labelFor(const std::string &path);

    void ingest(const FrameView &frame) override;
    std::vector<Detection> detect() override;

private:
    Settings settings_;
    RegionFilter regions_;
    cv::CascadeClassifier classifier_;
    cv::Mat small_;
};

} // namespace zerotee::ai
