#include "ClientSubscriber.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

namespace zerotee {

namespace {

ClientError systemError(const std::string &what, int error)
{
    return {ZT_ERROR_SYSTEM, what + ": " + std::strerror(-error)};
}

ClientError connectError(const std::string &path, int error)
{
    switch (-error) {
    case ENOENT:
    case ECONNREFUSED: // a socket file nobody listens on: the producer is gone
    case ENOTDIR:
        return {ZT_ERROR_NOT_FOUND, "no bus at " + path + " (" + std::strerror(-error) + ")"};
    case EACCES:
    case EPERM:
        return {ZT_ERROR_REFUSED,
                "not allowed to connect to " + path + " (" + std::strerror(-error) + ")"};
    default:
        return systemError("cannot connect to " + path, error);
    }
}

ClientError producerError(const wire::ErrorMessage &error)
{
    switch (error.code) {
    case wire::ErrorCode::Version:
        return {ZT_ERROR_VERSION, "the producer does not speak protocol version " +
                                      std::to_string(wire::kVersion) + ": " + error.text};
    case wire::ErrorCode::Refused:
    case wire::ErrorCode::PoolExhausted:
        return {ZT_ERROR_REFUSED, "the producer refused this consumer: " + error.text};
    case wire::ErrorCode::LeaseExpired:
    case wire::ErrorCode::TooSlow:
        return {ZT_ERROR_DISCONNECTED, "the producer evicted this consumer: " + error.text};
    case wire::ErrorCode::Protocol:
        break;
    }
    return {ZT_ERROR_PROTOCOL, "the producer reported a protocol error: " + error.text};
}

// The value of `field=` in GStreamer caps text ("format=(string)NV12" -> "NV12"), or "".
// A plain scan rather than std::regex: the caps are short and the grammar of a value is simple.
std::string capsField(const std::string &caps, const std::string &field)
{
    for (size_t at = caps.find(field + "="); at != std::string::npos;
         at = caps.find(field + "=", at + 1)) {
        if (at > 0 && caps[at - 1] != ' ' && caps[at - 1] != ',')
            continue; // the end of a longer name ("max-width=")
        size_t begin = at + field.size() + 1;
        if (begin < caps.size() && caps[begin] == '(') // a type: "(string)", "(int)"
            begin = caps.find(')', begin) == std::string::npos ? caps.size()
                                                               : caps.find(')', begin) + 1;
        size_t end = begin;
        while (end < caps.size() &&
               (std::isalnum(static_cast<unsigned char>(caps[end])) || caps[end] == '_'))
            end++;
        return caps.substr(begin, end - begin);
    }
    return {};
}

// The fields of the caps a frame needs: format (or the media type), width, height.
void parseCaps(const std::string &caps, std::string *format, uint32_t *width, uint32_t *height)
{
    const std::string mediaType = caps.substr(0, caps.find(','));
    const std::string rawFormat = capsField(caps, "format");
    *format = mediaType == "video/x-raw" && !rawFormat.empty() ? rawFormat : mediaType;
    const std::string w = capsField(caps, "width"), h = capsField(caps, "height");
    *width = w.empty() || !std::isdigit(static_cast<unsigned char>(w[0]))
                 ? 0
                 : uint32_t(std::strtoul(w.c_str(), nullptr, 10));
    *height = h.empty() || !std::isdigit(static_cast<unsigned char>(h[0]))
                  ? 0
                  : uint32_t(std::strtoul(h.c_str(), nullptr, 10));
}

} // namespace

ClientSubscriber::ClientSubscriber(std::string path, Options options)
    : path_(std::move(path)), options_(std::move(options)), subscriber_([this] {
          FrameSubscriber::Options o;
          o.name = options_.name;
          o.policy = options_.policy;
          o.quota = options_.quota;
          o.fpsCap = options_.maxFps;
          return o;
      }())
{
}

ClientSubscriber::~ClientSubscriber()
{
    std::lock_guard lock(mutex_);
    subscriber_.disconnect();
}

std::unique_ptr<ClientSubscriber> ClientSubscriber::open(const std::string &path, Options options,
                                                         ClientError *error)
{
    if (options.policy == wire::DeliveryPolicy::FpsCap && !(options.maxFps > 0)) {
        *error = {ZT_ERROR_INVALID, "policy fps-cap needs max_fps > 0"};
        return nullptr;
    }
    std::unique_ptr<ClientSubscriber> self(new ClientSubscriber(path, std::move(options)));
    if (self->setUp(error) < 0)
        return nullptr;

    std::unique_lock lock(self->mutex_);
    if (self->connectLocked(error) < 0)
        return nullptr;
    const auto deadline = Clock::now() + std::chrono::milliseconds(self->options_.connectTimeoutMs);
    while (!self->connected_) {
        if (!self->errors_.empty()) {
            *error = self->errors_.front();
            return nullptr;
        }
        if (self->subscriber_.state() == FrameSubscriber::State::Disconnected) {
            *error = {ZT_ERROR_DISCONNECTED,
                      "the producer at " + path + " closed the connection before welcoming it"};
            return nullptr;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            *error = {ZT_ERROR_TIMEOUT, "no welcome from the producer at " + path + " within " +
                                            std::to_string(self->options_.connectTimeoutMs) +
                                            " ms"};
            return nullptr;
        }
        self->updateSocketEvents();
        self->waitFor(lock, int(left.count()));
        self->service(false);
    }
    self->updateWakeup(); // frames that came with the welcome make the poll fd readable
    return self;
}

int ClientSubscriber::setUp(ClientError *error)
{
    epoll_.reset(::epoll_create1(EPOLL_CLOEXEC));
    wakeup_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    retry_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!epoll_ || !wakeup_ || !retry_) {
        *error = systemError("cannot create the subscriber's event fds", -errno);
        return error->status;
    }
    for (int fd : {wakeup_.get(), retry_.get()}) {
        epoll_event event{};
        event.events = EPOLLIN;
        event.data.fd = fd;
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0) {
            *error = systemError("epoll_ctl", -errno);
            return error->status;
        }
    }
    return ZT_OK;
}

