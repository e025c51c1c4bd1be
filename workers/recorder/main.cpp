// zerotee-recorder: records a zerotee bus stream into crash-safe segmented files.
//
//   zerotee-recorder --socket /run/zerotee/cam0.sock --dir /var/lib/zerotee/rec [options]
//
// Reports on stdout (one JSON object per line), logs on stderr; in event mode takes
// {"type":"trigger","label":"motion"} lines on stdin (or SIGUSR1). See README.md.
#include "RecorderOptions.h"
#include "RecorderWorker.h"
#include "StaticElements.h"
#include "WorkerReporter.h"

#include <gst/gst.h>

#include <QStringList>
#include <cstdio>

int main(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    zerotee::RecorderOptions options;
    QString message;
    switch (zerotee::RecorderOptions::parse(arguments, &options, &message)) {
    case zerotee::ParseOutcome::Help:
        std::fputs(qPrintable(message), stdout);
        return 0;
    case zerotee::ParseOutcome::Error:
        std::fprintf(stderr, "zerotee-recorder: %s\n(see zerotee-recorder --help)\n",
                     qPrintable(message));
        return 2;
    case zerotee::ParseOutcome::Run:
        break;
    }
    gst_init(&argc, &argv);
    // zeroteesrc from this binary, wherever it runs from (no GST_PLUGIN_PATH needed).
    if (!zerotee::registerStaticElements()) {
        std::fprintf(stderr, "zerotee-recorder: cannot register the zerotee elements\n");
        return 1;
    }
    zerotee::WorkerReporter reporter;
    int code = 0;
    {
        zerotee::RecorderWorker worker(std::move(options), reporter);
        code = worker.run();
    }
    gst_deinit();
    return code;
}
