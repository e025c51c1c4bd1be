#pragma once

#include "OutputDecoder.h"

namespace zerotee::ai {

struct SsdSettings {
    float scoreThreshold = 0.5f;
    cv::Size inputSize{300, 300};
};

/// Decodes the SSD "DetectionOutput" layout [1, 1, N, 7]: image id, class id, score,
/// x1, y1, x2, y2 (normalized; network-input pixels when any exceeds 1.5). Rows with a
/// negative image id are padding. Class ids index the labels file directly (with most SSD
/// models id 0 is "background", so the file's first line should name it).
class SsdDecoder : public LabelledDecoder<SsdSettings> {
public:
    using Settings = SsdSettings;
    using LabelledDecoder::LabelledDecoder;

    bool decode(const cv::Mat &output, std::vector<Detection> &out,
                std::string &error) const override;
};

} // namespace zerotee::ai
