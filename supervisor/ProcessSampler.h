#pragma once

#include <QByteArrayView>
#include <QtGlobal>

#include <optional>
#include <sys/types.h>

namespace zerotee {

/// CPU and memory use of one process, read from /proc.
///
/// CPU % is the utime+stime delta between two samples over the wall time between them (100 % is
/// one full core). The parsers are static so they can be tested on canned text.
///
/// Thread context: not thread-safe; one sampler per process, used by its owner.
class ProcessSampler {
public:
    struct CpuTimes {
        quint64 ticks = 0; ///< utime + stime in clock ticks
        char state = '?';  ///< R, S, D, Z, …
        pid_t ppid = 0;
    };

    ProcessSampler() = default;
    explicit ProcessSampler(pid_t pid) { reset(pid); }

    /// Starts over with @p pid (0 = no process); forgets the previous sample.
    void reset(pid_t pid);
    /// Reads /proc once at @p nowNs (CLOCK_MONOTONIC). Returns false if the process is gone.
    bool sample(qint64 nowNs);

    pid_t pid() const { return pid_; }
    /// CPU use over the last interval in percent of one core; 0 until two samples exist.
    double cpuPercent() const { return cpuPercent_; }
    qint64 rssBytes() const { return rssBytes_; }

    /// Parses the text of /proc/PID/stat (the command name may contain spaces and parens).
    static std::optional<CpuTimes> parseStat(QByteArrayView text);
    /// Parses the text of /proc/PID/statm into resident bytes.
    static std::optional<qint64> parseStatmRss(QByteArrayView text, qint64 pageSize);
    /// Reads and parses /proc/PID/stat.
    static std::optional<CpuTimes> readStat(pid_t pid);

private:
    pid_t pid_ = 0;
    std::optional<quint64> lastTicks_;
    qint64 lastNs_ = 0;
    double cpuPercent_ = 0;
    qint64 rssBytes_ = 0;
};

} // namespace zerotee
