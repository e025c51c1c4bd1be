#pragma once

#include "AiOptions.h"
#include "Detector.h"
#include "LabelMap.h"
#include "Nms.h"
#include "OutputDecoder.h"
#include "RegionFilter.h"

#include <opencv2/dnn.hpp>

#include <memory>

namespace zerotee::ai {

/// An ONNX object detector through OpenCV DNN (CPU). ingest() makes the only colour
/// conversion of the pipeline: the NV12 planes are downscaled to the network input and
/// converted to RGB at that small size, once. The frame is stretched onto the input (no
/// letterbox), so normalized input coordinates are frame coordinates.
class OnnxDetector : public Detector {
public:
    struct Settings {
        cv::Size inputSize{320, 320};
        OutputLayout layout = OutputLayout::YoloAuto;
        float scoreThreshold = 0.5f;
        float nmsThreshold = 0.45f;
        double inputScale = 1.0 / 255.0;
        double inputMean = 0.0;
    };

    OnnxDetector(Settings settings, LabelMap labels, RegionFilter regions);

    /// Loads the model and runs it once on a blank input to check that its output can be
    /// decoded; false with a reason otherwise.
    bool load(const std::string &path, std::string &error);

    void ingest(const FrameView &frame) override;
    std::vector<Detection> detect() override;

private:
    bool infer(std::vector<Detection> &out, std::string &error);

    Settings settings_;
    RegionFilter regions_;
    Nms nms_;
    std::unique_ptr<OutputDecoder> decoder_;
    cv::dnn::Net net_;
    std::vector<cv::String> outputNames_;
    cv::Mat ySmall_, uvSmall_, rgb_, blob_;
    bool haveInput_ = false;
    bool warned_ = false;
};

} // namespace zerotee::ai
