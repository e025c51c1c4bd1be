#include "XvfbServer.h"

#include <QByteArray>
#include <QStandardPaths>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

namespace zerotee::test {

bool XvfbServer::available()
{
    return !QStandardPaths::findExecutable(QStringLiteral("Xvfb")).isEmpty();
}

bool XvfbServer::start(int width, int height, QString *error)
{
    const QByteArray program = QStandardPaths::findExecutable(QStringLiteral("Xvfb")).toLocal8Bit();
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        *error = QStringLiteral("pipe: %1").arg(qt_error_string(errno));
        return false;
    }
    // Xvfb writes the display number it chose to this fd; the child gets it as fd 3.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 3);
    const QByteArray screen = QByteArray::number(width) + 'x' + QByteArray::number(height) + "x24";
    const char *argv[] = {program.constData(), "-displayfd", "3",   "-screen",  "0",
                          screen.constData(),  "-nolisten",  "tcp", "-noreset", nullptr};
    const int spawned = ::posix_spawn(&pid_, program.constData(), &actions, nullptr,
                                      const_cast<char **>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (spawned != 0) {
        ::close(fds[0]);
        pid_ = -1;
        *error = QStringLiteral("cannot start Xvfb: %1").arg(qt_error_string(spawned));
        return false;
    }
    QByteArray number;
    pollfd poller{.fd = fds[0], .events = POLLIN};
    while (!number.endsWith('\n') && ::poll(&poller, 1, 10000) > 0) {
        char buffer[16];
        const ssize_t got = ::read(fds[0], buffer, sizeof buffer);
        if (got <= 0)
            break;
        number.append(buffer, got);
    }
    ::close(fds[0]);
    bool ok = false;
    number.trimmed().toInt(&ok);
    if (!ok) {
        *error = QStringLiteral("Xvfb did not report a display within 10 s");
        return false;
    }
    display_ = QStringLiteral(":") + QString::fromLatin1(number.trimmed());
    qputenv("DISPLAY", display_.toLatin1());
    return true;
}

XvfbServer::~XvfbServer()
{
    if (pid_ <= 0)
        return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0); // PID 1 here does not reap: we must
}

} // namespace zerotee::test
