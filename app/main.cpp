// zerotee: the supervisor. Parses the command line and runs the service; the panel (issue 7)
// will sit on top of the same service.
#include "CommandLine.h"
#include "HeadlessService.h"

#include <QCoreApplication>
#include <cstdio>
#include <gst/gst.h>

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("zerotee"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ZEROTEE_VERSION));

    zerotee::CommandLine commandLine = zerotee::parseCommandLine(app.arguments());
    if (commandLine.exitNow) {
        std::fprintf(commandLine.exitCode ? stderr : stdout, "%s\n",
                     qPrintable(commandLine.message));
        return commandLine.exitCode;
    }
    if (!commandLine.headless)
        std::fprintf(stderr, "zerotee: this build has no panel yet; running headless\n");
    zerotee::applyLogLevel(commandLine.config.logLevel);

    zerotee::HeadlessService service(commandLine);
    QObject::connect(&service, &zerotee::HeadlessService::finished, &app, &QCoreApplication::quit);
    QString error;
    if (!service.start(&error)) {
        std::fprintf(stderr, "zerotee: %s\n", qPrintable(error));
        return 1;
    }
    return app.exec();
}
