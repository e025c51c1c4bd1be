#include "OnnxDetector.h"

#include "SsdDecoder.h"
#include "YoloDecoder.h"

#include <opencv2/imgproc.hpp>

#include <cstdio>

namespace zerotee::ai {

OnnxDetector::OnnxDetector(Settings settings, LabelMap labels, RegionFilter regions)
    : settings_(settings), regions_(std::move(regions)), nms_(settings.nmsThreshold)
{
    if (settings_.layout == OutputLayout::Ssd)
        decoder_ = std::make_unique<SsdDecoder>(
            SsdDecoder::Settings{settings_.scoreThreshold, settings_.inputSize}, std::move(labels));
    else
        decoder_ = std::make_unique<YoloDecoder>(
            YoloDecoder::Settings{settings_.layout, settings_.scoreThreshold, settings_.inputSize},
            std::move(labels));
}

bool OnnxDetector::load(const std::string &path, std::string &error)
{
    try {
        net_ = cv::dnn::readNetFromONNX(path);
    } catch (const cv::Exception &e) {
        error = "OpenCV cannot load ONNX model " + path + ": " + e.what();
        return false;
    }
    if (net_.empty()) {
        error = "OpenCV loaded an empty network from " + path;
        return false;
    }
    net_.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
    net_.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
    outputNames_ = net_.getUnconnectedOutLayersNames();

    // A dry run on a blank frame: a model we cannot run or decode fails now, not per frame.
    rgb_ = cv::Mat(settings_.inputSize, CV_8UC3, cv::Scalar::all(0));
    haveInput_ = true;
    std::vector<Detection> ignored;
    if (!infer(ignored, error)) {
        error = "model " + path + ": " + error;
        return false;
    }
    return true;
}

void OnnxDetector::ingest(const FrameView &frame)
{
    const cv::Size size = settings_.inputSize;
    cv::resize(frame.luma, ySmall_, size, 0, 0, cv::INTER_AREA);
    if (!frame.chroma.empty() && size.width % 2 == 0 && size.height % 2 == 0) {
        cv::resize(frame.chroma, uvSmall_, size / 2, 0, 0, cv::INTER_AREA);
        cv::cvtColorTwoPlane(ySmall_, uvSmall_, rgb_,
                             frame.chromaVu ? cv::COLOR_YUV2RGB_NV21 : cv::COLOR_YUV2RGB_NV12);
    } else {
        cv::cvtColor(ySmall_, rgb_, cv::COLOR_GRAY2RGB); // a luma-only stream
    }
    haveInput_ = true;
}

bool OnnxDetector::infer(std::vector<Detection> &out, std::string &error)
{
    try {
        cv::dnn::blobFromImage(rgb_, blob_, settings_.inputScale, settings_.inputSize,
                               cv::Scalar::all(settings_.inputMean), false, false, CV_32F);
        net_.setInput(blob_);
        std::vector<cv::Mat> outputs;
        net_.forward(outputs, outputNames_);
        if (outputs.empty()) {
            error = "the network has no output";
            return false;
        }
        std::vector<Detection> decoded;
        if (!decoder_->decode(outputs[0], decoded, error))
            return false;
        out = nms_.apply(decoded);
    } catch (const cv::Exception &e) {
        error = std::string("inference failed: ") + e.what();
        return false;
    }
    return true;
}

std::vector<Detection> OnnxDetector::detect()
{
    std::vector<Detection> out;
    if (!haveInput_)
        return out;
    std::string error;
    if (!infer(out, error) && !warned_) {
        std::fprintf(stderr, "zerotee-ai: %s\n", error.c_str());
        warned_ = true;
    }
    return regions_.filter(std::move(out));
}

} // namespace zerotee::ai
