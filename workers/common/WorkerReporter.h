#pragma once

#include "WorkerProtocol.h"

#include <QJsonObject>
#include <QString>
#include <mutex>

namespace zerotee {

/// The structured channel from a worker to the supervisor: one JSON object per line on stdout
/// ({"v":1,"type":"stats",...}, see WorkerProtocol.h). Logs go to stderr.
/// Standalone runs print the same lines, which makes them easy to read and to script.
///
/// Thread context: thread-safe (streaming threads report too).
class WorkerReporter {
public:
    /// Writes {"v": version, "type": type, ...fields} as one line and flushes.
    void report(protocol::Report type, QJsonObject fields);

private:
    std::mutex mutex_;
};

} // namespace zerotee
