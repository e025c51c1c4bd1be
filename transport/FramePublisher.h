#pragma once

#include "ConsumerAdmission.h"
#include "MessageChannel.h"
#include "Protocol.h"
#include "UniqueFd.h"
#include "UnixSocket.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace zerotee {

/// Producer-side description of one shareable buffer: its fds and layout.
/// The fds are borrowed; FramePublisher::registerBuffer() duplicates them.
struct BufferLayout {
    struct Memory {
        int fd = -1;
        uint64_t fdOffset = 0;
        uint64_t size = 0;
        uint64_t fdSize = 0;
    };
    wire::MemoryType memoryType = wire::MemoryType::Memfd;
    std::vector<Memory> memories;
    std::vector<wire::PlaneDesc> planes; // empty when the data has no video layout
    uint32_t drmFourcc = 0;
    uint64_t drmModifier = 0;
    uint32_t width = 0;
    uint32_t height = 0;
};

/// What travels with one published frame.
struct FrameInfo {
    uint64_t ptsNs = wire::kNoTimestamp; // absolute CLOCK_MONOTONIC capture time
    uint64_t durationNs = wire::kNoTimestamp;
    uint64_t cameraSequence = 0;
    uint64_t payloadSize = 0;
    uint32_t flags = 0;
};

/// Why a client was disconnected, for logs and statistics.
enum class DisconnectReason {
    HungUp,        // the peer closed (or died)
    Goodbye,       // the peer said goodbye
    ProtocolError, // malformed message
    Refused,       // credentials, role, version or pool admission
    LeaseExpired,  // held a frame past its deadline
    TooSlow,       // stopped reading
    HelloTimeout,  // connected but never said hello
    Shutdown,      // the publisher closed it
};
const char *disconnectReasonName(DisconnectReason reason);

struct ClientStats {
    uint32_t id = 0;
    std::string name;
    PeerCredentials peer;
    wire::DeliveryPolicy policy = wire::DeliveryPolicy::All;
    uint32_t quota = 0;
    bool degraded = false;
    uint64_t framesSent = 0;
    uint64_t droppedQuota = 0;  // quota of held frames was used up
    uint64_t droppedSocket = 0; // socket still had unsent bytes
    uint64_t skippedByPolicy = 0;
    uint64_t skippedToKeyframe = 0; // encoded: frames skipped after a miss, until a keyframe
    uint64_t framesReplayed = 0;    // encoded: sent from the GOP cache when it joined
    uint32_t held = 0;
};

struct PublisherStats {
    uint64_t framesPublished = 0;
    uint64_t framesUnseen = 0; // published while no client took it
    uint64_t framesSent = 0;   // summed over clients
    uint64_t droppedQuota = 0;
    uint64_t droppedSocket = 0;
    uint64_t skippedByPolicy = 0;
    uint64_t skippedToKeyframe = 0;
    uint64_t framesReplayed = 0;
    uint64_t clientsAccepted = 0;
    uint64_t clientsRefused = 0;
    uint64_t evictions = 0; // lease expiry or too slow
    uint64_t registrationsSent = 0;
    uint32_t clients = 0;
    uint32_t buffersRegistered = 0;
    uint32_t buffersHeld = 0;
    uint32_t gopCached = 0; // frames in the GOP cache now
};

/// The producer's half of the bus: clients, buffer registry, leases, quotas, delivery policies,
/// drops, eviction and reclamation. It owns the client sockets but never waits: the caller's
/// event loop (poll, GLib, Qt) watches pollItems(), reports readiness through the handle*()
/// calls and calls handleTimeouts() by nextDeadline().
///
/// Thread context: thread-bound; callers serialise access (the GStreamer sink uses a mutex).
class FramePublisher {
public:
    using Clock = std::chrono::steady_clock;
    using BufferId = uint32_t;
    using ClientId = uint32_t;

    struct Options {
        /// Buffers the producer's pool can have in flight; 0 = unlimited.
        unsigned poolCapacity = 32;
        /// The pool is the source's own (a camera's buffers): no setting of the producer's
        /// enlarges it, and a pool refusal says so.
        bool poolIsSourcesOwn = false;
        /// Buffers the capture itself needs (queue depth) that consumers must never take.
        unsigned captureReserve = 4;
        unsigned defaultQuota = 2;
        unsigned maxQuota = 16;
        std::chrono::milliseconds leaseTimeout{1000};
        std::chrono::milliseconds helloTimeout{2000};
        /// Queued-but-unsent bytes above which a client counts as not reading.
        size_t maxPendingBytes = 256 * 1024;
        /// Peers allowed besides the producer's own uid and root: by uid, or by primary or
        /// supplementary group (ConsumerAdmission::isAllowed).
        std::vector<uid_t> allowedUids;
        std::vector<gid_t> allowedGids;
        /// The settings a refusal names (ConsumerAdmission::peerRefusal, poolRefusal).
        ConsumerAdmission::SettingNames settingNames;
        /// How long a refused connection stays open after its Error message, so the consumer
        /// reads the reason before it sees the connection close (closed sooner on its hang-up).
        std::chrono::milliseconds refusalLinger{1000};
    };

