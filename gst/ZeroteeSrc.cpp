#include "ZeroteeSrc.h"

#include "BufferSharing.h"
#include "ConsumerAdmission.h"
#include "FrameSubscriber.h"
#include "GstHolders.h"
#include "MonotonicClock.h"
#include "UnixSocket.h"

#include <gst/video/video.h>

#include <atomic>
#include <cerrno>
#include <deque>
#include <memory>
#include <mutex>
#include <poll.h>
#include <string>
#include <sys/eventfd.h>
#include <unistd.h>
#include <unordered_map>

GST_DEBUG_CATEGORY_STATIC(zerotee_src_debug);
#define GST_CAT_DEFAULT zerotee_src_debug

using zerotee::FrameSubscriber;
using zerotee::SubscriberEvent;
namespace wire = zerotee::wire;

enum {
    PROP_0,
    PROP_SOCKET_PATH,
    PROP_POLICY,
    PROP_MAX_FPS,
    PROP_QUOTA,
    PROP_CLIENT_NAME,
    PROP_RECONNECT_INTERVAL,
    PROP_STATS,
};

constexpr wire::DeliveryPolicy DEFAULT_POLICY = wire::DeliveryPolicy::All;
constexpr gdouble DEFAULT_MAX_FPS = 0;
constexpr guint DEFAULT_QUOTA = 0;
constexpr guint DEFAULT_RECONNECT_INTERVAL = 200;
// After a refusal the interval doubles up to this: a full pool or a closed door is not worth
// knocking on five times a second, and every knock is an event at the producer.
constexpr guint kMaxRefusalBackoffMs = 5000;

GType zerotee_delivery_policy_get_type(void)
{
    static gsize type = 0;
    static const GEnumValue values[] = {
        {int(wire::DeliveryPolicy::All), "Every frame while the quota has room",
         wire::policyName(wire::DeliveryPolicy::All)},
        {int(wire::DeliveryPolicy::Latest), "One frame at a time, skipping meanwhile",
         wire::policyName(wire::DeliveryPolicy::Latest)},
        {int(wire::DeliveryPolicy::FpsCap), "At most max-fps frames per second",
         wire::policyName(wire::DeliveryPolicy::FpsCap)},
        {0, nullptr, nullptr},
    };
    if (g_once_init_enter(&type))
        g_once_init_leave(&type, g_enum_register_static("ZeroteeDeliveryPolicy", values));
    return type;
}

namespace {

struct Settings {
    std::string socketPath;
    wire::DeliveryPolicy policy = DEFAULT_POLICY;
    double maxFps = DEFAULT_MAX_FPS;
    guint quota = DEFAULT_QUOTA;
    std::string clientName;
    guint reconnectIntervalMs = DEFAULT_RECONNECT_INTERVAL;
};

/// The connection, shared with the buffers in flight: a buffer's release can run on any thread,
/// after the element has stopped or even been freed.
/// Thread context: thread-safe (everything under `mutex`).
struct Connection {
    std::mutex mutex;
    std::unique_ptr<FrameSubscriber> subscriber;
    uint64_t epoch = 0; // bumped on every connect and disconnect; old leases are void
    zerotee::UniqueFd wakeup{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    uint64_t framesReleased = 0;

    void wake()
    {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t ret = ::write(wakeup.get(), &one, sizeof(one));
    }
    void drainWakeup()
    {
        uint64_t value;
        [[maybe_unused]] ssize_t ret = ::read(wakeup.get(), &value, sizeof(value));
    }

    void release(uint64_t leaseEpoch, uint32_t bufferId, uint32_t generation, uint64_t sequence)
    {
        std::lock_guard lock(mutex);
        framesReleased++;
        if (leaseEpoch != epoch || !subscriber)
            return; // the lease died with the connection it came from
        subscriber->release(bufferId, generation, sequence);
        if (subscriber->wantsWrite()) {
            subscriber->handleWritable();
            if (subscriber->wantsWrite())
                wake(); // the streaming thread polls for POLLOUT
        }
    }
};

struct LatencyStats {
    uint64_t count = 0;
    uint64_t lastUs = 0, maxUs = 0, sumUs = 0;
    void add(uint64_t us)
    {
        count++;
        lastUs = us;
        maxUs = std::max(maxUs, us);
        sumUs += us;
    }
    uint64_t avgUs() const { return count ? sumUs / count : 0; }
};

} // namespace

struct ZeroteeSrcPrivate {
    Settings settings; // GST_OBJECT_LOCK

