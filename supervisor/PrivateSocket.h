#pragma once

#include <QString>

class QLocalServer;

namespace zerotee {

/// Makes @p server listen on @p path inside a private (0700) directory, with the socket file
/// at @p mode: a stale socket from a crashed run is replaced, a live one is never taken over.
/// Returns false with @p error naming the path and the reason. Shared by the bus and control
/// sockets.
bool listenPrivateSocket(QLocalServer &server, const QString &path, unsigned mode, QString *error);

} // namespace zerotee
