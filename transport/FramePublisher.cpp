#include "FramePublisher.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <sys/socket.h>
#include <unistd.h>

namespace zerotee {

namespace {
/// Frames a `latest` consumer may hold (see the Hello handling).
constexpr unsigned kLatestQuota = 2;

/// The fd consumers are sent for one memory. A memfd is reopened read-only, so no consumer can
/// write the producer's frames through it, whatever it maps (its F_SEAL_FUTURE_WRITE stops
/// writable maps of the producer's own fd too). A DMABUF cannot be reopened: it travels as its
/// exporter opened it (docs/protocol.md, "Which fds are writable").
UniqueFd consumerCopy(int fd, wire::MemoryType type)
{
    if (type == wire::MemoryType::Memfd) {
        const std::string path = "/proc/self/fd/" + std::to_string(fd);
        UniqueFd readOnly(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        if (readOnly)
            return readOnly;
    }
    return UniqueFd(::fcntl(fd, F_DUPFD_CLOEXEC, 0));
}
} // namespace

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

const char *disconnectReasonName(DisconnectReason reason)
{
    switch (reason) {
    case DisconnectReason::HungUp:
        return "hung up";
    case DisconnectReason::Goodbye:
        return "said goodbye";
    case DisconnectReason::ProtocolError:
        return "protocol error";
    case DisconnectReason::Refused:
        return "refused";
    case DisconnectReason::LeaseExpired:
        return "lease expired";
    case DisconnectReason::TooSlow:
        return "stopped reading";
    case DisconnectReason::HelloTimeout:
        return "no hello";
    case DisconnectReason::Shutdown:
        return "shutdown";
    }
    return "unknown";
}

FramePublisher::FramePublisher(Options options, Callbacks callbacks)
    : options_(std::move(options)), callbacks_(std::move(callbacks))
{
}

FramePublisher::~FramePublisher()
{
    callbacks_ = {};
    closeAll();
}

FramePublisher::Client *FramePublisher::findClient(ClientId id)
{
    for (auto &client : clients_)
        if (client->id == id)
            return client.get();
    return nullptr;
}

int FramePublisher::addClient(UniqueFd socket, Clock::time_point now)
{
    PeerCredentials peer;
    if (int ret = readPeerCredentials(socket.get(), &peer); ret < 0)
        return ret;
    auto client = std::make_unique<Client>(nextClientId_++, std::move(socket), now);
    client->peer = peer;
    client->stats.id = client->id;
    client->stats.peer = peer;
    ClientId id = client->id;
    clients_.push_back(std::move(client));
    if (!ConsumerAdmission::isAllowed(peer, options_.allowedUids, options_.allowedGids)) {
        refuse(*clients_.back(), wire::ErrorCode::Refused,
               ConsumerAdmission::peerRefusal(peer, options_.allowedUids, options_.allowedGids,
                                              options_.settingNames),
               now);
        return -EACCES;
    }
    return int(id);
}

void FramePublisher::refuse(Client &client, wire::ErrorCode code, const std::string &text,
                            Clock::time_point now)
{
    stats_.clientsRefused++;
    client.channel.queue(wire::MessageType::Error, wire::encodeError(code, text));
    client.closingDeadline = now + options_.refusalLinger;
    if (callbacks_.clientRefused)
        callbacks_.clientRefused(client.stats, text);
    flushClient(client, now);
}

std::vector<FramePublisher::PollItem> FramePublisher::pollItems() const
{
    std::vector<PollItem> items;
    items.reserve(clients_.size());
    for (const auto &client : clients_)
        items.push_back(
            {client->channel.fd(), client->id, client->channel.hasPending(), client->admitted});
    return items;
}

void FramePublisher::readPending(Clock::time_point now)
{
    for (const PollItem &item : pollItems())
        handleReadable(item.client, now);
}

void FramePublisher::handleReadable(ClientId id, Clock::time_point now)
{
    Client *client = findClient(id);
    if (!client)
        return;
    std::vector<ReceivedMessage> messages;
    int ret = client->channel.receive(messages);
    if (client->closingDeadline) {
        // Refused: whatever it still says is read (an unread byte at close would reset the
        // connection and could cost the consumer the reason) and ignored; its close ends it.
        if (ret < 0)
            disconnect(id, DisconnectReason::HungUp, "");
        return;
    }
    for (const ReceivedMessage &message : messages) {
        handleMessage(*client, message, now);
        client = findClient(id); // a message may have closed the connection
        if (!client)
            return;
        if (client->closingDeadline)
            return; // refused by this message: the rest is not heard
    }
    if (ret == -ECONNRESET)
        disconnect(id, DisconnectReason::HungUp, "");
    else if (ret == -EBADMSG)
        disconnect(id, DisconnectReason::ProtocolError, "malformed message on the socket");
    else if (ret < 0)
        disconnect(id, DisconnectReason::HungUp, std::strerror(-ret));
}

void FramePublisher::handleWritable(ClientId id, Clock::time_point now)
{
    if (Client *client = findClient(id))
        flushClient(*client, now);
}

void FramePublisher::handleHangup(ClientId id)
{
    if (findClient(id))
        disconnect(id, DisconnectReason::HungUp, "");
}

void FramePublisher::flushClient(Client &client, Clock::time_point now)
{
    int ret = client.channel.flush();
    if (client.closingDeadline) {
        if (ret == 0 && !client.writeShut) {
            ::shutdown(client.channel.fd(), SHUT_WR); // the reason is out: EOF follows it
            client.writeShut = true;
        } else if (ret < 0 && ret != -EAGAIN) {
            disconnect(client.id, DisconnectReason::HungUp, "");
        }
        return;
    }
    if (ret == 0) {
        client.pendingSince.reset();
    } else if (ret == -EAGAIN) {
        if (!client.pendingSince)
            client.pendingSince = now;
        if (client.channel.pendingBytes() > options_.maxPendingBytes)
            disconnect(client.id, DisconnectReason::TooSlow, "send queue over its limit");
    } else {
        disconnect(client.id, DisconnectReason::HungUp, std::strerror(-ret));
    }
}

void FramePublisher::handleMessage(Client &client, const ReceivedMessage &message,
                                   Clock::time_point now)
{
    using wire::MessageType;
    if (!client.admitted && message.type() != MessageType::Hello) {
        disconnect(client.id, DisconnectReason::ProtocolError,
                   std::string("expected Hello, got ") + wire::messageTypeName(message.type()));
        return;
    }
    switch (message.type()) {
    case MessageType::Hello:
        if (client.admitted) {
            disconnect(client.id, DisconnectReason::ProtocolError, "second Hello");
            return;
        }
        {
            // handleHello() may disconnect (and so destroy) the client: keep only its id.
            const ClientId id = client.id;
            handleHello(client, message, now);
            if (Client *still = findClient(id))
                flushClient(*still, now);
            return;
        }
    case MessageType::Release:
        handleRelease(client, message);
        return;
    case MessageType::UpstreamRequest: {
        wire::UpstreamRequest request;
        if (message.decode(request) < 0) {
            disconnect(client.id, DisconnectReason::ProtocolError, "bad UpstreamRequest");
            return;
        }
        if (callbacks_.upstreamRequest)
            callbacks_.upstreamRequest(client.id, wire::UpstreamKind(request.kind),
                                       request.argument);
        return;
    }
    case MessageType::Goodbye: {
        wire::Goodbye goodbye;
        if (message.decode(goodbye) < 0)
            disconnect(client.id, DisconnectReason::ProtocolError, "bad Goodbye");
        else
            disconnect(client.id, DisconnectReason::Goodbye, "");
        return;
    }
    default:
        disconnect(client.id, DisconnectReason::ProtocolError,
                   std::string("unexpected ") + wire::messageTypeName(message.type()) +
                       " from a consumer");
        return;
    }
}

unsigned FramePublisher::quotaInUse() const
{
    unsigned sum = 0;
    for (const auto &client : clients_)
        if (client->admitted)
            sum += client->stats.quota;
    return sum;
}

void FramePublisher::handleHello(Client &client, const ReceivedMessage &message,
                                 Clock::time_point now)
{
    wire::Hello hello;
    if (message.payload.size() >= sizeof(uint16_t)) {
        uint16_t version;
        std::memcpy(&version, message.payload.data(), sizeof(version));
        if (version != wire::kVersion) {
            refuse(client, wire::ErrorCode::Version,
                   "protocol version " + std::to_string(version) +
                       " unsupported, producer speaks " + std::to_string(wire::kVersion),
                   now);
            return;
        }
    }
    if (message.decode(hello) < 0) {
        disconnect(client.id, DisconnectReason::ProtocolError, "bad Hello");
        return;
    }

    auto policy = wire::DeliveryPolicy(hello.policy);
    unsigned wanted =
        hello.quota == 0 ? options_.defaultQuota : std::min(hello.quota, options_.maxQuota);
    // Latest holds two: the frame being worked on, and the one a GStreamer sink keeps as its
    // last sample (basesink's default) or preroll (appsink). With one, that kept frame used
    // the whole quota and nothing new arrived until the lease expired (~1 fps).
    if (policy == wire::DeliveryPolicy::Latest)
        wanted = kLatestQuota;
    bool degraded = false;
    if (options_.poolCapacity > 0) {
        int room = ConsumerAdmission::poolRoom(options_.poolCapacity, options_.captureReserve,
                                               quotaInUse());
        if (room < 1) {
            client.stats.name = wire::nameOf(hello.name);
            unsigned consumers = unsigned(
                std::ranges::count_if(clients_, [](const auto &other) { return other->admitted; }));
            refuse(client, wire::ErrorCode::PoolExhausted,
                   ConsumerAdmission::poolRefusal(options_.poolCapacity, options_.captureReserve,
                                                  quotaInUse(), consumers, options_.settingNames,
                                                  options_.poolIsSourcesOwn),
                   now);
            return;
        }
        if (unsigned(room) < wanted) {
            // Degrade rather than refuse: the newest frame, as many at a time as fit.
            wanted = std::min(unsigned(room), kLatestQuota);
            policy = wire::DeliveryPolicy::Latest;
            degraded = true;
        }
    }

    client.admitted = true;
    client.stats.name = wire::nameOf(hello.name);
    client.stats.policy = policy;
    client.stats.quota = wanted;
    client.stats.degraded = degraded;
    if (policy == wire::DeliveryPolicy::FpsCap)
        client.fpsPeriodNs = uint64_t(1e12 / double(hello.fpsCapMilli));
    stats_.clientsAccepted++;

    wire::Welcome welcome{};
    welcome.version = wire::kVersion;
    welcome.policy = uint8_t(policy);
    welcome.flags = degraded ? wire::WelcomeDegraded : 0;
    welcome.clientId = client.id;
    welcome.quota = wanted;
    welcome.leaseTimeoutMs = uint32_t(options_.leaseTimeout.count());
    client.channel.queue(welcome);
    if (!caps_.empty())
        client.channel.queue(wire::MessageType::Caps, wire::encodeCaps(generation_, caps_));
    replayGop(client, now);
    if (callbacks_.clientAdmitted)
        callbacks_.clientAdmitted(client.stats);
}

void FramePublisher::handleRelease(Client &client, const ReceivedMessage &message)
{
    wire::Release release;
    if (message.decode(release) < 0) {
        disconnect(client.id, DisconnectReason::ProtocolError, "bad Release");
        return;
    }
    auto it = std::ranges::find_if(client.leases, [&](const Client::Lease &lease) {
        return lease.buffer == release.bufferId && lease.sequence == release.sequence;
    });
    if (it == client.leases.end()) {
        disconnect(client.id, DisconnectReason::ProtocolError,
                   "Release of frame " + std::to_string(release.sequence) +
                       " that it does not hold");
        return;
    }
    BufferId buffer = it->buffer;
    client.leases.erase(it);
    client.stats.held = uint32_t(client.leases.size());
    releaseLease(buffer);
}

void FramePublisher::releaseLease(BufferId id)
{
    if (id >= buffers_.size() || !buffers_[id])
        return;
    Buffer &buffer = *buffers_[id];
    if (buffer.holders == 0 || --buffer.holders > 0)
        return;
    if (buffer.retired)
        buffers_[id].reset();
    // During publish() the caller learns the outcome from the return value instead.
    if (!publishing_ && callbacks_.bufferReleased)
        callbacks_.bufferReleased(id);
}

void FramePublisher::disconnect(ClientId id, DisconnectReason reason, const std::string &detail)
{
    auto it = std::ranges::find_if(clients_, [id](const auto &c) { return c->id == id; });
    if (it == clients_.end())
        return;
    std::unique_ptr<Client> client = std::move(*it);
    clients_.erase(it);

    // Tell the peer why, if the socket still takes bytes; never wait for it.
    wire::ErrorCode code{};
    bool explain = true;
    switch (reason) {
    case DisconnectReason::ProtocolError:
        code = wire::ErrorCode::Protocol;
        break;
    case DisconnectReason::LeaseExpired:
        code = wire::ErrorCode::LeaseExpired;
        break;
    case DisconnectReason::TooSlow:
        code = wire::ErrorCode::TooSlow;
        break;
    default:
        explain = false;
        break;
    }
    if (explain) {
        client->channel.queue(wire::MessageType::Error, wire::encodeError(code, detail));
        client->channel.flush();
    }
    if (reason == DisconnectReason::LeaseExpired || reason == DisconnectReason::TooSlow)
        stats_.evictions++;

    client->channel.close();
    for (const Client::Lease &lease : client->leases)
        releaseLease(lease.buffer);
    client->leases.clear();
    client->stats.held = 0;
    if (client->admitted && callbacks_.clientGone)
        callbacks_.clientGone(client->stats, reason, detail);
}

void FramePublisher::handleTimeouts(Clock::time_point now)
{
    std::vector<std::pair<ClientId, DisconnectReason>> expired;
    for (const auto &client : clients_) {
        if (client->closingDeadline) {
            if (*client->closingDeadline <= now)
                expired.emplace_back(client->id, DisconnectReason::HungUp);
            continue;
        }
        if (!client->admitted && now - client->connectedAt > options_.helloTimeout) {
            expired.emplace_back(client->id, DisconnectReason::HelloTimeout);
            continue;
        }
        bool leaseExpired = std::ranges::any_of(
            client->leases, [&](const Client::Lease &lease) { return lease.deadline <= now; });
        if (leaseExpired)
            expired.emplace_back(client->id, DisconnectReason::LeaseExpired);
        else if (client->pendingSince && now - *client->pendingSince > options_.leaseTimeout)
            expired.emplace_back(client->id, DisconnectReason::TooSlow);
    }
    for (auto [id, reason] : expired) {
        std::string detail = reason == DisconnectReason::LeaseExpired
                                 ? "held a frame longer than " +
                                       std::to_string(options_.leaseTimeout.count()) + " ms"
                                 : "";
        disconnect(id, reason, detail);
    }
}

FramePublisher::Clock::time_point FramePublisher::nextDeadline() const
{
    Clock::time_point next = Clock::time_point::max();
    for (const auto &client : clients_) {
        if (client->closingDeadline)
            next = std::min(next, *client->closingDeadline);
        else if (!client->admitted)
            next = std::min(next, client->connectedAt + options_.helloTimeout);
        for (const Client::Lease &lease : client->leases)
            next = std::min(next, lease.deadline);
        if (client->pendingSince)
            next = std::min(next, *client->pendingSince + options_.leaseTimeout);
    }
    return next;
}

void FramePublisher::setGopCache(unsigned maxFrames)
{
    gopCacheMax_ = maxFrames;
    if (maxFrames == 0 || gopCache_.size() > maxFrames)
        clearGopCache();
}

void FramePublisher::clearGopCache()
{
    std::vector<wire::Frame> cached;
    cached.swap(gopCache_);
    for (const wire::Frame &frame : cached)
        releaseLease(frame.bufferId);
}

void FramePublisher::replayGop(Client &client, Clock::time_point now)
{
    // Sent whatever the consumer's quota: the cache holds these buffers anyway, so replaying
    // them takes nothing from the pool; the consumer releases them as it reads them.
    if (gopCacheMax_ > 0 && gopCache_.empty())
        client.waitKeyframe = true; // nothing to start from: the next keyframe is its first frame
    for (const wire::Frame &cached : gopCache_) {
        Buffer *buffer = buffers_[cached.bufferId].get();
        if (!buffer || buffer->retired || cached.generation != generation_) {
            client.waitKeyframe = true; // a hole in the replay: start at the next keyframe
            return;
        }
        wire::Frame frame = cached;
        frame.flags |= wire::FrameReplay;
        if (!sendFrame(client, *buffer, cached.bufferId, frame)) {
            client.waitKeyframe = true;
            return;
        }
        client.leases.push_back({cached.bufferId, frame.sequence, now + options_.leaseTimeout});
        client.stats.held = uint32_t(client.leases.size());
        client.stats.framesSent++;
        client.stats.framesReplayed++;
        buffer->holders++;
        stats_.framesSent++;
        stats_.framesReplayed++;
    }
}

void FramePublisher::setCaps(const std::string &caps)
{
    if (caps == caps_)
        return;
    clearGopCache(); // frames of the old format are no start for anyone
    caps_ = caps;
    generation_++;
    std::string payload = wire::encodeCaps(generation_, caps_);
    std::vector<ClientId> ids;
    for (const auto &client : clients_) {
        // Consumers drop their registrations on new caps; send them again as they are used.
        std::ranges::fill(client->knownSerial, 0u);
        if (client->admitted) {
            client->channel.queue(wire::MessageType::Caps, payload);
            ids.push_back(client->id);
        }
    }
    for (ClientId id : ids)
        if (Client *client = findClient(id))
            flushClient(*client, Clock::now());
}

int FramePublisher::registerBuffer(const BufferLayout &layout)
{
    if (layout.memories.empty() || layout.memories.size() > wire::kMaxMemories ||
        layout.planes.size() > wire::kMaxPlanes)
        return -EINVAL;

    auto buffer = std::make_unique<Buffer>();
    buffer->serial = ++nextSerial_;
    wire::RegisterBuffer &desc = buffer->desc;
    desc.memoryType = uint8_t(layout.memoryType);
    desc.memoryCount = uint8_t(layout.memories.size());
    desc.planeCount = uint8_t(layout.planes.size());
    desc.drmFourcc = layout.drmFourcc;
    desc.drmModifier = layout.drmModifier;
    desc.width = layout.width;
    desc.height = layout.height;
    for (size_t i = 0; i < layout.memories.size(); ++i) {
        const BufferLayout::Memory &m = layout.memories[i];
        UniqueFd copy = consumerCopy(m.fd, layout.memoryType);
        if (!copy)
            return -errno;
        buffer->fds.push_back(std::move(copy));
        desc.memories[i] = {m.fdOffset, m.size, m.fdSize};
    }
    for (size_t i = 0; i < layout.planes.size(); ++i)
        desc.planes[i] = layout.planes[i];

    // Validate exactly as a consumer will, so a bad layout fails here and not over there.
    std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t *>(&desc), sizeof(desc));
    if (wire::decode(bytes, desc.memoryCount, desc) < 0)
        return -EINVAL;

