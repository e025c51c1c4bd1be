#include "ProcTestSupport.h"

#include "ProcessSampler.h"

#include <QDir>
#include <QFile>

#include <unistd.h>

namespace zerotee::test {

int openFdCount()
{
    return int(QDir(QStringLiteral("/proc/self/fd"))
                   .entryList(QDir::AllEntries | QDir::System | QDir::NoDotAndDotDot)
                   .size());
}

QList<ChildProcess> childProcesses(pid_t parent)
{
    QList<ChildProcess> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const pid_t pid = pid_t(entry.toInt(&ok));
        if (!ok)
            continue;
        const auto stat = ProcessSampler::readStat(pid);
        if (stat && stat->ppid == parent)
            children.append({pid, stat->state});
    }
    return children;
}

int zombieChildren()
{
    int zombies = 0;
    for (const ChildProcess &child : childProcesses(getpid()))
        zombies += child.state == 'Z' ? 1 : 0;
    return zombies;
}

qint64 selfRssBytes()
{
    QFile file(QStringLiteral("/proc/self/statm"));
    if (!file.open(QIODevice::ReadOnly))
        return 0;
    return ProcessSampler::parseStatmRss(file.readAll(), sysconf(_SC_PAGESIZE)).value_or(0);
}

} // namespace zerotee::test
