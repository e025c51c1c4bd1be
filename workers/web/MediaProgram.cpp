#include "MediaProgram.h"

#include "PipelineRunner.h"
#include "StaticElements.h"

#include <QStringList>
#include <cstdio>
#include <gst/gst.h>

namespace zerotee {

MediaProgram::MediaProgram(const char *program, const char *description) : program_(program)
{
    parser_.setApplicationDescription(QString::fromUtf8(description));
    parser_.addHelpOption();
}

void MediaProgram::addSocketOption()
{
    parser_.addOption({QStringLiteral("socket"), QStringLiteral("The bus socket to read."),
                       QStringLiteral("path")});
    hasSocket_ = true;
}

void MediaProgram::addNameOption(const char *defaultName)
{
    parser_.addOption({QStringLiteral("name"),
                       QStringLiteral("Client name shown in the bus's status."),
                       QStringLiteral("name"), QString::fromUtf8(defaultName)});
    hasName_ = true;
}

int MediaProgram::fail(const QString &message, int code) const
{
    std::fprintf(stderr, "%s: %s\n", program_, qPrintable(message));
    return code;
}

int MediaProgram::parse(int argc, char **argv)
{
    QStringList arguments;
    for (int i = 0; i < argc; ++i)
        arguments << QString::fromLocal8Bit(argv[i]);
    if (!parser_.parse(arguments))
        return fail(parser_.errorText() + QStringLiteral(" (see --help)"));
    if (parser_.isSet(QStringLiteral("help"))) {
        std::fputs(qPrintable(parser_.helpText()), stdout);
        return 0;
    }
    if (!parser_.positionalArguments().isEmpty())
        return fail(QStringLiteral("unexpected argument '%1' (see --help)")
                        .arg(parser_.positionalArguments().first()));
    if (hasSocket_ && parser_.value(QStringLiteral("socket")).isEmpty())
        return fail(QStringLiteral("--socket is required (see --help)"));
    gst_init(&argc, &argv);
    if (!registerStaticElements())
        return fail(QStringLiteral("cannot register the zerotee elements"), 1);
    return -1;
}

int MediaProgram::run(const QString &description)
{
    g_autoptr(GError) error = nullptr;
    g_autoptr(GstElement) pipeline = gst_parse_launch(description.toUtf8().constData(), &error);
    if (!pipeline || error)
        return fail(QStringLiteral("cannot build the pipeline: %1")
                        .arg(QString::fromUtf8(error ? error->message : "unknown error")),
                    1);
    if (g_autoptr(GstElement) src = gst_bin_get_by_name(GST_BIN(pipeline), "src")) {
        if (hasSocket_)
            g_object_set(src, "socket-path",
                         parser_.value(QStringLiteral("socket")).toUtf8().constData(), nullptr);
        if (hasName_)
            g_object_set(src, "client-name",
                         parser_.value(QStringLiteral("name")).toUtf8().constData(), nullptr);
    }
    PipelineRunner::Options options;
    options.eosTimeout = std::chrono::milliseconds(2000);
    PipelineRunner runner(pipeline, std::move(options));
    return runner.run();
}

} // namespace zerotee