    std::shared_ptr<Connection> connection = std::make_shared<Connection>();
    std::atomic<bool> flushing{false};

    // GST_OBJECT_LOCK: read by get_caps/query from any thread.
    GstCaps *caps = nullptr; // caps of the stream being output
    GstClockTime frameDuration = GST_CLOCK_TIME_NONE;
    // Statistics, GST_OBJECT_LOCK.
    uint64_t framesReceived = 0;
    uint64_t reconnects = 0;
    bool connected = false;
    unsigned lastProducerError = 0; // streaming thread: to warn once per reason
    guint refusalBackoffMs = 0;     // streaming thread: the next retry after a refusal
    bool warnedNoAccess = false;    // streaming thread: connect() said EACCES, posted once
    LatencyStats captureLatency;    // capture -> here
    LatencyStats transportLatency;  // producer's publish -> here

    // Streaming thread only.
    std::unordered_map<uint32_t, std::unique_ptr<zerotee::ImportedBuffer>> imported;
    std::deque<SubscriberEvent> pending;
    GstCaps *pendingCaps = nullptr;
    uint32_t capsGeneration = 0;
    bool haveCapsGeneration = false;
    bool isVideo = false;
    GstVideoInfo videoInfo;
    bool discont = true;
    GstClockTime lastVideoPts = GST_CLOCK_TIME_NONE; // of the last raw video frame pushed
    // Encoded streams: how far this pipeline's timeline is moved so that a GOP replayed when it
    // joined (captured before the pipeline started) keeps its timestamps. Set by the first
    // frame after start(), kept across reconnects so time never goes back.
    GstClockTime replayShift = 0;
    bool firstFrame = true;
    bool everConnected = false;
    uint64_t nextConnectNs = 0;
    bool warnedUnreachable = false;
};

struct _ZeroteeSrc {
    GstPushSrc parent;
    ZeroteeSrcPrivate *priv;
};

G_DEFINE_TYPE(ZeroteeSrc, zerotee_src, GST_TYPE_PUSH_SRC)

static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void zerotee_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                     GParamSpec *pspec);
static void zerotee_src_get_property(GObject *object, guint prop_id, GValue *value,
                                     GParamSpec *pspec);
static void zerotee_src_finalize(GObject *object);
static gboolean zerotee_src_start(GstBaseSrc *basesrc);
static gboolean zerotee_src_stop(GstBaseSrc *basesrc);
static GstCaps *zerotee_src_get_caps(GstBaseSrc *basesrc, GstCaps *filter);
static gboolean zerotee_src_query(GstBaseSrc *basesrc, GstQuery *query);
static gboolean zerotee_src_event(GstBaseSrc *basesrc, GstEvent *event);
static gboolean zerotee_src_unlock(GstBaseSrc *basesrc);
static gboolean zerotee_src_unlock_stop(GstBaseSrc *basesrc);
static GstFlowReturn zerotee_src_create(GstPushSrc *pushsrc, GstBuffer **buffer);

