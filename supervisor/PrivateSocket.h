#pragma once

#include <QString>
#include <span>
#include <sys/types.h>

class QLocalServer;

namespace zerotee {

/// Makes @p server listen on @p path inside a private (0700) directory, with the socket file
/// at @p mode (and owned by @p group unless it is (gid_t)-1): a stale socket from a crashed run
/// is replaced, a live one is never taken over. Returns false with @p error naming the path and
/// the reason. Shared by the bus and control sockets.
bool listenPrivateSocket(QLocalServer &server, const QString &path, unsigned mode, QString *error,
                         gid_t group = gid_t(-1));

/// Creates the runtime directory @p dir if missing and sets its group and mode for the users and
/// groups any bus in it allows (ConsumerAdmission::directoryAccess: 0700 when none). A directory
/// owned by another user is left alone. Returns false with @p error set.
bool shareRuntimeDirectory(const QString &dir, std::span<const uid_t> uids,
                           std::span<const gid_t> gids, QString *error);

} // namespace zerotee
