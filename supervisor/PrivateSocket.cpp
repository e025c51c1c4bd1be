#include "PrivateSocket.h"

#include "UnixSocket.h"

#include <QFile>
#include <QFileInfo>
#include <QLocalServer>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace zerotee {

bool listenPrivateSocket(QLocalServer &server, const QString &path, unsigned mode, QString *error)
{
    const QString dir = QFileInfo(path).absolutePath();
    if (int ret = makePrivateDirectory(dir.toStdString()); ret < 0) {
        *error =
            QStringLiteral("cannot create %1: %2").arg(dir, QString::fromLocal8Bit(strerror(-ret)));
        return false;
    }
    int ret = 0;
    UniqueFd fd = listenUnixSocket(path.toStdString(), &ret);
    if (!fd) {
        *error =
            ret == -EADDRINUSE
                ? QStringLiteral("%1 is in use by a running process; not taking it over").arg(path)
                : QStringLiteral("cannot listen on %1: %2")
                      .arg(path, QString::fromLocal8Bit(strerror(-ret)));
        return false;
    }
    ::chmod(QFile::encodeName(path).constData(), mode);
    // QLocalServer accepts on our descriptor (non-blocking, CLOEXEC) and closes it.
    if (!server.listen(qintptr(fd.get()))) {
        *error = QStringLiteral("cannot serve %1: %2").arg(path, server.errorString());
        ::unlink(QFile::encodeName(path).constData());
        return false;
    }
    [[maybe_unused]] int owned = fd.release();
    return true;
}

} // namespace zerotee