int ClientSubscriber::connectLocked(ClientError *error)
{
    connection_++;
    connected_ = false;
    if (int ret = subscriber_.connect(path_); ret < 0) {
        *error = connectError(path_, ret);
        armRetry();
        return error->status;
    }
    socketInEpoll_ = -1; // a new socket, whatever its number: registered afresh
    updateSocketEvents();
    return ZT_OK;
}

void ClientSubscriber::armRetry()
{
    const int interval = std::max(options_.reconnectIntervalMs, 1);
    nextAttempt_ = Clock::now() + std::chrono::milliseconds(interval);
    itimerspec spec{};
    spec.it_value.tv_sec = interval / 1000;
    spec.it_value.tv_nsec = long(interval % 1000) * 1000000;
    ::timerfd_settime(retry_.get(), 0, &spec, nullptr);
    retryArmed_ = true;
}

void ClientSubscriber::lostConnection(int reason)
{
    if (reason == -EPROTONOSUPPORT)
        errors_.push_back({ZT_ERROR_VERSION, "the producer at " + path_ +
                                                 " speaks another protocol version than " +
                                                 std::to_string(wire::kVersion)});
    else if (reason == -EBADMSG)
        errors_.push_back({ZT_ERROR_PROTOCOL,
                           "the producer at " + path_ + " sent a malformed message; disconnected"});
    if (socketInEpoll_ >= 0)
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, socketInEpoll_, nullptr);
    socketInEpoll_ = -1;
    subscriber_.disconnect();
    connected_ = false;
    // The producer reclaims every lease of this connection; held frames keep their mappings.
    queue_.clear();
    buffers_.clear();
    heldNow_ = 0;
    armRetry();
}

void ClientSubscriber::service(bool mayReconnect)
{
    uint64_t expirations;
    // The one-shot timer is read until it has fired, so it never keeps the poll fd readable.
    if (retryArmed_ && ::read(retry_.get(), &expirations, sizeof(expirations)) > 0)
        retryArmed_ = false;
    if (subscriber_.state() == FrameSubscriber::State::Disconnected) {
        if (mayReconnect && options_.reconnect && !closed_ && Clock::now() >= nextAttempt_) {
            ClientError error;
            // A missing socket just means the producer is not back yet; anything else is news.
            if (connectLocked(&error) < 0 && error.status != ZT_ERROR_NOT_FOUND)
                errors_.push_back(error);
        }
        return;
    }
    int ret = 0;
    if (subscriber_.wantsWrite())
        ret = subscriber_.handleWritable();
    std::vector<SubscriberEvent> events;
    if (ret == 0)
        ret = subscriber_.handleReadable(events);
    for (SubscriberEvent &event : events)
        handle(event);
    if (ret < 0)
        lostConnection(ret);
}

