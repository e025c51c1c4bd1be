#include "CascadeDetector.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>

namespace zerotee::ai {

CascadeDetector::CascadeDetector(Settings settings, RegionFilter regions)
    : settings_(std::move(settings)), regions_(std::move(regions))
{
}

bool CascadeDetector::load(const std::string &path, std::string &error)
{
    bool loaded = false;
    try {
        loaded = classifier_.load(path);
    } catch (const cv::Exception &e) {
        error = "cannot load cascade " + path + ": " + e.what();
        return false;
    }
    if (!loaded || classifier_.empty()) {
        error = "cannot load cascade " + path + " (not a Haar/LBP cascade XML?)";
        return false;
    }
    return true;
}

std::string CascadeDetector::labelFor(const std::string &path)
{
    std::string name = path.substr(path.find_last_of('/') + 1);
    if (auto dot = name.rfind('.'); dot != std::string::npos)
        name.resize(dot);
    for (const char *prefix : {"haarcascade_", "lbpcascade_"})
        if (name.rfind(prefix, 0) == 0)
            name.erase(0, std::char_traits<char>::length(prefix));
    return name.empty() ? std::string("object") : name;
}

void CascadeDetector::ingest(const FrameView &frame)
{
    const int width = std::min(settings_.workWidth, frame.luma.cols);
    const int height = std::max(1, int(double(frame.luma.rows) * width / frame.luma.cols + 0.5));
    cv::resize(frame.luma, small_, cv::Size(width, height), 0, 0, cv::INTER_AREA);
}

std::vector<Detection> CascadeDetector::detect()
{
    std::vector<Detection> out;
    if (small_.empty())
        return out;
    cv::equalizeHist(small_, small_);
    std::vector<cv::Rect> objects;
    std::vector<int> neighbours;
    classifier_.detectMultiScale(small_, objects, neighbours, settings_.scaleFactor,
                                 settings_.minNeighbors, 0,
                                 cv::Size(settings_.minSize, settings_.minSize));
    for (size_t i = 0; i < objects.size(); ++i) {
        const cv::Rect &r = objects[i];
        const int n = i < neighbours.size() ? neighbours[i] : settings_.minNeighbors;
        Detection d;
        d.label = settings_.label;
        d.classId = 0;
        d.score = float(n) / float(n + settings_.minNeighbors);
        d.box = cv::Rect2d(double(r.x) / small_.cols, double(r.y) / small_.rows,
                           double(r.width) / small_.cols, double(r.height) / small_.rows);
        out.push_back(d);
    }
    return regions_.filter(std::move(out));
}

} // namespace zerotee::ai
