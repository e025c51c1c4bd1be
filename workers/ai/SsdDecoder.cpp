#include "SsdDecoder.h"

#include <algorithm>

namespace zerotee::ai {

bool SsdDecoder::decode(const cv::Mat &output, std::vector<Detection> &out,
                        std::string &error) const
{
    out.clear();
    int rows = 0, cols = 0;
    if (!tensorMatrix(output, rows, cols) || cols != 7) {
        error = "SSD output must be a float tensor [1, 1, N, 7]";
        return false;
    }
    const float *data = output.ptr<float>();
    const cv::Rect2d frame(0, 0, 1, 1);
    for (int i = 0; i < rows; ++i) {
        const float *row = data + size_t(i) * 7;
        if (row[0] < 0 || row[2] < settings_.scoreThreshold)
            continue;
        double x1 = row[3], y1 = row[4], x2 = row[5], y2 = row[6];
        if (std::max({x1, y1, x2, y2}) > 1.5) {
            x1 /= settings_.inputSize.width;
            x2 /= settings_.inputSize.width;
            y1 /= settings_.inputSize.height;
            y2 /= settings_.inputSize.height;
        }
        cv::Rect2d box(x1, y1, x2 - x1, y2 - y1);
        box &= frame;
        if (box.width <= 0 || box.height <= 0)
            continue;
        Detection d;
        d.classId = int(row[1]);
        d.label = labels_.name(d.classId);
        d.score = std::min(row[2], 1.0f);
        d.box = box;
        out.push_back(std::move(d));
    }
    return true;
}

} // namespace zerotee::ai
