#pragma once

#include "FrameSubscriber.h"
#include "MappedBuffer.h"
#include "UniqueFd.h"
#include "zerotee/client.h"

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace zerotee {

/// What a failing call reports: a zt_status and the words for zt_last_error().
struct ClientError {
    int status = ZT_OK;
    std::string message;
};

/// The subscriber behind a zt_subscriber handle: a FrameSubscriber driven by its own wait,
/// every registered buffer mapped once (MappedBuffer), frames handed out as leases the user
/// gives back, reconnection after the producer restarts.
///
/// Frames keep their MappedBuffer alive, so a frame stays readable after its buffer was
/// unregistered, the caps changed or the connection was lost; only the lease dies with the
/// connection (nothing is sent back for it).
///
/// Thread context: thread-safe. One thread at a time waits in next() (others queue behind
/// it); release() and info() may come from any thread meanwhile and do not wait for it.
class ClientSubscriber {
public:
    struct Options {
        std::string name = "client";
        wire::DeliveryPolicy policy = wire::DeliveryPolicy::Latest;
        uint32_t quota = 0;
        double maxFps = 0;
        bool reconnect = true;
        int connectTimeoutMs = 2000;
        int reconnectIntervalMs = 200;
    };

    /// Connects and waits for the welcome. On failure returns null and fills @p error.
    static std::unique_ptr<ClientSubscriber> open(const std::string &path, Options options,
                                                  ClientError *error);
    ~ClientSubscriber();
    ClientSubscriber(const ClientSubscriber &) = delete;
    ClientSubscriber &operator=(const ClientSubscriber &) = delete;

    /// Next frame within @p timeoutMs (< 0: no limit). ZT_OK, or a status with @p error filled.
    int next(int timeoutMs, zt_frame *frame, ClientError *error);
    /// Gives @p frame back and clears its lease. @p lastAfterClose is set when this was the
    /// last frame held after close(): the owner destroys the subscriber then.
    int release(zt_frame *frame, ClientError *error, bool *lastAfterClose);
    /// Stops handing out frames and wakes a waiting next(). Returns true when nothing is held,
    /// so the owner may destroy the subscriber now; otherwise the connection (and the frames'
    /// leases and mappings) lasts until the last release().
    bool close();

    int pollFd() const { return epoll_.get(); }
    zt_subscriber_info info() const;
    std::string caps() const;
    int requestKeyframe(ClientError *error);

private:
    using Clock = std::chrono::steady_clock;

    struct Queued {
        wire::Frame frame;
        std::shared_ptr<const MappedBuffer> buffer;
    };
    struct Lease {
        wire::Frame frame;
        std::shared_ptr<const MappedBuffer> buffer;
        uint64_t connection = 0; // which connection granted it
    };

    ClientSubscriber(std::string path, Options options);
    int setUp(ClientError *error);
    // The rest run with mutex_ held.
    int connectLocked(ClientError *error);
    void lostConnection(int reason);
    void service(bool mayReconnect);
    void handle(SubscriberEvent &event);
    void fill(const Queued &queued, uint64_t lease, zt_frame *frame) const;
    void updateWakeup();
    void updateSocketEvents();
    void armRetry();
    int waitFor(std::unique_lock<std::mutex> &lock, int timeoutMs);

    const std::string path_;
    const Options options_;
    UniqueFd epoll_;  // what the user polls: socket, wakeup and retry timer inside
    UniqueFd wakeup_; // eventfd: readable while frames or an error wait to be handed out
    UniqueFd retry_;  // timerfd: the next reconnection attempt is due
    // What the event fds are set to now, so a frame costs no syscall to keep them as they are.
    int socketInEpoll_ = -1;
    uint32_t socketEvents_ = 0;
    bool wakeupSet_ = false;
    bool retryArmed_ = false;

    std::mutex waitMutex_;     // one next() at a time
    mutable std::mutex mutex_; // everything below
    FrameSubscriber subscriber_;
    bool connected_ = false;
    bool everConnected_ = false;
    bool closed_ = false;
    wire::Welcome welcome_{};
    std::string caps_;
    std::string format_;
    uint32_t capsWidth_ = 0, capsHeight_ = 0;
    uint64_t connection_ = 0;
    Clock::time_point nextAttempt_{};
    std::unordered_map<uint32_t, std::shared_ptr<const MappedBuffer>> buffers_;
    std::deque<Queued> queue_;
    std::unordered_map<uint64_t, Lease> leases_;
    uint64_t nextLease_ = 1;
    uint32_t heldNow_ = 0;           // leases of the current connection
    std::deque<ClientError> errors_; // to report from the next call
    uint64_t frames_ = 0;
    uint64_t reconnects_ = 0;
};

} // namespace zerotee
