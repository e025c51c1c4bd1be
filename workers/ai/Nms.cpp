#include "Nms.h"

#include <opencv2/dnn.hpp>

#include <algorithm>
#include <map>

namespace zerotee::ai {

std::vector<Detection> Nms::apply(const std::vector<Detection> &detections) const
{
    std::map<int, std::vector<size_t>> byClass;
    for (size_t i = 0; i < detections.size(); ++i)
        byClass[detections[i].classId].push_back(i);

    std::vector<Detection> kept;
    for (const auto &[classId, members] : byClass) {
        std::vector<cv::Rect2d> boxes;
        std::vector<float> scores;
        for (size_t i : members) {
            boxes.push_back(detections[i].box);
            scores.push_back(detections[i].score);
        }
        std::vector<int> indices;
        // The score threshold was applied by the decoder; keep everything it passed.
        cv::dnn::NMSBoxes(boxes, scores, 0.0f, iouThreshold_, indices);
        for (int index : indices)
            kept.push_back(detections[members[size_t(index)]]);
    }
    std::stable_sort(kept.begin(), kept.end(),
                     [](const Detection &a, const Detection &b) { return a.score > b.score; });
    return kept;
}

} // namespace zerotee::ai
