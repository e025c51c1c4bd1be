#include "YoloDecoder.h"

#include <algorithm>

namespace zerotee::ai {

bool YoloDecoder::decode(const cv::Mat &output, std::vector<Detection> &out,
                         std::string &error) const
{
    out.clear();
    int a = 0, b = 0;
    if (!tensorMatrix(output, a, b)) {
        error = "YOLO output must be a float tensor [1, N, 5+C] or [1, 4+C, N]";
        return false;
    }

    // Which axis holds the boxes, and whether there is an objectness column.
    bool objectness = false;
    bool attributesFirst = false;
    const int classes = int(labels_.size());
    switch (settings_.layout) {
    case OutputLayout::YoloV5:
        objectness = true;
        attributesFirst = classes > 0 && a == 5 + classes && b != 5 + classes;
        break;
    case OutputLayout::YoloV8:
        attributesFirst = !(classes > 0 && b == 4 + classes && a != 4 + classes);
        break;
    default:
        if (classes > 0 && b == 5 + classes) {
            objectness = true;
        } else if (classes > 0 && a == 4 + classes) {
            attributesFirst = true;
        } else if (classes > 0 && b == 4 + classes) {
        } else if (classes > 0 && a == 5 + classes) {
            objectness = attributesFirst = true;
        } else {
            objectness = a > b; // [1, 25200, 85]
            attributesFirst = !objectness;
        }
        break;
    }
    const int boxes = attributesFirst ? b : a;
    const int attributes = attributesFirst ? a : b;
    const int firstClass = objectness ? 5 : 4;
    if (attributes <= firstClass) {
        error = "YOLO output has " + std::to_string(attributes) + " attributes per box, expected " +
                std::to_string(firstClass) + "+classes";
        return false;
    }

    const float *data = output.ptr<float>();
    auto at = [&](int box, int attribute) {
        return attributesFirst ? data[size_t(attribute) * size_t(b) + size_t(box)]
                               : data[size_t(box) * size_t(b) + size_t(attribute)];
    };

    std::vector<Detection> candidates;
    std::vector<cv::Vec4f> centres;
    float largest = 0;
    for (int i = 0; i < boxes; ++i) {
        const float obj = objectness ? at(i, 4) : 1.0f;
        if (obj < settings_.scoreThreshold)
            continue; // no class score can lift it above the threshold
        int best = 0;
        float bestScore = -1;
        for (int c = firstClass; c < attributes; ++c) {
            const float score = at(i, c);
            if (score > bestScore) {
                bestScore = score;
                best = c - firstClass;
            }
        }
        const float score = obj * bestScore;
        if (score < settings_.scoreThreshold)
            continue;
        const cv::Vec4f box(at(i, 0), at(i, 1), at(i, 2), at(i, 3));
        largest = std::max({largest, box[0], box[1], box[2], box[3]});
        Detection d;
        d.classId = best;
        d.score = std::min(score, 1.0f);
        d.label = labels_.name(best);
        candidates.push_back(std::move(d));
        centres.push_back(box);
    }

    const bool normalized = largest <= 1.5f;
    const double sx = normalized ? 1.0 : 1.0 / settings_.inputSize.width;
    const double sy = normalized ? 1.0 : 1.0 / settings_.inputSize.height;
    const cv::Rect2d frame(0, 0, 1, 1);
    for (size_t i = 0; i < candidates.size(); ++i) {
        const cv::Vec4f &c = centres[i];
        cv::Rect2d box((c[0] - c[2] / 2) * sx, (c[1] - c[3] / 2) * sy, c[2] * sx, c[3] * sy);
        box &= frame;
        if (box.width <= 0 || box.height <= 0)
            continue;
        candidates[i].box = box;
        out.push_back(std::move(candidates[i]));
    }
    return true;
}

} // namespace zerotee::ai
