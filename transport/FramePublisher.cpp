#include "FramePublisherState.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace zerotee {

namespace {
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

FramePublisher::FramePublisher(Options options, Callbacks callbacks)
    : options_(std::move(options)), callbacks_(std::move(callbacks))
{
}

FramePublisher::~FramePublisher()
{
    callbacks_ = {};
    closeAll();
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
