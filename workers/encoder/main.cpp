// zerotee-encoder: one stream of a camera encoded once and published on its own bus socket,
// shared by the recorder, every RTSP mount, push and any zeroteesrc pipeline. See README.md.
//
//   zerotee-encoder --socket /run/zerotee/cam0.sock --output /run/zerotee/cam0.main.sock
//                   [--stream main] [--bitrate 4000] [--gop 30] [--size WxH] [--fps N] …
#include "EncoderOptions.h"
#include "EncoderWorker.h"
#include "StaticElements.h"
#include "WorkerReporter.h"

#include <cstdio>
#include <gst/gst.h>

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    zerotee::EncoderOptions options;
    QString message;
    switch (zerotee::EncoderOptions::parse(arguments, &options, &message)) {
    case zerotee::EncoderOptions::Outcome::Help:
        std::fputs(qPrintable(message), stdout);
        return 0;
    case zerotee::EncoderOptions::Outcome::Error:
        std::fprintf(stderr, "zerotee-encoder: %s (see --help)\n", qPrintable(message));
        return 2;
    case zerotee::EncoderOptions::Outcome::Run:
        break;
    }
    gst_init(&argc, &argv);
    // zeroteesrc and zeroteesink from this binary, wherever it runs from.
    if (!zerotee::registerStaticElements()) {
        std::fprintf(stderr, "zerotee-encoder: cannot register the zerotee elements\n");
        return 1;
    }
    zerotee::WorkerReporter reporter;
    int code;
    {
        zerotee::EncoderWorker worker(std::move(options), reporter);
        code = worker.run();
    }
    gst_deinit();
    return code;
}