void ClientSubscriber::handle(SubscriberEvent &event)
{
    if (auto *welcome = std::get_if<SubscriberEvent::Welcomed>(&event.value)) {
        welcome_ = welcome->welcome;
        if (everConnected_)
            reconnects_++;
        everConnected_ = true;
        connected_ = true;
    } else if (auto *caps = std::get_if<SubscriberEvent::CapsChanged>(&event.value)) {
        caps_ = caps->caps.caps;
        parseCaps(caps_, &format_, &capsWidth_, &capsHeight_);
        buffers_.clear(); // registered again for the new format; held frames keep theirs
    } else if (auto *reg = std::get_if<SubscriberEvent::Registered>(&event.value)) {
        const uint32_t id = reg->registration.layout.bufferId;
        int error = 0;
        buffers_[id] = MappedBuffer::map(std::move(reg->registration), &error);
        if (!buffers_[id])
            errors_.push_back({error == -EINVAL ? ZT_ERROR_PROTOCOL : ZT_ERROR_SYSTEM,
                               "cannot map buffer " + std::to_string(id) + " of " + path_ + ": " +
                                   std::strerror(-error)});
    } else if (auto *unreg = std::get_if<SubscriberEvent::Unregistered>(&event.value)) {
        buffers_.erase(unreg->bufferId);
    } else if (auto *arrived = std::get_if<SubscriberEvent::FrameArrived>(&event.value)) {
        const wire::Frame &frame = arrived->frame;
        auto buffer = buffers_.find(frame.bufferId);
        if (buffer == buffers_.end() || !buffer->second) {
            subscriber_.release(frame.bufferId, frame.generation, frame.sequence);
            return; // unmappable: reported when it was registered
        }
        // Latest: only the newest is worth handing out; older waiting ones go back untouched.
        if (welcome_.policy == uint8_t(wire::DeliveryPolicy::Latest)) {
            for (const Queued &old : queue_)
                subscriber_.release(old.frame.bufferId, old.frame.generation, old.frame.sequence);
            queue_.clear();
        }
        queue_.push_back({frame, buffer->second});
    } else if (auto *error = std::get_if<SubscriberEvent::ProducerError>(&event.value)) {
        ClientError reported = producerError(error->error);
        // Refusals are news whenever they come; an eviction only when nothing reconnects.
        if (!connected_ || !options_.reconnect || reported.status != ZT_ERROR_DISCONNECTED)
            errors_.push_back(std::move(reported));
    }
}

void ClientSubscriber::updateWakeup()
{
    const bool ready = !queue_.empty() || !errors_.empty() || closed_;
    if (ready == wakeupSet_)
        return;
    uint64_t value = 1;
    if (ready)
        (void)!::write(wakeup_.get(), &value, sizeof(value));
    else
        (void)!::read(wakeup_.get(), &value, sizeof(value));
    wakeupSet_ = ready;
}

void ClientSubscriber::updateSocketEvents()
{
    const int fd = subscriber_.fd();
    const uint32_t events = EPOLLIN | (subscriber_.wantsWrite() ? uint32_t(EPOLLOUT) : 0u);
    if (fd < 0 || (fd == socketInEpoll_ && events == socketEvents_))
        return;
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    if (socketInEpoll_ != fd) {
        if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) < 0 && errno == EEXIST)
            ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event);
        socketInEpoll_ = fd;
    } else {
        ::epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, fd, &event);
    }
    socketEvents_ = events;
}

int ClientSubscriber::waitFor(std::unique_lock<std::mutex> &lock, int timeoutMs)
{
    lock.unlock();
    epoll_event events[4];
    int ret = ::epoll_wait(epoll_.get(), events, 4, timeoutMs);
    lock.lock();
    return ret;
}

