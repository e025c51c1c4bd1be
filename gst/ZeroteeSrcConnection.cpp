// zeroteesrc's connection: connecting (and saying why not), waiting on the socket,
// reconnecting after a loss or a refusal, giving leases back. See ZeroteeSrcPrivate.h.
#include "ZeroteeSrcPrivate.h"

#include "ConsumerAdmission.h"
#include "MonotonicClock.h"

#include <cerrno>
#include <poll.h>

using zerotee::FrameSubscriber;
using zerotee::SubscriberEvent;

// After a refusal the interval doubles up to this: a full pool or a closed door is not worth
// knocking on five times a second, and every knock is an event at the producer.
constexpr guint kMaxRefusalBackoffMs = 5000;

// Drops the connection and everything that came with it. Buffers still out keep their memory;
// their releases are ignored (the producer reclaimed those leases when the socket closed).
void zerotee_src_disconnect(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    {
        std::lock_guard lock(priv->connection->mutex);
        if (priv->connection->subscriber)
            priv->connection->subscriber->disconnect();
        priv->connection->subscriber.reset();
        priv->connection->epoch++;
    }
    priv->imported.clear();
    priv->pending.clear();
    priv->discont = true;
    GST_OBJECT_LOCK(self);
    priv->connected = false;
    GST_OBJECT_UNLOCK(self);
}

// One connection attempt. Returns true when connected (the hello is queued).
static bool zerotee_src_try_connect(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    GST_OBJECT_LOCK(self);
    zerotee::src_internal::Settings s = priv->settings;
    GST_OBJECT_UNLOCK(self);

    FrameSubscriber::Options options;
    if (s.clientName.empty()) {
        g_autofree gchar *name = gst_element_get_name(GST_ELEMENT(self));
        options.name = name;
    } else {
        options.name = s.clientName;
    }
    options.policy = s.policy;
    options.quota = s.quota;
    options.fpsCap = s.maxFps;

    auto subscriber = std::make_unique<FrameSubscriber>(options);
    int ret = subscriber->connect(s.socketPath);
    if ((ret == -EACCES || ret == -EPERM) && !priv->warnedNoAccess) {
        // The file system refused before the producer could: say who we are and what opens it.
        uid_t uid = ::geteuid();
        GST_ELEMENT_WARNING(self, RESOURCE, NOT_AUTHORIZED,
                            ("Cannot connect to %s: permission denied for uid %u (%s)",
                             s.socketPath.c_str(), unsigned(uid),
                             zerotee::ConsumerAdmission::userName(uid).c_str()),
                            ("the socket or its directory is closed to this user; the producer "
                             "must allow it: allow_users or allow_groups of its [[camera]] in "
                             "the zerotee configuration, or zeroteesink allow-users or "
                             "allow-groups; retrying every %u ms",
                             s.reconnectIntervalMs));
        priv->warnedNoAccess = true;
    }
    if (ret < 0) {
        if (!priv->warnedUnreachable)
            GST_INFO_OBJECT(self, "cannot connect to %s (%s), retrying every %u ms",
                            s.socketPath.c_str(), g_strerror(-ret), s.reconnectIntervalMs);
        priv->warnedUnreachable = true;
        priv->nextConnectNs = zerotee::monotonicNowNs() + uint64_t(s.reconnectIntervalMs) * 1000000;
        return false;
    }
    GST_INFO_OBJECT(self, "connected to %s", s.socketPath.c_str());
    priv->warnedUnreachable = false;
    {
        std::lock_guard lock(priv->connection->mutex);
        priv->connection->subscriber = std::move(subscriber);
        priv->connection->epoch++;
    }
    priv->haveCapsGeneration = false;
    GST_OBJECT_LOCK(self);
    priv->connected = true;
    if (priv->everConnected)
        priv->reconnects++;
    GST_OBJECT_UNLOCK(self);
    priv->everConnected = true;
    return true;
}