    auto slot = std::ranges::find_if(buffers_, [](const auto &b) { return !b; });
    BufferId id = BufferId(slot - buffers_.begin());
    if (slot == buffers_.end())
        buffers_.push_back(std::move(buffer));
    else
        *slot = std::move(buffer);
    buffers_[id]->desc.bufferId = id;
    return int(id);
}

void FramePublisher::unregisterBuffer(BufferId id)
{
    if (id >= buffers_.size() || !buffers_[id] || buffers_[id]->retired)
        return;
    Buffer &buffer = *buffers_[id];
    wire::UnregisterBuffer message{id, generation_};
    for (const auto &client : clients_) {
        if (id < client->knownSerial.size() && client->knownSerial[id] == buffer.serial) {
            client->knownSerial[id] = 0;
            client->channel.queue(message);
        }
    }
    if (buffer.holders == 0)
        buffers_[id].reset();
    else
        buffer.retired = true;
}

bool FramePublisher::isHeld(BufferId id) const
{
    return id < buffers_.size() && buffers_[id] && buffers_[id]->holders > 0;
}

bool FramePublisher::wantsFrame(Client &client, const FrameInfo &info)
{
    if (client.leases.size() >= client.stats.quota) {
        if (client.stats.policy == wire::DeliveryPolicy::Latest) {
            client.stats.skippedByPolicy++;
            stats_.skippedByPolicy++;
        } else {
            client.stats.droppedQuota++;
            stats_.droppedQuota++;
        }
        return false;
    }
    if (client.stats.policy == wire::DeliveryPolicy::FpsCap && info.ptsNs != wire::kNoTimestamp &&
        client.nextDueNs != 0) {
        // A quarter period of slack absorbs capture jitter: 30 fps capped to 15 keeps every
        // other frame, capped to 10 every third.
        if (info.ptsNs + client.fpsPeriodNs / 4 < client.nextDueNs) {
            client.stats.skippedByPolicy++;
            stats_.skippedByPolicy++;
            return false;
        }
    }
    if (client.channel.hasPending()) {
        client.stats.droppedSocket++;
        stats_.droppedSocket++;
        return false;
    }
    return true;
}

bool FramePublisher::sendFrame(Client &client, Buffer &buffer, BufferId id,
                               const wire::Frame &frame)
{
    if (client.knownSerial.size() <= id)
        client.knownSerial.resize(id + 1, 0);
    if (client.knownSerial[id] != buffer.serial) {
        wire::RegisterBuffer desc = buffer.desc;
        desc.generation = generation_;
        int fds[wire::kMaxMemories];
        for (size_t i = 0; i < buffer.fds.size(); ++i)
            fds[i] = buffer.fds[i].get();
        if (client.channel.queue(desc, std::span<const int>(fds, buffer.fds.size())) < 0)
            return false;
        client.knownSerial[id] = buffer.serial;
        stats_.registrationsSent++;
    }
    client.channel.queue(frame);
    return true;
}

unsigned FramePublisher::publish(BufferId id, const FrameInfo &info, Clock::time_point now)
{
    if (id >= buffers_.size() || !buffers_[id] || buffers_[id]->retired)
        return 0;
    Buffer &buffer = *buffers_[id];
    stats_.framesPublished++;

    wire::Frame frame{};
    frame.bufferId = id;
    frame.generation = generation_;
    frame.sequence = ++sequence_;
    frame.ptsNs = info.ptsNs;
    frame.durationNs = info.durationNs;
    frame.publishNs = monotonicNowNs();
    frame.cameraSequence = info.cameraSequence;
    frame.payloadSize = info.payloadSize;
    frame.flags = info.flags;

    const bool keyframe = !(info.flags & wire::FrameDeltaUnit);
    bool cache = false;
    if (gopCacheMax_ > 0) {
        if (keyframe)
            clearGopCache();
        cache = keyframe || (!gopCache_.empty() && gopCache_.size() < gopCacheMax_);
        if (!cache)
            clearGopCache(); // a GOP longer than the cache: no partial GOP is kept
    }

    unsigned takers = 0;
    std::vector<ClientId> toFlush;
    for (const auto &client : clients_) {
        if (!client->admitted)
            continue;
        if (gopCacheMax_ > 0 && client->waitKeyframe) {
            if (!keyframe) {
                client->stats.skippedToKeyframe++;
                stats_.skippedToKeyframe++;
                continue;
            }
            client->waitKeyframe = false;
        }
        if (!wantsFrame(*client, info) || !sendFrame(*client, buffer, id, frame)) {
            client->waitKeyframe = gopCacheMax_ > 0;
            continue;
        }
        client->leases.push_back({id, frame.sequence, now + options_.leaseTimeout});
        client->stats.held = uint32_t(client->leases.size());
        client->stats.framesSent++;
        if (client->stats.policy == wire::DeliveryPolicy::FpsCap &&
            info.ptsNs != wire::kNoTimestamp)
            client->nextDueNs =
                client->nextDueNs == 0 || info.ptsNs > client->nextDueNs + client->fpsPeriodNs
                    ? info.ptsNs + client->fpsPeriodNs
                    : client->nextDueNs + client->fpsPeriodNs;
        buffer.holders++;
        takers++;
        stats_.framesSent++;
        toFlush.push_back(client->id);
    }
    if (takers == 0)
        stats_.framesUnseen++;
    if (cache) {
        gopCache_.push_back(frame);
        buffer.holders++;
    }
    // Flushing may disconnect a client and so give its lease back; the holders left after it
    // are the answer, and no callback fires for this buffer meanwhile.
    publishing_ = true;
    for (ClientId clientId : toFlush)
        if (Client *client = findClient(clientId))
            flushClient(*client, now);
    publishing_ = false;
    return buffer.holders;
}

void FramePublisher::closeAll()
{
    clearGopCache();
    while (!clients_.empty()) {
        Client &client = *clients_.front();
        client.channel.queue(wire::Goodbye{uint32_t(wire::GoodbyeReason::Shutdown), 0});
        client.channel.flush();
        disconnect(client.id, DisconnectReason::Shutdown, "");
    }
}

PublisherStats FramePublisher::stats() const
{
    PublisherStats s = stats_;
    s.clients = 0;
    for (const auto &client : clients_)
        s.clients += client->admitted ? 1 : 0;
    s.buffersRegistered = 0;
    s.buffersHeld = 0;
    for (const auto &buffer : buffers_) {
        if (!buffer)
            continue;
        s.buffersRegistered += buffer->retired ? 0 : 1;
        s.buffersHeld += buffer->holders > 0 ? 1 : 0;
    }
    s.gopCached = uint32_t(gopCache_.size());
    return s;
}

std::vector<ClientStats> FramePublisher::clientStats() const
{
    std::vector<ClientStats> out;
    for (const auto &client : clients_)
        if (client->admitted)
            out.push_back(client->stats);
    return out;
}

} // namespace zerotee
