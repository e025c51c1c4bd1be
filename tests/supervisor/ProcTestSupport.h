#pragma once

#include <QList>
#include <QString>
#include <QtGlobal>

#include <sys/types.h>

namespace zerotee::test {

/// Path of the stub worker executable (tests/supervisor/StubWorker.cpp).
inline QString stubWorkerPath()
{
    return QStringLiteral(ZEROTEE_STUB_WORKER);
}

/// Entries in /proc/self/fd (including the one used to list it).
int openFdCount();
/// Processes whose parent is @p parent, from /proc/*/stat.
struct ChildProcess {
    pid_t pid = 0;
    char state = '?';
};
QList<ChildProcess> childProcesses(pid_t parent);
/// Children of this process that are zombies.
int zombieChildren();
/// Resident set size of this process.
qint64 selfRssBytes();

} // namespace zerotee::test