int ClientSubscriber::next(int timeoutMs, zt_frame *frame, ClientError *error)
{
    std::unique_lock waitLock(waitMutex_);
    std::unique_lock lock(mutex_);
    const bool forever = timeoutMs < 0;
    const auto deadline = Clock::now() + std::chrono::milliseconds(std::max(timeoutMs, 0));
    // Waits first and reads after: the socket is level-triggered, so a frame already there
    // ends the wait at once, and one that is not costs no read before it.
    bool looked = false;
    while (true) {
        if (closed_) {
            *error = {ZT_ERROR_CLOSED, "the subscriber is closed"};
            return error->status;
        }
        if (!errors_.empty()) {
            *error = std::move(errors_.front());
            errors_.pop_front();
            updateWakeup();
            return error->status;
        }
        if (connected_ && heldNow_ >= welcome_.quota) {
            *error = {ZT_ERROR_QUOTA,
                      "all " + std::to_string(welcome_.quota) +
                          " frames of this consumer's quota are held: release one before "
                          "asking for another"};
            return error->status;
        }
        if (!queue_.empty()) {
            Queued queued = std::move(queue_.front());
            queue_.pop_front();
            const uint64_t lease = nextLease_++;
            queued.buffer->beginRead(); // ended by release(): the user reads in between
            fill(queued, lease, frame);
            leases_[lease] = {queued.frame, std::move(queued.buffer), connection_};
            heldNow_++;
            frames_++;
            updateWakeup();
            return ZT_OK;
        }
        if (!connected_ && everConnected_ && !options_.reconnect) {
            *error = {ZT_ERROR_DISCONNECTED, "the producer at " + path_ + " went away"};
            return error->status;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        const bool due = !forever && left.count() <= 0;
        if (due && looked) {
            *error = {ZT_ERROR_TIMEOUT,
                      "no frame within " + std::to_string(timeoutMs) + " ms from " + path_};
            return error->status;
        }
        updateWakeup();
        updateSocketEvents();
        waitFor(lock, forever ? -1 : due ? 0 : int(left.count()) + 1);
        looked = true;
        service(true);
    }
}

void ClientSubscriber::fill(const Queued &queued, uint64_t lease, zt_frame *out) const
{
    const MappedBuffer &buffer = *queued.buffer;
    const wire::RegisterBuffer &layout = buffer.layout();
    const wire::Frame &frame = queued.frame;
    *out = zt_frame{};
    out->lease = lease;
    out->width = layout.width ? layout.width : capsWidth_;
    out->height = layout.height ? layout.height : capsHeight_;
    // zeroed above, so the copy stays terminated
    format_.copy(out->format, sizeof(out->format) - 1);
    out->drm_fourcc = layout.drmFourcc;
    out->drm_modifier = layout.drmModifier;
    out->plane_count = buffer.planeCount();
    for (unsigned i = 0; i < buffer.planeCount(); ++i) {
        const MappedBuffer::Plane plane = buffer.plane(i);
        out->planes[i] = {plane.data, plane.offset, plane.fdOffset,
                          plane.size, plane.stride, int32_t(buffer.fd(plane.memory))};
    }
    const uint64_t used = frame.payloadSize ? frame.payloadSize : buffer.capacity();
    const std::span<const uint8_t> payload = buffer.payload(used);
    out->data = payload.empty() ? nullptr : payload.data();
    out->size = used;
    out->fd = buffer.fd(0);
    out->memory_type = buffer.isDmabuf() ? ZT_MEMORY_DMABUF : ZT_MEMORY_MEMFD;
    out->pts_ns = frame.ptsNs;
    out->duration_ns = frame.durationNs;
    out->publish_ns = frame.publishNs;
    out->sequence = frame.sequence;
    out->camera_sequence = frame.cameraSequence;
    out->flags = frame.flags;
    out->generation = frame.generation;
}

int ClientSubscriber::release(zt_frame *frame, ClientError *error, bool *lastAfterClose)
{
    *lastAfterClose = false;
    std::lock_guard lock(mutex_);
    auto lease = leases_.find(frame->lease);
    if (frame->lease == 0 || lease == leases_.end()) {
        *error = {ZT_ERROR_INVALID, "this frame is not held by this subscriber (released twice, "
                                    "or never received)"};
        return error->status;
    }
    lease->second.buffer->endRead();
    const wire::Frame &held = lease->second.frame;
    if (lease->second.connection == connection_ && connected_) {
        // A lease from an earlier connection died with it: nothing to give back.
        heldNow_--;
        if (subscriber_.release(held.bufferId, held.generation, held.sequence) < 0 &&
            subscriber_.state() == FrameSubscriber::State::Disconnected) {
            lostConnection(-ECONNRESET);
            updateWakeup(); // the error is news for a poller
        }
    }
    leases_.erase(lease);
    frame->lease = 0;
    if (closed_ && leases_.empty()) {
        subscriber_.disconnect();
        *lastAfterClose = true;
    }
    return ZT_OK;
}

bool ClientSubscriber::close()
{
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
        updateWakeup(); // wakes a next() waiting in another thread
    }
    std::lock_guard waitLock(waitMutex_); // it has returned
    std::lock_guard lock(mutex_);
    queue_.clear(); // leases the user never saw: the disconnect returns them
    if (!leases_.empty())
        return false; // held frames keep the connection (and their leases) until released
    subscriber_.disconnect();
    return true;
}

zt_subscriber_info ClientSubscriber::info() const
{
    std::lock_guard lock(mutex_);
    zt_subscriber_info info{};
    info.connected = connected_ ? 1 : 0;
    info.policy = zt_policy(welcome_.policy);
    info.degraded = (welcome_.flags & wire::WelcomeDegraded) ? 1 : 0;
    info.quota = welcome_.quota;
    info.held = heldNow_;
    info.client_id = welcome_.clientId;
    info.lease_timeout_ms = welcome_.leaseTimeoutMs;
    info.frames = frames_;
    info.reconnects = reconnects_;
    return info;
}

std::string ClientSubscriber::caps() const
{
    std::lock_guard lock(mutex_);
    return caps_;
}

int ClientSubscriber::requestKeyframe(ClientError *error)
{
    std::lock_guard lock(mutex_);
    if (int ret = subscriber_.requestUpstream(wire::UpstreamKind::KeyframeNow); ret < 0) {
        *error = {ZT_ERROR_DISCONNECTED, "cannot ask for a keyframe: not connected (" +
                                             std::string(std::strerror(-ret)) + ")"};
        return error->status;
    }
    return ZT_OK;
}

} // namespace zerotee