static void zerotee_src_class_init(ZeroteeSrcClass *klass)
{
    GObjectClass *gobjectClass = G_OBJECT_CLASS(klass);
    GstElementClass *elementClass = GST_ELEMENT_CLASS(klass);
    GstBaseSrcClass *baseSrcClass = GST_BASE_SRC_CLASS(klass);
    GstPushSrcClass *pushSrcClass = GST_PUSH_SRC_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(zerotee_src_debug, "zeroteesrc", 0, "zerotee frame bus source");

    gobjectClass->set_property = zerotee_src_set_property;
    gobjectClass->get_property = zerotee_src_get_property;
    gobjectClass->finalize = zerotee_src_finalize;

    auto flags = GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY);
    g_object_class_install_property(gobjectClass, PROP_SOCKET_PATH,
                                    g_param_spec_string("socket-path", "Socket path",
                                                        "Path of the producer's Unix socket",
                                                        nullptr, flags));
    g_object_class_install_property(
        gobjectClass, PROP_POLICY,
        g_param_spec_enum("policy", "Delivery policy", "Which frames the producer sends",
                          ZEROTEE_TYPE_DELIVERY_POLICY, int(DEFAULT_POLICY), flags));
    g_object_class_install_property(gobjectClass, PROP_MAX_FPS,
                                    g_param_spec_double("max-fps", "Maximum frame rate",
                                                        "Frame rate cap for policy=fps-cap", 0,
                                                        1000, DEFAULT_MAX_FPS, flags));
    g_object_class_install_property(
        gobjectClass, PROP_QUOTA,
        g_param_spec_uint("quota", "Quota",
                          "Frames this consumer wants to hold at once (0 = producer default)", 0,
                          64, DEFAULT_QUOTA, flags));
    g_object_class_install_property(
        gobjectClass, PROP_CLIENT_NAME,
        g_param_spec_string("client-name", "Client name",
                            "Name the producer shows for this consumer (default: element name)",
                            nullptr, flags));
    g_object_class_install_property(gobjectClass, PROP_RECONNECT_INTERVAL,
                                    g_param_spec_uint("reconnect-interval", "Reconnect interval",
                                                      "Milliseconds between connection attempts",
                                                      10, 60000, DEFAULT_RECONNECT_INTERVAL,
                                                      flags));
    g_object_class_install_property(
        gobjectClass, PROP_STATS,
        g_param_spec_boxed("stats", "Statistics",
                           "frames-received, frames-released, reconnects, connected, latencies",
                           GST_TYPE_STRUCTURE,
                           GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

    gst_element_class_set_static_metadata(
        elementClass, "zerotee frame bus source", "Source/Network",
        "Receives buffers shared by another process over a Unix socket without copying them",
        "zerotee project");
    gst_element_class_add_static_pad_template(elementClass, &src_template);

    baseSrcClass->start = GST_DEBUG_FUNCPTR(zerotee_src_start);
    baseSrcClass->stop = GST_DEBUG_FUNCPTR(zerotee_src_stop);
    baseSrcClass->get_caps = GST_DEBUG_FUNCPTR(zerotee_src_get_caps);
    baseSrcClass->query = GST_DEBUG_FUNCPTR(zerotee_src_query);
    baseSrcClass->event = GST_DEBUG_FUNCPTR(zerotee_src_event);
    baseSrcClass->unlock = GST_DEBUG_FUNCPTR(zerotee_src_unlock);
    baseSrcClass->unlock_stop = GST_DEBUG_FUNCPTR(zerotee_src_unlock_stop);
    pushSrcClass->create = GST_DEBUG_FUNCPTR(zerotee_src_create);
}

static void zerotee_src_init(ZeroteeSrc *self)
{
    self->priv = new ZeroteeSrcPrivate();
    gst_video_info_init(&self->priv->videoInfo);
    gst_base_src_set_live(GST_BASE_SRC(self), TRUE);
    gst_base_src_set_format(GST_BASE_SRC(self), GST_FORMAT_TIME);
    gst_base_src_set_do_timestamp(GST_BASE_SRC(self), FALSE);
}

static void zerotee_src_finalize(GObject *object)
{
    ZeroteeSrc *self = ZEROTEE_SRC(object);
    gst_clear_caps(&self->priv->caps);
    gst_clear_caps(&self->priv->pendingCaps);
    delete self->priv;
    G_OBJECT_CLASS(zerotee_src_parent_class)->finalize(object);
}

static void zerotee_src_set_property(GObject *object, guint prop_id, const GValue *value,
                                     GParamSpec *pspec)
{
    ZeroteeSrc *self = ZEROTEE_SRC(object);
    Settings &s = self->priv->settings;
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_SOCKET_PATH: {
        const gchar *path = g_value_get_string(value);
        s.socketPath = path ? path : "";
        break;
    }
    case PROP_POLICY:
        s.policy = wire::DeliveryPolicy(g_value_get_enum(value));
        break;
    case PROP_MAX_FPS:
        s.maxFps = g_value_get_double(value);
        break;
    case PROP_QUOTA:
        s.quota = g_value_get_uint(value);
        break;
    case PROP_CLIENT_NAME: {
        const gchar *name = g_value_get_string(value);
        s.clientName = name ? name : "";
        break;
    }
    case PROP_RECONNECT_INTERVAL:
        s.reconnectIntervalMs = g_value_get_uint(value);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(self);
}

static GstStructure *zerotee_src_stats(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    uint64_t released;
    {
        std::lock_guard lock(priv->connection->mutex);
        released = priv->connection->framesReleased;
    }
    GST_OBJECT_LOCK(self);
    GstStructure *s = gst_structure_new(
        "application/x-zeroteesrc-stats", "connected", G_TYPE_BOOLEAN, gboolean(priv->connected),
        "frames-received", G_TYPE_UINT64, priv->framesReceived, "frames-released", G_TYPE_UINT64,
        released, "reconnects", G_TYPE_UINT64, priv->reconnects, "capture-latency-last-us",
        G_TYPE_UINT64, priv->captureLatency.lastUs, "capture-latency-avg-us", G_TYPE_UINT64,
        priv->captureLatency.avgUs(), "capture-latency-max-us", G_TYPE_UINT64,
        priv->captureLatency.maxUs, "transport-latency-avg-us", G_TYPE_UINT64,
        priv->transportLatency.avgUs(), "transport-latency-max-us", G_TYPE_UINT64,
        priv->transportLatency.maxUs, nullptr);
    GST_OBJECT_UNLOCK(self);
    return s;
}

static void zerotee_src_get_property(GObject *object, guint prop_id, GValue *value,
                                     GParamSpec *pspec)
{
    ZeroteeSrc *self = ZEROTEE_SRC(object);
    const Settings &s = self->priv->settings;
    if (prop_id == PROP_STATS) {
        g_value_take_boxed(value, zerotee_src_stats(self));
        return;
    }
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_SOCKET_PATH:
        g_value_set_string(value, s.socketPath.empty() ? nullptr : s.socketPath.c_str());
        break;
    case PROP_POLICY:
        g_value_set_enum(value, int(s.policy));
        break;
    case PROP_MAX_FPS:
        g_value_set_double(value, s.maxFps);
        break;
    case PROP_QUOTA:
        g_value_set_uint(value, s.quota);
        break;
    case PROP_CLIENT_NAME:
        g_value_set_string(value, s.clientName.empty() ? nullptr : s.clientName.c_str());
        break;
    case PROP_RECONNECT_INTERVAL:
        g_value_set_uint(value, s.reconnectIntervalMs);
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(self);
}

// Drops the connection and everything that came with it. Buffers still out keep their memory;
// their releases are ignored (the producer reclaimed those leases when the socket closed).
static void zerotee_src_disconnect(ZeroteeSrc *self)
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

static gboolean zerotee_src_start(GstBaseSrc *basesrc)
{
    ZeroteeSrc *self = ZEROTEE_SRC(basesrc);
    ZeroteeSrcPrivate *priv = self->priv;
    GST_OBJECT_LOCK(self);
    bool havePath = !priv->settings.socketPath.empty();
    priv->framesReceived = 0;
    priv->reconnects = 0;
    priv->captureLatency = {};
    priv->transportLatency = {};
    GST_OBJECT_UNLOCK(self);
    if (!havePath) {
        GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No socket-path set"), (nullptr));
        return FALSE;
    }
    priv->discont = true;
    priv->lastVideoPts = GST_CLOCK_TIME_NONE;
    priv->replayShift = 0;
    priv->firstFrame = true;
    priv->everConnected = false;
    priv->nextConnectNs = 0;
    priv->warnedUnreachable = false;
    priv->haveCapsGeneration = false;
    priv->lastProducerError = 0;
    priv->refusalBackoffMs = 0;
    priv->warnedNoAccess = false;
    return TRUE;
}

static gboolean zerotee_src_stop(GstBaseSrc *basesrc)
{
    ZeroteeSrc *self = ZEROTEE_SRC(basesrc);
    zerotee_src_disconnect(self);
    gst_clear_caps(&self->priv->pendingCaps);
    GST_OBJECT_LOCK(self);
    gst_clear_caps(&self->priv->caps);
    GST_OBJECT_UNLOCK(self);
    return TRUE;
}

static GstCaps *zerotee_src_get_caps(GstBaseSrc *basesrc, GstCaps *filter)
{
    ZeroteeSrc *self = ZEROTEE_SRC(basesrc);
    GST_OBJECT_LOCK(self);
    // Until the producer said what it sends, anything; negotiation happens in create().
    g_autoptr(GstCaps) caps =
        self->priv->caps ? gst_caps_ref(self->priv->caps) : gst_caps_new_any();
    GST_OBJECT_UNLOCK(self);
    if (filter)
        return gst_caps_intersect_full(filter, caps, GST_CAPS_INTERSECT_FIRST);
    return static_cast<GstCaps *>(g_steal_pointer(&caps));
}

static gboolean zerotee_src_query(GstBaseSrc *basesrc, GstQuery *query)
{
    ZeroteeSrc *self = ZEROTEE_SRC(basesrc);
    if (GST_QUERY_TYPE(query) == GST_QUERY_LATENCY) {
        // Buffers carry their capture time and arrive a little after it: allow a frame.
        GST_OBJECT_LOCK(self);
        GstClockTime duration = self->priv->frameDuration;
        GST_OBJECT_UNLOCK(self);
        GstClockTime minLatency = GST_CLOCK_TIME_IS_VALID(duration) ? duration : 0;
        gst_query_set_latency(query, TRUE, minLatency, GST_CLOCK_TIME_NONE);
        return TRUE;
    }
    return GST_BASE_SRC_CLASS(zerotee_src_parent_class)->query(basesrc, query);
}

static gboolean zerotee_src_event(GstBaseSrc *basesrc, GstEvent *event)
{
    ZeroteeSrc *self = ZEROTEE_SRC(basesrc);
    if (gst_video_event_is_force_key_unit(event)) {
        auto &connection = *self->priv->connection;
        std::lock_guard lock(connection.mutex);
        if (connection.subscriber) {
            GST_DEBUG_OBJECT(self, "asking the producer for a keyframe");
            connection.subscriber->requestUpstream(wire::UpstreamKind::KeyframeNow);
            connection.subscriber->handleWritable();
            if (connection.subscriber->wantsWrite())
                connection.wake();
        }
        return TRUE;
    }
    return GST_BASE_SRC_CLASS(zerotee_src_parent_class)->event(basesrc, event);
}

static gboolean zerotee_src_unlock(GstBaseSrc *basesrc)
{
    ZeroteeSrc *self = ZEROTEE_SRC(basesrc);
    self->priv->flushing = true;
    self->priv->connection->wake();
    return TRUE;
}

static gboolean zerotee_src_unlock_stop(GstBaseSrc *basesrc)
{
    ZeroteeSrc *self = ZEROTEE_SRC(basesrc);
    self->priv->flushing = false;
    self->priv->connection->drainWakeup();
    return TRUE;
}

// One connection attempt. Returns true when connected (the hello is queued).
static bool zerotee_src_try_connect(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    GST_OBJECT_LOCK(self);
    Settings s = priv->settings;
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
static GstFlowReturn zerotee_src_wait(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    Connection &connection = *priv->connection;

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

static void zerotee_src_release_now(ZeroteeSrc *self, const wire::Frame &frame)
{
    Connection &connection = *self->priv->connection;
    uint64_t epoch;
    {
        std::lock_guard lock(connection.mutex);
        epoch = connection.epoch;
    }
    connection.release(epoch, frame.bufferId, frame.generation, frame.sequence);
}

// Applies caps announced by the producer before the first frame that uses them.
static GstFlowReturn zerotee_src_apply_caps(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    g_autoptr(GstCaps) caps = static_cast<GstCaps *>(g_steal_pointer(&priv->pendingCaps));

    GstVideoInfo info;
    GstStructure *s = gst_caps_get_structure(caps, 0);
    priv->isVideo =
        gst_structure_has_name(s, "video/x-raw") && gst_video_info_from_caps(&info, caps);
    if (priv->isVideo)
        priv->videoInfo = info;
    GstClockTime duration = GST_CLOCK_TIME_NONE;
    gint num = 0, den = 1;
    if (gst_structure_get_fraction(s, "framerate", &num, &den) && num > 0)
        duration = gst_util_uint64_scale_int(GST_SECOND, den, num);

    GST_OBJECT_LOCK(self);
    gst_caps_replace(&priv->caps, caps);
    priv->frameDuration = duration;
    GST_OBJECT_UNLOCK(self);

    GST_INFO_OBJECT(self, "producer caps %" GST_PTR_FORMAT, caps);
    gboolean ok = gst_base_src_set_caps(GST_BASE_SRC(self), caps);
    if (!ok) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Downstream does not accept the stream's caps"),
                          (nullptr));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
    return GST_FLOW_OK;
}

static GstBuffer *zerotee_src_make_buffer(ZeroteeSrc *self, const wire::Frame &frame)
{
    ZeroteeSrcPrivate *priv = self->priv;
    auto it = priv->imported.find(frame.bufferId);
    if (it == priv->imported.end() || it->second->layout().generation != frame.generation) {
        GST_WARNING_OBJECT(self, "frame %" G_GUINT64_FORMAT " in unknown buffer %u", frame.sequence,
                           frame.bufferId);
        return nullptr;
    }
    // Capture time in this pipeline's running time. A frame captured before the pipeline
    // started running (queued while it was starting, e.g. a restarted push pipeline) would
    // get PTS 0 like every other such frame: equal timestamps that muxers reject. It is
    // skipped instead (the caller releases it at once).
    GstClockTime pts = GST_CLOCK_TIME_NONE;
    if (frame.ptsNs != wire::kNoTimestamp) {
        g_autoptr(GstClock) clock = gst_element_get_clock(GST_ELEMENT(self));
        GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
        GstClockTime clockTime = zerotee::monotonicToClockTime(clock, frame.ptsNs);
        if (GST_CLOCK_TIME_IS_VALID(clockTime) && GST_CLOCK_TIME_IS_VALID(base)) {
            // An encoded stream's first frame may be the start of a GOP replayed from before
            // this pipeline started: move the timeline so it lands at 0 rather than drop the
            // keyframe every later frame needs. Sinks of encoded data here do not sync to the
            // clock (a muxer, a payloader), so the shift adds no latency.
            if (!priv->isVideo && priv->firstFrame && clockTime < base)
                priv->replayShift = base - clockTime;
            clockTime += priv->replayShift;
            if (clockTime < base) {
                GST_DEBUG_OBJECT(self, "frame %" G_GUINT64_FORMAT " captured before start: skipped",
                                 frame.sequence);
                return nullptr;
            }
            pts = clockTime - base;
        }
    }
    // A source that stalled and then delivered its backlog at once, stamped on arrival, gives
    // raw frames closer together than the stream's frame rate allows; encoders and muxers then
    // produce equal or reversed timestamps, which players reject. Such frames (closer than half
    // a frame duration: the frame's own, else the caps' frame rate, else 1 ms) are skipped;
    // dropping raw frames before an encoder costs nothing else. A step back of
    // kNewTimelineStepNs or more is a new timeline (a restarted producer) and passes.
    GstClockTime frameDuration = GST_CLOCK_TIME_NONE;
    if (frame.durationNs != wire::kNoTimestamp && frame.durationNs > 0)
        frameDuration = frame.durationNs;
    else if (priv->isVideo && GST_VIDEO_INFO_FPS_N(&priv->videoInfo) > 0)
        frameDuration =
            gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(&priv->videoInfo),
                                      GST_VIDEO_INFO_FPS_N(&priv->videoInfo));
    const GstClockTime minimumGap = GST_CLOCK_TIME_IS_VALID(frameDuration)
                                        ? std::max<GstClockTime>(frameDuration / 2, GST_MSECOND)
                                        : GST_MSECOND;
    if (priv->isVideo && GST_CLOCK_TIME_IS_VALID(pts) &&
        GST_CLOCK_TIME_IS_VALID(priv->lastVideoPts) && pts < priv->lastVideoPts + minimumGap &&
        pts + wire::kNewTimelineStepNs > priv->lastVideoPts) {
        GST_DEBUG_OBJECT(self, "frame %" G_GUINT64_FORMAT " too close to the last one: skipped",
                         frame.sequence);
        return nullptr;
    }
    if (priv->isVideo)
        priv->lastVideoPts = pts;
    priv->firstFrame = false;
    const zerotee::ImportedBuffer &imported = *it->second;
    uint64_t payload = std::min(frame.payloadSize, imported.capacity());
    GstBuffer *buffer =
        imported.newFrameBuffer(payload, priv->isVideo ? &priv->videoInfo : nullptr);

    uint64_t epoch;
    {
        std::lock_guard lock(priv->connection->mutex);
        epoch = priv->connection->epoch;
    }
    std::shared_ptr<Connection> connection = priv->connection;
    uint32_t bufferId = frame.bufferId, generation = frame.generation;
    uint64_t sequence = frame.sequence;
    zerotee::callWhenMemoriesFreed(buffer, [connection, epoch, bufferId, generation, sequence] {
        connection->release(epoch, bufferId, generation, sequence);
    });
    if (!priv->isVideo) {
        // Not raw video (encoded access units, metadata): small, so copied out at once and the
        // producer's buffer given back. Consumers then queue encoded data as long as they
        // like (a muxer, a pre-event ring) without holding the stream's pool or its leases.
        zerotee::GstBufferHolder shared(buffer); // released once copied
        buffer = gst_buffer_copy_deep(shared.get());
    }

    uint64_t now = zerotee::monotonicNowNs();
    GST_BUFFER_PTS(buffer) = pts;
    if (frame.durationNs != wire::kNoTimestamp)
        GST_BUFFER_DURATION(buffer) = frame.durationNs;
    GST_BUFFER_OFFSET(buffer) = frame.cameraSequence;
    if (frame.flags & wire::FrameDeltaUnit)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    if (frame.flags & wire::FrameHeader)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_HEADER);
    if (frame.flags & wire::FrameGap)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_GAP);
    if ((frame.flags & wire::FrameDiscont) || priv->discont)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
    priv->discont = false;

    GST_OBJECT_LOCK(self);
    priv->framesReceived++;
    if (frame.ptsNs != wire::kNoTimestamp && now >= frame.ptsNs)
        priv->captureLatency.add((now - frame.ptsNs) / 1000);
    if (now >= frame.publishNs)
        priv->transportLatency.add((now - frame.publishNs) / 1000);
    GST_OBJECT_UNLOCK(self);
    return buffer;
}

