#include "PrivateSocket.h"

#include "ConsumerAdmission.h"
#include "UnixSocket.h"

#include <QFile>
#include <QFileInfo>
#include <QLocalServer>
#include <cerrno>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

namespace zerotee {

bool shareRuntimeDirectory(const QString &dir, std::span<const uid_t> uids,
                           std::span<const gid_t> gids, QString *error)
{
    const std::string path = QFile::encodeName(dir).toStdString();
    if (int ret = makePrivateDirectory(path); ret < 0) {
        *error =
            QStringLiteral("cannot create %1: %2").arg(dir, QString::fromLocal8Bit(strerror(-ret)));
        return false;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) < 0 || st.st_uid != ::geteuid())
        return true; // not ours to open or close (e.g. a shared /tmp)
    ConsumerAdmission::FileAccess access = ConsumerAdmission::directoryAccess(uids, gids);
    if (int ret = ConsumerAdmission::applyAccess(path, access); ret < 0) {
        *error =
            QStringLiteral("cannot set %1 to mode %2: %3")
                .arg(dir, QString::number(access.mode, 8), QString::fromLocal8Bit(strerror(-ret)));
        return false;
    }
    return true;
}

bool listenPrivateSocket(QLocalServer &server, const QString &path, unsigned mode, QString *error,
                         gid_t group)
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
    if (group != gid_t(-1) && ::chown(QFile::encodeName(path).constData(), uid_t(-1), group) < 0) {
        *error = QStringLiteral("cannot give %1 to group %2: %3")
                     .arg(path)
                     .arg(group)
                     .arg(QString::fromLocal8Bit(strerror(errno)));
        ::unlink(QFile::encodeName(path).constData());
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
