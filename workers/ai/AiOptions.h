#pragma once

#include "ParseOutcome.h"

#include <opencv2/core/types.hpp>

#include <QString>
#include <QStringList>
#include <string>
#include <vector>

namespace zerotee::ai {

/// Which output layout an ONNX detector's first output has.
enum class OutputLayout {
    YoloAuto, // [1, N, 5+C] (v5, objectness) or [1, 4+C, N] (v8), told apart by shape and labels
    YoloV5,   // [1, N, 4+1+C]: cx, cy, w, h, objectness, class scores
    YoloV8,   // [1, 4+C, N]:   cx, cy, w, h, class scores (no objectness)
    Ssd,      // [1, 1, N, 7]:  image id, class id, score, x1, y1, x2, y2 (normalized)
};

/// Everything zerotee-ai can be told on its command line, validated.
struct AiOptions {
    enum class DetectorKind { Motion, Cascade, Onnx };

    std::string socketPath;
    std::string name = "ai";
    double fps = 5.0; // analysis rate; 0 = as fast as the detector goes (latest policy)
    DetectorKind detector = DetectorKind::Motion;
    std::string modelPath; // cascade XML or ONNX file
    std::string labelsPath;
    float scoreThreshold = 0.5f;
    float nmsThreshold = 0.45f;
    double minArea = 0.002;          // fraction of the frame a motion box must cover
    int sensitivity = 25;            // luma change (0..255) that counts as motion on a quiet pixel
    std::vector<cv::Rect2d> regions; // normalized regions of interest; empty = whole frame
    cv::Size inputSize{320, 320};    // network input
    OutputLayout layout = OutputLayout::YoloAuto;
    double inputScale = 1.0 / 255.0; // network input = (RGB - mean) * scale
    double inputMean = 0.0;
    int workWidth = 0; // width of the downscaled luma for motion/cascade; 0 = detector default
    double holdSeconds = 1.0; // an event ends when its object was not seen for this long
    int minHits = 1;          // sightings before an event starts
    int threads = 2;          // OpenCV worker threads (0 = OpenCV's default)
    double statsInterval = 1.0;

    /// Short human name of the detector, e.g. "motion", "cascade:haarcascade_frontalface_default".
    std::string detectorName() const;

    /// Parses argv (the program first) into @p options: Run, Help (usage() in @p message) or
    /// Error (what is wrong in @p message). The shape of every worker's parser (ParseOutcome.h).
    static ParseOutcome parse(const QStringList &arguments, AiOptions *options, QString *message);
    static QString usage();

private:
    /// The flags (argv without the program): "" when valid, "help", or what is wrong.
    QString readFlags(const QStringList &flags);
};

} // namespace zerotee::ai
