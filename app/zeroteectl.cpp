// zeroteectl: talks to a running zerotee over its control socket.
//
//   zeroteectl [--control PATH] status [--json] | workers | start NAME | stop NAME | restart NAME
//              | add KIND [--name N] [--camera C] [--option key=value ...] | remove NAME
//              | events [--follow]
#include "ControlClient.h"

#include <QCoreApplication>

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("zeroteectl"));
    QCoreApplication::setApplicationVersion(QStringLiteral(ZEROTEE_VERSION));
    return zerotee::runControlClient(app.arguments());
}
