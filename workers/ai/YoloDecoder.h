#pragma once

#include "AiOptions.h"
#include "OutputDecoder.h"

namespace zerotee::ai {

struct YoloSettings {
    OutputLayout layout = OutputLayout::YoloAuto;
    float scoreThreshold = 0.5f;
    cv::Size inputSize{320, 320};
};

/// Decodes the common YOLO output layouts:
///  - v5 style [1, N, 4+1+C]: cx, cy, w, h, objectness, C class scores; score = obj × class;
///  - v8 style [1, 4+C, N]:   cx, cy, w, h, C class scores (attributes first, no objectness).
/// With OutputLayout::YoloAuto the style is told from the labels count when it matches one of
/// the two (4+C or 5+C), else from the shape (boxes outnumber attributes in real models).
/// Box coordinates in network-input pixels are normalized by the input size; coordinates that
/// are all ≤ 1.5 are taken as already normalized.
class YoloDecoder : public LabelledDecoder<YoloSettings> {
public:
    using Settings = YoloSettings;
    using LabelledDecoder::LabelledDecoder;

    bool decode(const cv::Mat &output, std::vector<Detection> &out,
                std::string &error) const override;
};

} // namespace zerotee::ai
