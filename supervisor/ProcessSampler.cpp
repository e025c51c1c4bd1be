#include "ProcessSampler.h"

#include <QByteArray>
#include <QFile>
#include <QList>

#include <unistd.h>

namespace zerotee {

namespace {

QByteArray readProcFile(pid_t pid, const char *name)
{
    // /proc files report size 0, so QFile::readAll reads until EOF, which is what we want.
    QFile file(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1StringView(name)));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

} // namespace

std::optional<ProcessSampler::CpuTimes> ProcessSampler::parseStat(QByteArrayView text)
{
    // "pid (comm) state ppid …": comm may hold spaces and ')', so split after the last ')'.
    const qsizetype close = text.lastIndexOf(')');
    if (close < 0 || close + 2 > text.size())
        return std::nullopt;
    const QList<QByteArray> fields = text.sliced(close + 2).toByteArray().simplified().split(' ');
    // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    if (fields.size() < 13 || fields[0].size() != 1)
        return std::nullopt;
    bool okPpid = false, okUser = false, okSystem = false;
    CpuTimes times;
    times.state = fields[0][0];
    times.ppid = pid_t(fields[1].toInt(&okPpid));
    const quint64 user = fields[11].toULongLong(&okUser);
    const quint64 system = fields[12].toULongLong(&okSystem);
    if (!okPpid || !okUser || !okSystem)
        return std::nullopt;
    times.ticks = user + system;
    return times;
}

std::optional<qint64> ProcessSampler::parseStatmRss(QByteArrayView text, qint64 pageSize)
{
    const QList<QByteArray> fields = text.toByteArray().simplified().split(' ');
    if (fields.size() < 2)
        return std::nullopt;
    bool ok = false;
    const qint64 pages = fields[1].toLongLong(&ok);
    if (!ok)
        return std::nullopt;
    return pages * pageSize;
}

std::optional<ProcessSampler::CpuTimes> ProcessSampler::readStat(pid_t pid)
{
    if (pid <= 0)
        return std::nullopt;
    return parseStat(readProcFile(pid, "stat"));
}

void ProcessSampler::reset(pid_t pid)
{
    pid_ = pid;
    lastTicks_.reset();
    lastNs_ = 0;
    cpuPercent_ = 0;
    rssBytes_ = 0;
}

bool ProcessSampler::sample(qint64 nowNs)
{
    const std::optional<CpuTimes> times = readStat(pid_);
    if (!times)
        return false;
    static const long ticksPerSecond = sysconf(_SC_CLK_TCK);
    static const long pageSize = sysconf(_SC_PAGESIZE);

    if (lastTicks_ && nowNs > lastNs_ && times->ticks >= *lastTicks_) {
        const double cpuSeconds = double(times->ticks - *lastTicks_) / double(ticksPerSecond);
        const double wallSeconds = double(nowNs - lastNs_) / 1e9;
        cpuPercent_ = 100.0 * cpuSeconds / wallSeconds;
    }
    lastTicks_ = times->ticks;
    lastNs_ = nowNs;

    if (const auto rss = parseStatmRss(readProcFile(pid_, "statm"), pageSize))
        rssBytes_ = *rss;
    return true;
}

} // namespace zerotee
