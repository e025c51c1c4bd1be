#pragma once

#include "FramePublisher.h"
#include "UniqueFd.h"

#include <mutex>

namespace zerotee {

/// Drives a FramePublisher and its listening socket with poll(2), for hosts without an event
/// loop of their own (the zeroteesink element's I/O thread, benchmarks, tests). The Qt
/// supervisor drives the same publisher with QSocketNotifiers instead.
///
/// Thread context: runOnce() runs on one I/O thread; it takes @p mutex around every call into
/// the publisher, so other threads may publish under the same mutex. wakeup() is thread-safe.
class PublisherPollLoop {
public:
    PublisherPollLoop(FramePublisher &publisher, UniqueFd listenSocket, std::mutex &mutex);
    ~PublisherPollLoop();

    int eventFd() const { return wakeup_.get(); }

    /// Waits up to @p maxTimeoutMs (or the publisher's next deadline, if sooner), then accepts
    /// new connections, serves readiness and expires deadlines. Returns 0 or -errno.
    int runOnce(int maxTimeoutMs);

    /// Interrupts a runOnce() in progress, e.g. after a publish left output pending.
    void wakeup();

private:
    FramePublisher &publisher_;
    UniqueFd listen_;
    UniqueFd wakeup_;
    std::mutex &mutex_;
};

} // namespace zerotee
