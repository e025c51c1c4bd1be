#pragma once

#include "Detection.h"
#include "LabelMap.h"

#include <opencv2/core/mat.hpp>

#include <string>
#include <utility>
#include <vector>

namespace zerotee::ai {

/// Turns a detection network's raw output tensor into thresholded detections with boxes
/// normalized to the network input (and so to the frame, which is stretched onto it).
/// NMS is not applied here (see Nms).
class OutputDecoder {
public:
    virtual ~OutputDecoder() = default;

    /// Decodes @p output. Returns false, with a reason in @p error, when the tensor does not
    /// have the shape this decoder understands.
    virtual bool decode(const cv::Mat &output, std::vector<Detection> &out,
                        std::string &error) const = 0;
};

/// A decoder configured by its own settings and the model's labels (SSD, YOLO).
template <typename Settings> class LabelledDecoder : public OutputDecoder {
public:
    LabelledDecoder(Settings settings, LabelMap labels)
        : settings_(settings), labels_(std::move(labels))
    {
    }

protected:
    Settings settings_;
    LabelMap labels_;
};

/// The [rows, cols] of a tensor shaped [1, rows, cols], [rows, cols] or [1, 1, rows, cols].
bool tensorMatrix(const cv::Mat &tensor, int &rows, int &cols);

} // namespace zerotee::ai
