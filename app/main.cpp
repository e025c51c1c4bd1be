// zerotee: the supervisor. With --headless it runs as a service; otherwise the operator panel
// (qml/, PanelApp) runs the same service with a touch window on top.
#include "CommandLine.h"
#include "HeadlessService.h"
#include "PanelApp.h"
#include "StaticElements.h"

#include <QCoreApplication>
#include <cstdio>
#include <gst/gst.h>

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    // The capture's zeroteesink comes from this binary, wherever it runs from.
    if (!zerotee::registerStaticElements()) {
        std::fprintf(stderr, "zerotee: cannot register the zerotee elements\n");
        return 1;
    }
    const bool panel = zerotee::PanelApp::wanted(argc, argv);
    if (const char *problem = panel ? zerotee::PanelApp::missingDisplay() : nullptr) {
        std::fprintf(stderr, "zerotee: %s\n", problem);
        return 1;
    }
    std::unique_ptr<QCoreApplication> app = panel ? zerotee::PanelApp::createApplication(argc, argv)
                                                  : std::make_unique<QCoreApplication>(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("zerotee"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ZEROTEE_VERSION));

    zerotee::CommandLine commandLine = zerotee::parseCommandLine(app->arguments());
    if (commandLine.exitNow) {
        std::fprintf(commandLine.exitCode ? stderr : stdout, "%s\n",
                     qPrintable(commandLine.message));
        return commandLine.exitCode;
    }
    zerotee::applyLogLevel(commandLine.config.logLevel);

    std::unique_ptr<QObject> service;
    QString error;
    if (commandLine.headless) {
        auto headless = std::make_unique<zerotee::HeadlessService>(std::move(commandLine));
        QObject::connect(headless.get(), &zerotee::HeadlessService::finished, app.get(),
                         &QCoreApplication::quit);
        service = headless->start(&error) ? std::move(headless) : nullptr;
    } else {
        auto window = std::make_unique<zerotee::PanelApp>(std::move(commandLine));
        QObject::connect(window.get(), &zerotee::PanelApp::finished, app.get(),
                         &QCoreApplication::quit);
        service = window->start(&error) ? std::move(window) : nullptr;
    }
    if (!service) {
        std::fprintf(stderr, "zerotee: %s\n", qPrintable(error));
        return 1;
    }
    return app->exec();
}
