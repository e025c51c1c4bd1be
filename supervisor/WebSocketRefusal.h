#pragma once

#include <QJsonDocument>
#include <QJsonObject>
#include <QTimer>
#include <QWebSocket>
#include <memory>

namespace zerotee {

/// Tells a WebSocket peer why it is refused — a JSON text message {"ok":false,"error":...},
/// then a close frame with the reason — and deletes the socket once the peer has it (or
/// after a second). Deleting it at once would drop both unsent.
inline void refuseWebSocket(std::unique_ptr<QWebSocket> socket, QWebSocketProtocol::CloseCode code,
                            const QString &reason)
{
    QWebSocket *s = socket.release();
    s->sendTextMessage(QString::fromUtf8(
        QJsonDocument(QJsonObject{{QStringLiteral("ok"), false}, {QStringLiteral("error"), reason}})
            .toJson(QJsonDocument::Compact)));
    s->close(code, reason.left(120)); // a close frame carries at most 123 bytes
    QObject::connect(s, &QWebSocket::disconnected, s, &QObject::deleteLater);
    QTimer::singleShot(1000, s, &QObject::deleteLater);
}

} // namespace zerotee
