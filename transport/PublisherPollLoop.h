#pragma once

#include "FramePublisher.h"
#include "UniqueFd.h"

#include <atomic>
#include <cstdint>
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

    /// Quiet reading, for hosts whose publishing thread calls FramePublisher::readPending()
    /// before each publish (zeroteesink's render does). While frames keep coming, the
    /// loop then stops waking for consumers' releases, which arrive N times per frame and
    /// would each wake this thread in the middle of the consumers' own wake-ups (the latency
    /// tail on a 2-core machine). Hang-ups, new connections, hellos, pending output and lease
    /// deadlines still wake it, and it reads every client before judging a deadline. When no
    /// frame came for two frame intervals, it polls for releases again.
    void setQuietWhileStreaming(bool enabled) { quietWhileStreaming_ = enabled; }
    /// Called (any thread) right after each publish.
    void notePublished(uint64_t monotonicNs);

private:
    /// Whether releases are left to the publishing thread at @p nowNs (CLOCK_MONOTONIC).
    bool isQuiet(uint64_t nowNs) const;

    FramePublisher &publisher_;
    UniqueFd listen_;
    UniqueFd wakeup_;
    std::mutex &mutex_;
    bool quietWhileStreaming_ = false;
    std::atomic<uint64_t> lastPublishNs_{0};
    std::atomic<uint64_t> quietUntilNs_{0};
};

} // namespace zerotee
