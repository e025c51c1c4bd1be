#include "Detector.h"

#include "AiOptions.h"
#include "CascadeDetector.h"
#include "LabelMap.h"
#include "MotionDetector.h"
#include "OnnxDetector.h"

namespace zerotee::ai {

std::unique_ptr<Detector> Detector::create(const AiOptions &options, std::string &error)
{
    LabelMap labels;
    if (!options.labelsPath.empty() && !labels.load(options.labelsPath, error))
        return nullptr;
    const RegionFilter regions(options.regions);

    switch (options.detector) {
    case AiOptions::DetectorKind::Motion: {
        MotionDetector::Settings settings;
        settings.workWidth = options.workWidth ? options.workWidth : settings.workWidth;
        settings.sensitivity = options.sensitivity;
        settings.minArea = options.minArea;
        settings.historyFrames = std::max(10, int(10 * (options.fps > 0 ? options.fps : 10)));
        return std::make_unique<MotionDetector>(settings, regions);
    }
    case AiOptions::DetectorKind::Cascade: {
        CascadeDetector::Settings settings;
        settings.workWidth = options.workWidth ? options.workWidth : settings.workWidth;
        settings.label =
            labels.size() > 0 ? labels.name(0) : CascadeDetector::labelFor(options.modelPath);
        auto detector = std::make_unique<CascadeDetector>(settings, regions);
        if (!detector->load(options.modelPath, error))
            return nullptr;
        return detector;
    }
    case AiOptions::DetectorKind::Onnx: {
        OnnxDetector::Settings settings;
        settings.inputSize = options.inputSize;
        settings.layout = options.layout;
        settings.scoreThreshold = options.scoreThreshold;
        settings.nmsThreshold = options.nmsThreshold;
        settings.inputScale = options.inputScale;
        settings.inputMean = options.inputMean;
        auto detector = std::make_unique<OnnxDetector>(settings, labels, regions);
        if (!detector->load(options.modelPath, error))
            return nullptr;
        return detector;
    }
    }
    error = "unknown detector";
    return nullptr;
}

} // namespace zerotee::ai
