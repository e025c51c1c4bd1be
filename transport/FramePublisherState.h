#pragma once

// Internal to FramePublisher: what it keeps per consumer and per registered buffer, shared by
// its two files — FramePublisher.cpp (buffers, caps, the GOP cache, publishing frames, stats)
// and FramePublisherConsumers.cpp (accepting consumers, their hello and releases, leases,
// timeouts, disconnecting). Not installed.

#include "FramePublisher.h"

#include <optional>

namespace zerotee {

struct FramePublisher::Client {
    struct Lease {
        BufferId buffer;
        uint64_t sequence;
        Clock::time_point deadline;
    };

    Client(ClientId clientId, UniqueFd socket, Clock::time_point now)
        : id(clientId), channel(std::move(socket)), connectedAt(now)
    {
    }

    ClientId id;
    MessageChannel channel;
    PeerCredentials peer;
    Clock::time_point connectedAt;
    bool admitted = false;
    uint64_t fpsPeriodNs = 0;
    uint64_t nextDueNs = 0;
    std::vector<Lease> leases;
    std::vector<uint32_t> knownSerial; // per buffer id: the registration it has, 0 = none
    std::optional<Clock::time_point> pendingSince;
    bool waitKeyframe = false; // encoded stream: missed a frame, skip to the next keyframe
    std::optional<Clock::time_point> closingDeadline; // refused: waiting for the peer to go
    bool writeShut = false;
    ClientStats stats;
};

struct FramePublisher::Buffer {
    std::vector<UniqueFd> fds;
    wire::RegisterBuffer desc{};
    uint32_t serial = 0; // tells a reused slot from its previous occupant
    unsigned holders = 0;
    bool retired = false;
};

} // namespace zerotee
