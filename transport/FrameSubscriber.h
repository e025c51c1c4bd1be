#pragma once

#include "MessageChannel.h"
#include "Protocol.h"
#include "UniqueFd.h"

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

namespace zerotee {

/// A buffer the producer registered: its layout and the fds, now owned by the receiver.
struct BufferRegistration {
    wire::RegisterBuffer layout{};
    std::vector<UniqueFd> fds; // fds[i] backs layout.memories[i]
};

/// What FrameSubscriber::handleReadable() reports, in arrival order.
struct SubscriberEvent {
    struct Welcomed {
        wire::Welcome welcome;
    };
    struct CapsChanged {
        wire::CapsMessage caps;
    };
    struct Registered {
        BufferRegistration registration;
    };
    struct Unregistered {
        uint32_t bufferId;
        uint32_t generation;
    };
    struct FrameArrived {
        wire::Frame frame;
    };
    struct ProducerError {
        wire::ErrorMessage error;
    };
    std::variant<Welcomed, CapsChanged, Registered, Unregistered, FrameArrived, ProducerError>
        value;
};

/// The consumer's half of the bus: handshake, registrations, frames, releases.
/// Like FramePublisher it never blocks; the caller polls fd() (and for writing while
/// wantsWrite()) and reports readiness.
///
/// Thread context: thread-bound; callers serialise access (zeroteesrc uses a mutex, since
/// releases come from whichever thread frees a buffer).
class FrameSubscriber {
public:
    struct Options {
        std::string name = "consumer";
        wire::DeliveryPolicy policy = wire::DeliveryPolicy::All;
        uint32_t quota = 0; // 0 = producer default
        double fpsCap = 0;  // for DeliveryPolicy::FpsCap
    };

    enum class State { Disconnected, Handshaking, Streaming };

    explicit FrameSubscriber(Options options);

    /// Connects to the producer's socket and queues the hello. Returns 0 or -errno.
    int connect(const std::string &path);
    /// Takes an already connected socket (tests, socketpair) and queues the hello.
    int attach(UniqueFd socket);
    /// Says goodbye (best effort) and closes.
    void disconnect();

    State state() const { return state_; }
    int fd() const { return channel_ ? channel_->fd() : -1; }
    bool wantsWrite() const { return channel_ && channel_->hasPending(); }
    const wire::Welcome &welcome() const { return welcome_; }
    uint32_t generation() const { return generation_; }
    /// The reason the producer gave the last time it closed this subscriber's connection (a
    /// refusal: not allowed, pool full, version; or an eviction), until the next Welcome.
    /// It is also reported as a ProducerError event.
    const std::optional<wire::ErrorMessage> &lastProducerError() const { return lastError_; }

    /// Reads and validates what arrived. Returns 0, or -errno when the connection is lost or
    /// the producer broke the protocol (then the subscriber is Disconnected): -EBADMSG for a
    /// malformed message, -EPROTONOSUPPORT for a welcome of another protocol version.
    int handleReadable(std::vector<SubscriberEvent> &events);
    int handleWritable();

    /// Gives a frame's lease back. Returns 0 or -errno (e.g. -ENOTCONN after a reconnect: the
    /// lease died with the old connection and there is nothing to give back).
    int release(uint32_t bufferId, uint32_t generation, uint64_t sequence);
    int requestUpstream(wire::UpstreamKind kind, uint64_t argument = 0);

private:
    int fail(int error);
    int handleMessage(ReceivedMessage &message, std::vector<SubscriberEvent> &events);

    Options options_;
    std::unique_ptr<MessageChannel> channel_;
    State state_ = State::Disconnected;
    wire::Welcome welcome_{};
    uint32_t generation_ = 0;
    std::unordered_map<uint32_t, uint32_t> known_; // registered bufferId -> generation
    std::optional<wire::ErrorMessage> lastError_;
};

} // namespace zerotee