static GstFlowReturn zerotee_src_create(GstPushSrc *pushsrc, GstBuffer **out)
{
    ZeroteeSrc *self = ZEROTEE_SRC(pushsrc);
    ZeroteeSrcPrivate *priv = self->priv;

    for (;;) {
        if (priv->flushing)
            return GST_FLOW_FLUSHING;
        if (priv->pending.empty()) {
            GstFlowReturn ret = zerotee_src_wait(self);
            if (ret != GST_FLOW_OK)
                return ret;
            continue;
        }

        SubscriberEvent event = std::move(priv->pending.front());
        priv->pending.pop_front();

        if (auto *welcomed = std::get_if<SubscriberEvent::Welcomed>(&event.value)) {
            const wire::Welcome &w = welcomed->welcome;
            GST_INFO_OBJECT(self, "welcomed as client %u: policy %u quota %u lease %u ms%s",
                            w.clientId, w.policy, w.quota, w.leaseTimeoutMs,
                            (w.flags & wire::WelcomeDegraded) ? " (degraded to latest)" : "");
            if (priv->lastProducerError != 0 || priv->warnedNoAccess) {
                GST_OBJECT_LOCK(self);
                std::string path = priv->settings.socketPath;
                GST_OBJECT_UNLOCK(self);
                // gst-launch-1.0 prints an INFO message's debug text, not its message.
                GST_ELEMENT_INFO(self, RESOURCE, OPEN_READ,
                                 ("Admitted by the producer at %s", path.c_str()),
                                 ("Admitted by the producer at %s after it refused this consumer",
                                  path.c_str()));
            }
            priv->lastProducerError = 0;
            priv->refusalBackoffMs = 0;
            priv->warnedNoAccess = false;
        } else if (auto *caps = std::get_if<SubscriberEvent::CapsChanged>(&event.value)) {
            g_autoptr(GstCaps) parsed = gst_caps_from_string(caps->caps.caps.c_str());
            if (!parsed || gst_caps_is_empty(parsed) || !gst_caps_is_fixed(parsed)) {
                GST_ELEMENT_WARNING(self, STREAM, FORMAT, ("Producer sent unusable caps"),
                                    ("%s", caps->caps.caps.c_str()));
                continue;
            }
            gst_caps_replace(&priv->pendingCaps, nullptr);
            priv->pendingCaps = static_cast<GstCaps *>(g_steal_pointer(&parsed));
            priv->capsGeneration = caps->caps.generation;
            priv->haveCapsGeneration = true;
            priv->imported.clear(); // registrations do not survive a caps change
        } else if (auto *reg = std::get_if<SubscriberEvent::Registered>(&event.value)) {
            uint32_t id = reg->registration.layout.bufferId;
            int error = 0;
            auto imported = zerotee::ImportedBuffer::import(std::move(reg->registration), &error);
            if (!imported) {
                GST_WARNING_OBJECT(self, "cannot import buffer %u: %s", id, g_strerror(-error));
                priv->imported.erase(id);
            } else {
                GST_DEBUG_OBJECT(self, "imported buffer %u", id);
                priv->imported[id] = std::move(imported);
            }
        } else if (auto *unreg = std::get_if<SubscriberEvent::Unregistered>(&event.value)) {
            auto it = priv->imported.find(unreg->bufferId);
            if (it != priv->imported.end() && it->second->layout().generation == unreg->generation)
                priv->imported.erase(it);
        } else if (auto *arrived = std::get_if<SubscriberEvent::FrameArrived>(&event.value)) {
            const wire::Frame &frame = arrived->frame;
            if (!priv->haveCapsGeneration || frame.generation != priv->capsGeneration) {
                zerotee_src_release_now(self, frame);
                continue;
            }
            if (priv->pendingCaps) {
                GstFlowReturn ret = zerotee_src_apply_caps(self);
                if (ret != GST_FLOW_OK) {
                    zerotee_src_release_now(self, frame);
                    return ret;
                }
            }
            GstBuffer *buffer = zerotee_src_make_buffer(self, frame);
            if (!buffer) {
                zerotee_src_release_now(self, frame);
                continue;
            }
            *out = buffer;
            return GST_FLOW_OK;
        }
    }
}