// The producer's reason for closing (a refusal, an eviction) as a WARNING, which
// gst-launch-1.0 prints without GST_DEBUG: once per reason in a row, as the source keeps
// retrying (slower after each refusal). Returns true for a refusal.
static bool zerotee_src_report_producer_error(ZeroteeSrc *self, const wire::ErrorMessage &error)
{
    ZeroteeSrcPrivate *priv = self->priv;
    GST_OBJECT_LOCK(self);
    std::string path = priv->settings.socketPath;
    guint interval = priv->settings.reconnectIntervalMs;
    GST_OBJECT_UNLOCK(self);
    const unsigned code = unsigned(error.code);
    const bool refused = error.code == wire::ErrorCode::Refused ||
                         error.code == wire::ErrorCode::PoolExhausted ||
                         error.code == wire::ErrorCode::Version;
    if (refused)
        priv->refusalBackoffMs =
            std::min(kMaxRefusalBackoffMs, priv->refusalBackoffMs ? 2 * priv->refusalBackoffMs
                                                                  : std::max(interval, 500u));
    GST_WARNING_OBJECT(self, "producer error %u: %s", code, error.text.c_str());
    if (priv->lastProducerError == code)
        return refused;
    priv->lastProducerError = code;
    const char *text = error.text.c_str();
    guint retry = refused ? priv->refusalBackoffMs : interval;
    if (error.code == wire::ErrorCode::Refused)
        GST_ELEMENT_WARNING(self, RESOURCE, NOT_AUTHORIZED,
                            ("The producer at %s refused this consumer: %s", path.c_str(), text),
                            ("error code %u; retrying (next in %u ms)", code, retry));
    else if (error.code == wire::ErrorCode::PoolExhausted)
        GST_ELEMENT_WARNING(
            self, RESOURCE, BUSY,
            ("The producer at %s has no room for this consumer: %s", path.c_str(), text),
            ("error code %u; retrying (next in %u ms)", code, retry));
    else
        GST_ELEMENT_WARNING(self, RESOURCE, READ,
                            ("The producer at %s closed the connection: %s", path.c_str(), text),
                            ("error code %u; reconnecting", code));
    return refused;
}

// Waits for the connection (or the wakeup eventfd) and queues what arrives in priv->pending.
// Returns GST_FLOW_OK to look at priv->pending again, or GST_FLOW_FLUSHING.
GstFlowReturn zerotee_src_wait(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    zerotee::src_internal::Connection &connection = *priv->connection;

    int fd;
    bool wantWrite;
    {
        std::lock_guard lock(connection.mutex);
        fd = connection.subscriber ? connection.subscriber->fd() : -1;
        wantWrite = connection.subscriber && connection.subscriber->wantsWrite();
    }

    pollfd fds[2] = {{connection.wakeup.get(), POLLIN, 0}, {fd, 0, 0}};
    int timeoutMs = -1;
    if (fd < 0) {
        uint64_t now = zerotee::monotonicNowNs();
        if (now >= priv->nextConnectNs) {
            if (zerotee_src_try_connect(self))
                return GST_FLOW_OK;
            now = zerotee::monotonicNowNs();
        }
        timeoutMs =
            int((priv->nextConnectNs - std::min(now, priv->nextConnectNs) + 999999) / 1000000);
    } else {
        fds[1].events = short(POLLIN | (wantWrite ? POLLOUT : 0));
    }

    int ready = ::poll(fds, fd < 0 ? 1 : 2, timeoutMs);
    if (priv->flushing)
        return GST_FLOW_FLUSHING;
    if (ready < 0)
        return errno == EINTR ? GST_FLOW_OK : GST_FLOW_ERROR;
    if (fds[0].revents & POLLIN)
        connection.drainWakeup();
    if (fd < 0 || fds[1].revents == 0)
        return GST_FLOW_OK;

    std::vector<SubscriberEvent> events;
    int ret = 0;
    {
        std::lock_guard lock(connection.mutex);
        if (fds[1].revents & POLLOUT)
            ret = connection.subscriber->handleWritable();
        if (ret >= 0 || ret == -EAGAIN)
            ret = connection.subscriber->handleReadable(events);
    }
    bool refused = false;
    for (SubscriberEvent &event : events) {
        // Reported at once: the loss of the connection that follows clears the pending events.
        if (auto *error = std::get_if<SubscriberEvent::ProducerError>(&event.value)) {
            refused = zerotee_src_report_producer_error(self, error->error);
        } else {
            priv->pending.push_back(std::move(event));
        }
    }
    if (ret < 0 && ret != -EAGAIN) {
        GST_WARNING_OBJECT(self, "connection to the producer lost (%s); reconnecting",
                           g_strerror(-ret));
        // Events that came before the loss are stale: their leases are void.
        zerotee_src_disconnect(self);
        GST_OBJECT_LOCK(self);
        guint interval = priv->settings.reconnectIntervalMs;
        GST_OBJECT_UNLOCK(self);
        if (refused)
            interval = priv->refusalBackoffMs;
        priv->nextConnectNs = zerotee::monotonicNowNs() + uint64_t(interval) * 1000000;
    }
    return GST_FLOW_OK;
}

void zerotee_src_release_now(ZeroteeSrc *self, const wire::Frame &frame)
{
    zerotee::src_internal::Connection &connection = *self->priv->connection;
    uint64_t epoch;
    {
        std::lock_guard lock(connection.mutex);
        epoch = connection.epoch;
    }
    connection.release(epoch, frame.bufferId, frame.generation, frame.sequence);
}
