#pragma once

#include <QJsonObject>
#include <QString>
#include <mutex>

namespace zerotee {

/// The structured channel from a worker to the supervisor: one JSON object per line on stdout
/// ({"type":"stats",...}, {"type":"detection",...}, {"type":"event",...}). Logs go to stderr.
/// Standalone runs print the same lines, which makes them easy to read and to script.
///
/// Thread context: thread-safe (streaming threads report too).
class WorkerReporter {
public:
    /// Writes {"type": type, ...fields} as one line and flushes.
    void report(const QString &type, QJsonObject fields);

private:
    std::mutex mutex_;
};

} // namespace zerotee
