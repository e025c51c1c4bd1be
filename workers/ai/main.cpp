// zerotee-ai: detections on live frames from a zerotee bus, reported as JSON lines.
//
//   zerotee-ai --socket PATH [--fps 5] [--detector motion|cascade:PATH|onnx:PATH] ...
//
// See workers/ai/README.md and `zerotee-ai --help`.
#include "AiOptions.h"
#include "AiWorker.h"
#include "Detector.h"

#include <opencv2/core/utility.hpp>

#include <csignal>
#include <cstdio>

int main(int argc, char **argv)
{
    using namespace zerotee::ai;
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);

    AiOptions options;
    QString message;
    switch (AiOptions::parse(arguments, &options, &message)) {
    case zerotee::ParseOutcome::Help:
        std::fputs(qPrintable(message), stdout);
        return 0;
    case zerotee::ParseOutcome::Error:
        std::fprintf(stderr, "zerotee-ai: %s\n(see zerotee-ai --help)\n", qPrintable(message));
        return 2;
    case zerotee::ParseOutcome::Run:
        break;
    }

    if (options.threads > 0)
        cv::setNumThreads(options.threads);
    std::string detectorError;
    std::unique_ptr<Detector> detector = Detector::create(options, detectorError);
    if (!detector) {
        std::fprintf(stderr, "zerotee-ai: %s\n", detectorError.c_str());
        return 2;
    }

    std::signal(SIGINT, [](int) { AiWorker::stop(); });
    std::signal(SIGTERM, [](int) { AiWorker::stop(); });
    std::signal(SIGPIPE, SIG_IGN);
    return AiWorker(std::move(options), std::move(detector)).run();
}
