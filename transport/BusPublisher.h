#pragma once

#include "FramePublisher.h"

#include <functional>
#include <mutex>

namespace zerotee {

/// A FramePublisher together with its lock and late-bound handlers, so that the thing that
/// publishes (a sink's streaming thread) and the thing that serves the sockets (a poll thread,
/// or the supervisor's Qt loop) can be created, stopped and restarted independently. The
/// supervisor keeps one per camera for its whole life: consumers stay connected while the
/// capture pipeline behind it restarts.
///
/// Thread context: thread-safe. Call publisher() only with mutex() held; handlers are called
/// with it held, so they must not call back into the publisher's lock.
class BusPublisher {
public:
    using ReleaseHandler = std::function<void(FramePublisher::BufferId)>;
    using UpstreamHandler = std::function<void(wire::UpstreamKind, uint64_t argument)>;
    using ClientHandler = std::function<void(const ClientStats &, bool admitted, DisconnectReason,
                                             const std::string &detail)>;

    explicit BusPublisher(FramePublisher::Options options);

    std::mutex &mutex() { return mutex_; }
    FramePublisher &publisher() { return publisher_; }

    /// The producer of buffers (one at a time) learns here when a buffer is free again.
    void setReleaseHandler(ReleaseHandler handler);
    void setUpstreamHandler(UpstreamHandler handler);
    /// Called when a client is admitted (admitted = true), goes, or is refused
    /// (DisconnectReason::Refused, @p detail the reason it was sent).
    void setClientHandler(ClientHandler handler);

    /// The socket server registers how to be nudged when output is pending after a publish.
    void setWakeHandler(std::function<void()> handler);
    /// Nudges the socket server; call without the mutex held.
    void wake();

private:
    std::mutex mutex_;
    FramePublisher publisher_;
    ReleaseHandler releaseHandler_;
    UpstreamHandler upstreamHandler_;
    ClientHandler clientHandler_;
    std::mutex wakeMutex_;
    std::function<void()> wakeHandler_;
};

} // namespace zerotee
