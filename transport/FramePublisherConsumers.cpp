#include "FramePublisherState.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace zerotee {

namespace {
/// Frames a `latest` consumer may hold (see the Hello handling).
constexpr unsigned kLatestQuota = 2;
} // namespace

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

} // namespace zerotee
