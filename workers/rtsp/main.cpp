// zerotee-rtsp: serves a zerotee bus stream over RTSP (gst-rtsp-server); one scale and one encode
// per mount whatever the number of viewers. See README.md beside this file.
//
//   zerotee-rtsp --socket /run/zerotee/cam0.sock --port 8554 --mount /live
//                [--mount-profile /sub:640x360@10] [--auth digest --user NAME:PASS] …
#include "RtspOptions.h"
#include "RtspWorker.h"
#include "StaticElements.h"
#include "WorkerReporter.h"

#include <QCoreApplication>
#include <cstdio>
#include <gst/gst.h>

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    zerotee::RtspOptions options;
    QString message;
    switch (zerotee::RtspOptions::parse(arguments, &options, &message)) {
    case zerotee::RtspOptions::Outcome::Help:
        std::fputs(qPrintable(message), stdout);
        return 0;
    case zerotee::RtspOptions::Outcome::Error:
        std::fprintf(stderr, "zerotee-rtsp: %s (see --help)\n", qPrintable(message));
        return 2;
    case zerotee::RtspOptions::Outcome::Run:
        break;
    }
    gst_init(&argc, &argv);
    // zeroteesrc from this binary, wherever it runs from (no GST_PLUGIN_PATH needed).
    if (!zerotee::registerStaticElements()) {
        std::fprintf(stderr, "zerotee-rtsp: cannot register the zerotee elements\n");
        return 1;
    }
    zerotee::WorkerReporter reporter;
    int code;
    {
        zerotee::RtspWorker worker(std::move(options), reporter);
        code = worker.run();
    }
    gst_deinit();
    return code;
}
