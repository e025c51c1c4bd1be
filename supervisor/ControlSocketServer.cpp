#include "ControlSocketServer.h"

#include "ControlService.h"
#include "EventLog.h"
#include "PrivateSocket.h"
#include "UnixSocket.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <sys/stat.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcControl, "zerotee.control")

namespace zerotee {

namespace {
constexpr qsizetype kMaxRequest = 64 * 1024;
}

ControlSocketServer::ControlSocketServer(ControlService &service, EventLog &events, QObject *parent)
    : QLocalServer(parent), service_(service), events_(events)
{
    connect(this, &QLocalServer::newConnection, this, [this] {
        while (QLocalSocket *socket = nextPendingConnection())
            serve(socket);
    });
}

ControlSocketServer::~ControlSocketServer()
{
    close();
    if (!path_.isEmpty())
        ::unlink(QFile::encodeName(path_).constData());
}

bool ControlSocketServer::start(const QString &path, QString *error)
{
    if (!listenPrivateSocket(*this, path, 0600, error))
        return false;
    path_ = path;
    return true;
}

void ControlSocketServer::serve(QLocalSocket *socket)
{
    connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
    connect(socket, &QLocalSocket::readyRead, socket, [this, socket] {
        while (socket->canReadLine() || socket->bytesAvailable() > kMaxRequest) {
            QByteArray line = socket->readLine(kMaxRequest + 1);
            if (line.size() > kMaxRequest) {
                qCWarning(lcControl) << "request over 64 KiB; closing that connection";
                socket->write(
                    QJsonDocument(ControlService::failure(QStringLiteral("request too large")))
                        .toJson(QJsonDocument::Compact) +
                    '\n');
                socket->disconnectFromServer();
                return;
            }
            QJsonParseError parseError;
            QJsonDocument doc = QJsonDocument::fromJson(line, &parseError);
            QJsonObject answer;
            if (!doc.isObject()) {
                answer = ControlService::failure(
                    parseError.error != QJsonParseError::NoError
                        ? QStringLiteral("request is not JSON: %1 at offset %2")
                              .arg(parseError.errorString())
                              .arg(parseError.offset)
                        : QStringLiteral("request must be a JSON object"));
            } else if (doc.object().value(QStringLiteral("cmd")).toString() ==
                           QStringLiteral("events") &&
                       doc.object().value(QStringLiteral("follow")).toBool()) {
                answer = service_.handle(doc.object());
                // Stream new events on this connection until the client leaves.
                connect(
                    &events_, &EventLog::eventAdded, socket, [socket](const QJsonObject &event) {
                        socket->write(QJsonDocument(event).toJson(QJsonDocument::Compact) + '\n');
                    });
            } else {
                answer = service_.handle(doc.object());
            }
            socket->write(QJsonDocument(answer).toJson(QJsonDocument::Compact) + '\n');
        }
    });
}

} // namespace zerotee