    struct Callbacks {
        /// Every lease on the buffer has been given back; the producer may reuse it.
        std::function<void(BufferId)> bufferReleased;
        /// A consumer asked for something upstream (e.g. a keyframe).
        std::function<void(ClientId, wire::UpstreamKind, uint64_t argument)> upstreamRequest;
        /// A client connected (after a successful hello) or went away.
        std::function<void(const ClientStats &)> clientAdmitted;
        std::function<void(const ClientStats &, DisconnectReason, const std::string &detail)>
            clientGone;
        /// A connection was refused (not allowed, unsupported version, or no room in the pool);
        /// @p reason is the text the consumer was sent. ClientStats has its peer and, once it
        /// said hello, its name.
        std::function<void(const ClientStats &, const std::string &reason)> clientRefused;
    };

    struct PollItem {
        int fd;
        ClientId client;
        bool wantWrite;
        bool admitted; // past its hello: only releases and requests are left to read
    };

    FramePublisher(Options options, Callbacks callbacks);
    ~FramePublisher();
    FramePublisher(const FramePublisher &) = delete;
    FramePublisher &operator=(const FramePublisher &) = delete;

    const Options &options() const { return options_; }
    void setPoolCapacity(unsigned capacity, bool sourcesOwn = false)
    {
        options_.poolCapacity = capacity;
        options_.poolIsSourcesOwn = sourcesOwn;
    }

    /// Takes an accepted connection. Checks SO_PEERCRED; returns the client id or -errno.
    /// -EACCES: the peer is not allowed; it is sent the reason, and the connection stays among
    /// pollItems() until the peer hangs up or Options::refusalLinger passes.
    int addClient(UniqueFd socket, Clock::time_point now);

    void handleReadable(ClientId client, Clock::time_point now);
    /// handleReadable() for every client: takes releases and requests already sent, without
    /// blocking. A publishing thread calls it before each publish, so quotas are judged on
    /// what consumers gave back, not on when an I/O thread last ran.
    void readPending(Clock::time_point now);
    void handleWritable(ClientId client, Clock::time_point now);
    void handleHangup(ClientId client);

    /// Evicts clients whose leases, hello or pending output are past their deadline.
    void handleTimeouts(Clock::time_point now);
    /// The earliest deadline among clients, or Clock::time_point::max().
    Clock::time_point nextDeadline() const;

    std::vector<PollItem> pollItems() const;

    /// Sets the stream's caps. A change starts a new generation: every client gets the caps
    /// again and registrations are sent anew. Call before publishing buffers of the new format.
    void setCaps(const std::string &caps);
    const std::string &caps() const { return caps_; }
    uint32_t generation() const { return generation_; }

    /// Registers a shareable buffer: its fds are duplicated (memfds reopened read-only, as
    /// consumers receive them). Returns the id or -errno.
    int registerBuffer(const BufferLayout &layout);
    /// Forgets a buffer: clients that had it get UnregisterBuffer. Leases on it stay valid.
    void unregisterBuffer(BufferId id);

    /// Offers a registered buffer to every client according to its policy. Returns how many
    /// clients now hold it; when 0 the buffer is free again at once and no callback follows,
    /// otherwise bufferReleased(id) is called when the last lease comes back.
    unsigned publish(BufferId id, const FrameInfo &info, Clock::time_point now);

    /// Encoded streams: keeps the frames since the last keyframe (a frame without
    /// wire::FrameDeltaUnit), at most @p maxFrames (0 = off, the default), and sends them first,
    /// flagged wire::FrameReplay, to every consumer that joins, so it starts on a keyframe at
    /// once without an IDR forced on everyone else. The cache holds its buffers like a lease
    /// (the producer's pool must have room for it); a GOP longer than @p maxFrames is not
    /// cached. With the cache on, a consumer that misses a frame (quota, full socket) gets
    /// nothing more until the next keyframe, so no decoder is fed a GOP with a hole.
    void setGopCache(unsigned maxFrames);
    unsigned gopCacheLimit() const { return gopCacheMax_; }

    /// Closes every client with a goodbye and reclaims all leases.
    void closeAll();

    PublisherStats stats() const;
    std::vector<ClientStats> clientStats() const;
    bool isHeld(BufferId id) const;

private:
    struct Client;
    struct Buffer;

    Client *findClient(ClientId id);
    void disconnect(ClientId id, DisconnectReason reason, const std::string &detail);
    void handleMessage(Client &client, const ReceivedMessage &message, Clock::time_point now);
    void handleHello(Client &client, const ReceivedMessage &message, Clock::time_point now);
    void replayGop(Client &client, Clock::time_point now);
    void clearGopCache();
    /// Sends @p text as an Error, half-closes, and keeps the connection until the peer hangs up
    /// or the linger passes, so the reason is read rather than lost to a reset.
    void refuse(Client &client, wire::ErrorCode code, const std::string &text,
                Clock::time_point now);
    void handleRelease(Client &client, const ReceivedMessage &message);
    bool sendFrame(Client &client, Buffer &buffer, BufferId id, const wire::Frame &frame);
    bool wantsFrame(Client &client, const FrameInfo &info);
    void releaseLease(BufferId id);
    unsigned quotaInUse() const;
    void flushClient(Client &client, Clock::time_point now);

    Options options_;
    Callbacks callbacks_;
    std::vector<std::unique_ptr<Client>> clients_;
    std::vector<std::unique_ptr<Buffer>> buffers_; // index = BufferId; null = free slot
    std::string caps_;
    uint32_t generation_ = 0;
    uint32_t nextClientId_ = 1;
    uint64_t sequence_ = 0;
    uint32_t nextSerial_ = 0;
    bool publishing_ = false;
    PublisherStats stats_;
    unsigned gopCacheMax_ = 0;
    std::vector<wire::Frame> gopCache_; // since the last keyframe, in publication order
};

} // namespace zerotee
