#include "ZeroteeSink.h"

#include "BufferSharing.h"
#include "BusPublisher.h"
#include "ConsumerAdmission.h"
#include "FramePublisher.h"
#include "GstHolders.h"
#include "MemfdBufferPool.h"
#include "MonotonicClock.h"
#include "PublisherPollLoop.h"
#include "SinkSharedPools.h"
#include "UnixSocket.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

GST_DEBUG_CATEGORY_STATIC(zerotee_sink_debug);
#define GST_CAT_DEFAULT zerotee_sink_debug

using zerotee::FramePublisher;

enum {
    PROP_0,
    PROP_SOCKET_PATH,
    PROP_POOL_SIZE,
    PROP_QUOTA,
    PROP_LEASE_TIMEOUT,
    PROP_CAPTURE_RESERVE,
    PROP_GOP_CACHE,
    PROP_MAX_POOL_MIB,
    PROP_ALLOW_USERS,
    PROP_ALLOW_GROUPS,
    PROP_STATS,
};

// Quota 3: a consumer whose sink syncs to the clock holds each frame for its latency plus the
// sink's processing deadline (33 + 20 ms at 30 fps), i.e. more than one frame period; with 2
// such a consumer got every other frame. 16 buffers = 4 reserved + 4 consumers at full quota
// (memfds are only allocated when used).
constexpr guint DEFAULT_POOL_SIZE = 16;
constexpr guint DEFAULT_QUOTA = 3;
constexpr guint DEFAULT_LEASE_TIMEOUT = 1000;
constexpr guint DEFAULT_CAPTURE_RESERVE = 4;
constexpr guint DEFAULT_GOP_CACHE = 0;
// The sink's own pool grows past pool-size on demand while it stays within this: 86 buffers
// of 1080p NV12 (27 consumers at quota 3), 20 of 4K. Memory is only taken when consumers hold
// frames, and stays until the sink stops (SinkSharedPools).
constexpr guint DEFAULT_MAX_POOL_MIB = 256;
// How long the I/O thread sleeps at most when nothing happens.
constexpr int kIdlePollMs = 500;
// How far an encoded stream's capture times may lead their arrival (see capture_time).
constexpr uint64_t kEncodedLeadNs = 100000000;

namespace {

struct Settings {
    std::string socketPath;
    guint poolSize = DEFAULT_POOL_SIZE;
    guint quota = DEFAULT_QUOTA;
    guint leaseTimeoutMs = DEFAULT_LEASE_TIMEOUT;
    guint captureReserve = DEFAULT_CAPTURE_RESERVE;
    guint gopCache = DEFAULT_GOP_CACHE;
    guint maxPoolMib = DEFAULT_MAX_POOL_MIB;
    std::string allowUsers;                        // comma-separated names or ids
    std::string allowGroups;                       // comma-separated names or ids
    zerotee::BusPublisher *busPublisher = nullptr; // external: the host serves the socket
                                                   // (zerotee::setSinkBusPublisher)
};

struct CopyCounters {
    uint64_t bytesCopied = 0;
    uint64_t pixelBytesCopied = 0;
    uint64_t dropsNoBuffer = 0; // the copy pool was empty (every buffer held by consumers)
    // What the last published buffer was, so status can say what the bus carries (a camera's
    // own DMABUFs, the sink's pool, or copies): see zerotee_sink_memory_kind().
    const char *memory = "none";
};

struct Registration {
    FramePublisher::BufferId id = 0;
    uint64_t capacity = 0;
    uint64_t lastUsed = 0;
};

/// Everything that exists between start() and stop(). The registrations and the held buffers
/// are guarded by the bus's mutex, shared by the streaming thread (render) and whoever serves
/// the sockets: the sink's own I/O thread (PublisherPollLoop), or, with an external
/// zerotee::setSinkBusPublisher(), the host's event loop (the supervisor, whose consumers outlive
/// this sink).
struct Runtime {
    std::unique_ptr<zerotee::BusPublisher> ownBus; // when the sink serves its own socket
    zerotee::BusPublisher *bus = nullptr;          // ownBus or the external one
    std::unique_ptr<zerotee::PublisherPollLoop> loop;
    std::thread ioThread;
    std::atomic<bool> quit{false};
    std::string socketPath;

    std::mutex &mutex() { return bus->mutex(); }
    FramePublisher &publisher() { return bus->publisher(); }

    std::unordered_map<zerotee::MemoryIdentity, Registration, zerotee::MemoryIdentityHash>
        registrations;
    std::unordered_map<FramePublisher::BufferId, std::vector<zerotee::GstBufferHolder>> held;
    // Released by consumers under the bus mutex; dropped outside it (an unref may give a
    // buffer back to its pool, which takes the pool's lock).
    std::vector<zerotee::GstBufferHolder> toUnref;
    bool keyframeRequested = false;
    uint64_t useCounter = 0;

    std::vector<zerotee::GstBufferHolder> takeUnrefs()
    {
        std::vector<zerotee::GstBufferHolder> out;
        out.swap(toUnref);
        return out;
    }
};

} // namespace

struct ZeroteeSinkPrivate {
    Settings settings; // GST_OBJECT_LOCK

    std::unique_ptr<Runtime> runtime; // created in start(), destroyed in stop()
    std::mutex statsMutex;            // guards lastStats, counters (read by the stats property)
    zerotee::PublisherStats lastStats;
    CopyCounters counters;

    // Streaming thread only.
    GstCaps *caps = nullptr;
    bool isRawVideo = false;
    GstVideoInfo videoInfo;
    zerotee::SinkSharedPools pools;
    uint64_t frameCounter = 0;
};

struct _ZeroteeSink {
    GstBaseSink parent;
    ZeroteeSinkPrivate *priv;
};

G_DEFINE_TYPE(ZeroteeSink, zerotee_sink, GST_TYPE_BASE_SINK)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void zerotee_sink_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec);
static void zerotee_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec);
static void zerotee_sink_finalize(GObject *object);
static gboolean zerotee_sink_start(GstBaseSink *basesink);
static gboolean zerotee_sink_stop(GstBaseSink *basesink);
static gboolean zerotee_sink_set_caps(GstBaseSink *basesink, GstCaps *caps);
static gboolean zerotee_sink_propose_allocation(GstBaseSink *basesink, GstQuery *query);
static GstFlowReturn zerotee_sink_render(GstBaseSink *basesink, GstBuffer *buffer);

static void zerotee_sink_class_init(ZeroteeSinkClass *klass)
{
    GObjectClass *gobjectClass = G_OBJECT_CLASS(klass);
    GstElementClass *elementClass = GST_ELEMENT_CLASS(klass);
    GstBaseSinkClass *baseSinkClass = GST_BASE_SINK_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(zerotee_sink_debug, "zeroteesink", 0, "zerotee frame bus sink");

    gobjectClass->set_property = zerotee_sink_set_property;
    gobjectClass->get_property = zerotee_sink_get_property;
    gobjectClass->finalize = zerotee_sink_finalize;

    g_object_class_install_property(
        gobjectClass, PROP_SOCKET_PATH,
        g_param_spec_string(
            "socket-path", "Socket path", "Path of the Unix socket consumers connect to (required)",
            nullptr,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_POOL_SIZE,
        g_param_spec_uint(
            "pool-size", "Pool size",
            "Buffers in the pool offered upstream; also the publisher's pool "
            "capacity that consumer quotas must fit in",
            2, 256, DEFAULT_POOL_SIZE,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_QUOTA,
        g_param_spec_uint(
            "quota", "Quota", "Frames a consumer may hold at once unless it asks for another quota",
            1, 64, DEFAULT_QUOTA,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_LEASE_TIMEOUT,
        g_param_spec_uint(
            "lease-timeout", "Lease timeout",
            "Milliseconds a consumer may hold a frame before it is evicted", 10, 600000,
            DEFAULT_LEASE_TIMEOUT,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_CAPTURE_RESERVE,
        g_param_spec_uint(
            "capture-reserve", "Capture reserve",
            "Pool buffers the producer keeps for itself (never leased to consumers)", 0, 256,
            DEFAULT_CAPTURE_RESERVE,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_GOP_CACHE,
        g_param_spec_uint(
            "gop-cache", "GOP cache",
            "Encoded streams: access units since the last keyframe kept (at most this many; 0 = "
            "off) and sent first to every consumer that joins; a consumer that misses one waits "
            "for the next keyframe. pool-size must leave room for them",
            0, 256, DEFAULT_GOP_CACHE,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_MAX_POOL_MIB,
        g_param_spec_uint(
            "max-pool-mib", "Maximum pool memory (MiB)",
            "The sink's own pool (offered upstream, or copied into) grows past pool-size on "
            "demand, new buffers registered once like the first, while it stays within this "
            "many MiB; consumers are admitted against that bound (0 = it never grows). A fixed "
            "upstream pool (a camera's) is pool-size buffers",
            0, 65536, DEFAULT_MAX_POOL_MIB,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_ALLOW_USERS,
        g_param_spec_string(
            "allow-users", "Allowed users",
            "Comma-separated users (names or uids) admitted besides the sink's own uid and "
            "root; any makes the socket connectable by all (mode 0666), the peer check refuses "
            "the rest with their reason",
            nullptr,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_ALLOW_GROUPS,
        g_param_spec_string(
            "allow-groups", "Allowed groups",
            "Comma-separated groups (names or gids) whose members (primary or supplementary "
            "group) are admitted; with one group and no allow-users the socket belongs to that "
            "group (mode 0660)",
            nullptr,
            GParamFlags(G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | GST_PARAM_MUTABLE_READY)));
    g_object_class_install_property(
        gobjectClass, PROP_STATS,
        g_param_spec_boxed("stats", "Statistics",
                           "clients, frames-published, frames-sent, drops-quota, drops-socket, "
                           "skipped-policy, evictions, bytes-copied, pixel-bytes-copied, "
                           "memory (upstream-dmabuf, upstream-memfd, pool-dmabuf, pool-memfd, "
                           "copied-dmabuf, copied-memfd or none), buffers-registered, ...",
                           GST_TYPE_STRUCTURE,
                           GParamFlags(G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)));

    gst_element_class_set_static_metadata(
        elementClass, "zerotee frame bus sink", "Sink/Network",
        "Shares buffers with other processes over a Unix socket without copying them",
        "zerotee project");
    gst_element_class_add_static_pad_template(elementClass, &sink_template);

    baseSinkClass->start = GST_DEBUG_FUNCPTR(zerotee_sink_start);
    baseSinkClass->stop = GST_DEBUG_FUNCPTR(zerotee_sink_stop);
    baseSinkClass->set_caps = GST_DEBUG_FUNCPTR(zerotee_sink_set_caps);
    baseSinkClass->propose_allocation = GST_DEBUG_FUNCPTR(zerotee_sink_propose_allocation);
    baseSinkClass->render = GST_DEBUG_FUNCPTR(zerotee_sink_render);
}

static void zerotee_sink_init(ZeroteeSink *self)
{
    self->priv = new ZeroteeSinkPrivate();
    gst_video_info_init(&self->priv->videoInfo);
    // The publisher must never pace the camera.
    gst_base_sink_set_sync(GST_BASE_SINK(self), FALSE);
}

static void zerotee_sink_finalize(GObject *object)
{
    ZeroteeSink *self = ZEROTEE_SINK(object);
    gst_clear_caps(&self->priv->caps);
    delete self->priv;
    G_OBJECT_CLASS(zerotee_sink_parent_class)->finalize(object);
}

static void zerotee_sink_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec)
{
    ZeroteeSink *self = ZEROTEE_SINK(object);
    Settings &s = self->priv->settings;
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_SOCKET_PATH: {
        const gchar *path = g_value_get_string(value);
        s.socketPath = path ? path : "";
        break;
    }
    case PROP_POOL_SIZE:
        s.poolSize = g_value_get_uint(value);
        break;
    case PROP_QUOTA:
        s.quota = g_value_get_uint(value);
        break;
    case PROP_LEASE_TIMEOUT:
        s.leaseTimeoutMs = g_value_get_uint(value);
        break;
    case PROP_CAPTURE_RESERVE:
        s.captureReserve = g_value_get_uint(value);
        break;
    case PROP_GOP_CACHE:
        s.gopCache = g_value_get_uint(value);
        break;
    case PROP_MAX_POOL_MIB:
        s.maxPoolMib = g_value_get_uint(value);
        break;
    case PROP_ALLOW_USERS: {
        const gchar *users = g_value_get_string(value);
        s.allowUsers = users ? users : "";
        break;
    }
    case PROP_ALLOW_GROUPS: {
        const gchar *groups = g_value_get_string(value);
        s.allowGroups = groups ? groups : "";
        break;
    }
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(self);
}

static GstStructure *zerotee_sink_stats(ZeroteeSink *self)
{
    ZeroteeSinkPrivate *priv = self->priv;
    std::lock_guard statsLock(priv->statsMutex);
    zerotee::PublisherStats st = priv->lastStats;
    if (priv->runtime) {
        std::lock_guard lock(priv->runtime->mutex());
        st = priv->runtime->publisher().stats();
    }
    const CopyCounters &c = priv->counters;
    return gst_structure_new(
        "application/x-zeroteesink-stats", "clients", G_TYPE_UINT, st.clients, "clients-accepted",
        G_TYPE_UINT64, st.clientsAccepted, "clients-refused", G_TYPE_UINT64, st.clientsRefused,
        "frames-published", G_TYPE_UINT64, st.framesPublished, "frames-unseen", G_TYPE_UINT64,
        st.framesUnseen, "frames-sent", G_TYPE_UINT64, st.framesSent, "drops-quota", G_TYPE_UINT64,
        st.droppedQuota, "drops-socket", G_TYPE_UINT64, st.droppedSocket, "drops-no-buffer",
        G_TYPE_UINT64, c.dropsNoBuffer, "skipped-policy", G_TYPE_UINT64, st.skippedByPolicy,
        "evictions", G_TYPE_UINT64, st.evictions, "bytes-copied", G_TYPE_UINT64, c.bytesCopied,
        "pixel-bytes-copied", G_TYPE_UINT64, c.pixelBytesCopied, "memory", G_TYPE_STRING, c.memory,
        "buffers-registered", G_TYPE_UINT, st.buffersRegistered, "buffers-held", G_TYPE_UINT,
        st.buffersHeld, "registrations-sent", G_TYPE_UINT64, st.registrationsSent, "gop-cached",
        G_TYPE_UINT, st.gopCached, "frames-replayed", G_TYPE_UINT64, st.framesReplayed,
        "skipped-to-keyframe", G_TYPE_UINT64, st.skippedToKeyframe, nullptr);
}

static void zerotee_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec)
{
    ZeroteeSink *self = ZEROTEE_SINK(object);
    const Settings &s = self->priv->settings;
    if (prop_id == PROP_STATS) {
        g_value_take_boxed(value, zerotee_sink_stats(self));
        return;
    }
    GST_OBJECT_LOCK(self);
    switch (prop_id) {
    case PROP_SOCKET_PATH:
        g_value_set_string(value, s.socketPath.empty() ? nullptr : s.socketPath.c_str());
        break;
    case PROP_POOL_SIZE:
        g_value_set_uint(value, s.poolSize);
        break;
    case PROP_QUOTA:
        g_value_set_uint(value, s.quota);
        break;
    case PROP_LEASE_TIMEOUT:
        g_value_set_uint(value, s.leaseTimeoutMs);
        break;
    case PROP_CAPTURE_RESERVE:
        g_value_set_uint(value, s.captureReserve);
        break;
    case PROP_GOP_CACHE:
        g_value_set_uint(value, s.gopCache);
        break;
    case PROP_MAX_POOL_MIB:
        g_value_set_uint(value, s.maxPoolMib);
        break;
    case PROP_ALLOW_USERS:
        g_value_set_string(value, s.allowUsers.empty() ? nullptr : s.allowUsers.c_str());
        break;
    case PROP_ALLOW_GROUPS:
        g_value_set_string(value, s.allowGroups.empty() ? nullptr : s.allowGroups.c_str());
        break;
    default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
        break;
    }
    GST_OBJECT_UNLOCK(self);
}

void zerotee::setSinkBusPublisher(ZeroteeSink *sink, BusPublisher *bus)
{
    GST_OBJECT_LOCK(sink);
    sink->priv->settings.busPublisher = bus;
    GST_OBJECT_UNLOCK(sink);
}

// Turns a consumer's keyframe request into an upstream force-key-unit event (outside the lock).
static void zerotee_sink_push_keyframe_request(ZeroteeSink *self, Runtime *rt)
{
    bool keyframe;
    {
        std::lock_guard lock(rt->mutex());
        keyframe = std::exchange(rt->keyframeRequested, false);
    }
    if (keyframe) {
        GST_DEBUG_OBJECT(self, "consumer asked for a keyframe");
        gst_pad_push_event(GST_BASE_SINK_PAD(self), gst_video_event_new_upstream_force_key_unit(
                                                        GST_CLOCK_TIME_NONE, TRUE, 0));
    }
}

// The I/O thread: accepts consumers, reads their releases, flushes, expires leases.
static void zerotee_sink_io_thread(ZeroteeSink *self, Runtime *rt)
{
    while (!rt->quit.load()) {
        int ret = rt->loop->runOnce(kIdlePollMs);
        if (ret < 0) {
            GST_WARNING_OBJECT(self, "poll failed: %s", g_strerror(-ret));
            g_usleep(10000);
        }
        // Taken under the bus mutex, dropped outside it when this goes out of scope.
        std::vector<zerotee::GstBufferHolder> unrefs;
        {
            std::lock_guard lock(rt->mutex());
            unrefs = rt->takeUnrefs();
        }
        zerotee_sink_push_keyframe_request(self, rt);
    }
}

static zerotee::SinkSharedPools::Limits zerotee_sink_limits(ZeroteeSink *self)
{
    GST_OBJECT_LOCK(self);
    zerotee::SinkSharedPools::Limits limits{self->priv->settings.poolSize,
                                            self->priv->settings.maxPoolMib};
    GST_OBJECT_UNLOCK(self);
    return limits;
}

// "nobody, 1000" → ids. Returns false with the entry that names no one in @p bad.
template <typename Id>
static bool zerotee_sink_parse_ids(const std::string &list,
                                   int (*resolve)(const std::string &, Id *), std::vector<Id> *out,
                                   std::string *bad)
{
    g_auto(GStrv) entries = g_strsplit_set(list.c_str(), ", ", -1);
    for (gchar **entry = entries; *entry; ++entry) {
        if (**entry == '\0')
            continue;
        Id id;
        if (resolve(*entry, &id) < 0) {
            *bad = *entry;
            return false;
        }
        out->push_back(id);
    }
    return true;
}

static gboolean zerotee_sink_start(GstBaseSink *basesink)
{
    ZeroteeSink *self = ZEROTEE_SINK(basesink);
    ZeroteeSinkPrivate *priv = self->priv;

    GST_OBJECT_LOCK(self);
    Settings s = priv->settings;
    GST_OBJECT_UNLOCK(self);

    auto rt = std::make_unique<Runtime>();
    Runtime *raw = rt.get();
    zerotee::UniqueFd listenSocket;
    if (s.busPublisher) {
        rt->bus = s.busPublisher;
    } else {
        if (s.socketPath.empty()) {
            GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS, ("No socket-path set"), (nullptr));
            return FALSE;
        }
        FramePublisher::Options options;
        std::string bad;
        if (!zerotee_sink_parse_ids<uid_t>(s.allowUsers, zerotee::ConsumerAdmission::resolveUser,
                                           &options.allowedUids, &bad) ||
            !zerotee_sink_parse_ids<gid_t>(s.allowGroups, zerotee::ConsumerAdmission::resolveGroup,
                                           &options.allowedGids, &bad)) {
            GST_ELEMENT_ERROR(self, RESOURCE, SETTINGS,
                              ("No user or group '%s' (allow-users, allow-groups)", bad.c_str()),
                              (nullptr));
            return FALSE;
        }
        int error = 0;
        listenSocket = zerotee::listenUnixSocket(s.socketPath, &error);
        if (!listenSocket) {
            GST_ELEMENT_ERROR(self, RESOURCE, OPEN_READ_WRITE,
                              ("Cannot listen on %s", s.socketPath.c_str()),
                              ("%s", g_strerror(-error)));
            return FALSE;
        }
        if (!options.allowedUids.empty() || !options.allowedGids.empty()) {
            auto access =
                zerotee::ConsumerAdmission::socketAccess(options.allowedUids, options.allowedGids);
            if (int ret = zerotee::ConsumerAdmission::applyAccess(s.socketPath, access); ret < 0)
                GST_ELEMENT_WARNING(
                    self, RESOURCE, SETTINGS,
                    ("Cannot open %s to the allowed users and groups", s.socketPath.c_str()),
                    ("mode %o: %s", access.mode, g_strerror(-ret)));
        }
        options.settingNames.pool =
            "zeroteesink max-pool-mib (the sink's own pool) or pool-size (an upstream pool "
            "of no stated size)";
        options.settingNames.access = "zeroteesink allow-users or allow-groups";
        // Until a frame shows whose pool it is, the pool is taken as fixed at pool-size.
        options.poolCapacity = s.poolSize;
        // The GOP cache holds pool buffers too: consumers' quotas must fit beside it.
        options.captureReserve = std::min(s.captureReserve + s.gopCache, s.poolSize);
        options.defaultQuota = s.quota;
        options.leaseTimeout = std::chrono::milliseconds(s.leaseTimeoutMs);
        rt->ownBus = std::make_unique<zerotee::BusPublisher>(options);
        rt->bus = rt->ownBus.get();
        rt->socketPath = s.socketPath;
        rt->bus->setClientHandler([self](const zerotee::ClientStats &client, bool admitted,
                                         zerotee::DisconnectReason reason,
                                         const std::string &detail) {
            if (!admitted && reason == zerotee::DisconnectReason::Refused)
                GST_WARNING_OBJECT(self, "refused '%s' (pid %d, uid %u): %s", client.name.c_str(),
                                   int(client.peer.pid), unsigned(client.peer.uid), detail.c_str());
            else if (admitted)
                GST_INFO_OBJECT(self, "client %u '%s' (pid %d) admitted: policy %d quota %u%s",
                                client.id, client.name.c_str(), int(client.peer.pid),
                                int(client.policy), client.quota,
                                client.degraded ? " (degraded)" : "");
            else
                GST_INFO_OBJECT(self, "client %u '%s' gone: %s %s (sent %" G_GUINT64_FORMAT ")",
                                client.id, client.name.c_str(),
                                zerotee::disconnectReasonName(reason), detail.c_str(),
                                client.framesSent);
        });
    }

    // Handlers run with the bus mutex held (inside publisher calls).
    rt->bus->setReleaseHandler([raw](FramePublisher::BufferId id) {
        auto it = raw->held.find(id);
        if (it == raw->held.end())
            return;
        for (zerotee::GstBufferHolder &buffer : it->second)
            raw->toUnref.push_back(std::move(buffer));
        raw->held.erase(it);
    });
    rt->bus->setUpstreamHandler([raw](zerotee::wire::UpstreamKind kind, uint64_t) {
        if (kind == zerotee::wire::UpstreamKind::KeyframeNow)
            raw->keyframeRequested = true;
    });
    if (priv->caps) {
        g_autofree gchar *capsString = gst_caps_to_string(priv->caps);
        std::lock_guard lock(rt->mutex());
        rt->publisher().setCaps(capsString);
        rt->publisher().setGopCache(priv->isRawVideo ? 0 : s.gopCache);
    }
    {
        std::lock_guard statsLock(priv->statsMutex);
        priv->counters = {};
        priv->lastStats = {};
        priv->runtime = std::move(rt);
    }
    priv->frameCounter = 0;
    if (listenSocket) {
        raw->loop = std::make_unique<zerotee::PublisherPollLoop>(
            raw->publisher(), std::move(listenSocket), raw->mutex());
        raw->loop->setQuietWhileStreaming(true); // render reads every client before publishing
        raw->bus->setWakeHandler([raw] { raw->loop->wakeup(); });
        raw->ioThread = std::thread(zerotee_sink_io_thread, self, raw);
        GST_INFO_OBJECT(self, "listening on %s", s.socketPath.c_str());
    } else {
        GST_INFO_OBJECT(self, "publishing on a bus served by the application");
    }
    return TRUE;
}

static gboolean zerotee_sink_stop(GstBaseSink *basesink)
{
    ZeroteeSink *self = ZEROTEE_SINK(basesink);
    ZeroteeSinkPrivate *priv = self->priv;
    if (!priv->runtime)
        return TRUE;
    Runtime *rt = priv->runtime.get();

    if (rt->loop) {
        rt->quit = true;
        rt->loop->wakeup();
        rt->ioThread.join();
    }

    std::vector<zerotee::GstBufferHolder> unrefs;
    zerotee::PublisherStats finalStats;
    {
        std::lock_guard lock(rt->mutex());
        if (rt->ownBus) {
            rt->publisher().closeAll();
        } else {
            // The bus (and its consumers) lives on: retire our buffers. Consumers keep their own
            // fds and mappings of frames they still hold; their releases find nothing here.
            for (const auto &[identity, registration] : rt->registrations)
                rt->publisher().unregisterBuffer(registration.id);
        }
        finalStats = rt->publisher().stats();
        unrefs = rt->takeUnrefs();
        for (auto &[id, buffers] : rt->held)
            for (zerotee::GstBufferHolder &buffer : buffers)
                unrefs.push_back(std::move(buffer));
        rt->held.clear();
        rt->registrations.clear();
    }
    rt->bus->setReleaseHandler({});
    rt->bus->setUpstreamHandler({});
    if (rt->ownBus)
        rt->bus->setWakeHandler({}); // an external host keeps its own
    unrefs.clear();                  // outside the bus mutex

    std::unique_ptr<Runtime> dead;
    {
        std::lock_guard statsLock(priv->statsMutex);
        priv->lastStats = finalStats;
        dead = std::move(priv->runtime);
    }
    if (dead->ownBus) {
        dead->loop.reset(); // closes the listening socket
        dead->ownBus.reset();
        if (::unlink(dead->socketPath.c_str()) < 0 && errno != ENOENT)
            GST_WARNING_OBJECT(self, "cannot remove %s: %s", dead->socketPath.c_str(),
                               g_strerror(errno));
    }

    priv->pools.reset();
    GST_INFO_OBJECT(self, "stopped after %" G_GUINT64_FORMAT " frames", finalStats.framesPublished);
    return TRUE;
}

static gboolean zerotee_sink_set_caps(GstBaseSink *basesink, GstCaps *caps)
{
    ZeroteeSink *self = ZEROTEE_SINK(basesink);
    ZeroteeSinkPrivate *priv = self->priv;

    GstStructure *s = gst_caps_get_structure(caps, 0);
    GstVideoInfo info;
    bool rawVideo =
        gst_structure_has_name(s, "video/x-raw") && gst_video_info_from_caps(&info, caps);
    GST_DEBUG_OBJECT(self, "caps %" GST_PTR_FORMAT, caps);

    gst_caps_replace(&priv->caps, caps);
    priv->isRawVideo = rawVideo;
    if (rawVideo)
        priv->videoInfo = info;
    priv->pools.dropCopyPool();

    if (Runtime *rt = priv->runtime.get()) {
        g_autofree gchar *capsString = gst_caps_to_string(caps);
        GST_OBJECT_LOCK(self);
        guint gopCache = priv->settings.gopCache;
        GST_OBJECT_UNLOCK(self);
        std::lock_guard lock(rt->mutex());
        uint32_t generation = rt->publisher().generation();
        rt->publisher().setCaps(capsString);
        // Raw frames are all "keyframes": a cache would only pin a pool buffer.
        rt->publisher().setGopCache(rawVideo ? 0 : gopCache);
        if (rt->publisher().generation() != generation) {
            // New generation: buffers of the old format are not offered again. Their leases
            // stay valid; bufferReleased() hands them back as usual.
            for (const auto &[identity, registration] : rt->registrations)
                rt->publisher().unregisterBuffer(registration.id);
            rt->registrations.clear();
        }
    }
    return TRUE;
}

static gboolean zerotee_sink_propose_allocation(GstBaseSink *basesink, GstQuery *query)
{
    ZeroteeSink *self = ZEROTEE_SINK(basesink);
    GstCaps *caps = nullptr;
    gboolean needPool = FALSE;
    gst_query_parse_allocation(query, &caps, &needPool);
    if (!caps)
        return FALSE;

    GstVideoInfo info;
    if (!gst_structure_has_name(gst_caps_get_structure(caps, 0), "video/x-raw") ||
        !gst_video_info_from_caps(&info, caps))
        return TRUE; // nothing to offer: small encoded buffers are copied

    gst_query_add_allocation_meta(query, GST_VIDEO_META_API_TYPE, nullptr);
    if (!needPool)
        return TRUE;

    // Buffers are allocated when all others are out (held by consumers), up to the bound.
    guint poolSize = 0;
    GstBufferPool *pool =
        zerotee::SinkSharedPools::proposal(caps, info, zerotee_sink_limits(self), &poolSize);
    if (!pool) {
        GST_WARNING_OBJECT(self, "cannot configure a pool for %" GST_PTR_FORMAT, caps);
        return TRUE;
    }
    GST_DEBUG_OBJECT(self, "offering a pool of up to %u shared buffers", poolSize);
    gst_query_add_allocation_pool(query, pool, guint(info.size), 2, poolSize);
    gst_object_unref(pool);
    return TRUE;
}

// Copies a buffer whose memory is not fd-backed into the sink's own shared pool.
static GstBuffer *zerotee_sink_copy_to_shared(ZeroteeSink *self, GstBuffer *buffer)
{
    ZeroteeSinkPrivate *priv = self->priv;
    GstBuffer *copy = nullptr;
    auto result =
        priv->pools.copy(buffer, priv->caps, priv->isRawVideo ? &priv->videoInfo : nullptr,
                         zerotee_sink_limits(self), &copy);
    std::lock_guard statsLock(priv->statsMutex);
    if (result == zerotee::SinkSharedPools::CopyResult::NoBuffer) {
        priv->counters.dropsNoBuffer++;
        return nullptr;
    }
    if (result == zerotee::SinkSharedPools::CopyResult::Failed) {
        GST_WARNING_OBJECT(self, "copy into shared memory failed");
        return nullptr;
    }
    priv->counters.bytesCopied += gst_buffer_get_size(buffer);
    if (priv->isRawVideo)
        priv->counters.pixelBytesCopied += gst_buffer_get_size(buffer);
    return copy;
}

static uint64_t zerotee_sink_capture_time(ZeroteeSink *self, GstBuffer *buffer)
{
    GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (!GST_CLOCK_TIME_IS_VALID(pts))
        return zerotee::wire::kNoTimestamp;
    GstBaseSink *basesink = GST_BASE_SINK(self);
    GstClockTime running = gst_segment_to_running_time(&basesink->segment, GST_FORMAT_TIME, pts);
    if (!GST_CLOCK_TIME_IS_VALID(running))
        return zerotee::wire::kNoTimestamp;
    GstClock *clock = gst_element_get_clock(GST_ELEMENT(self));
    if (!clock)
        return zerotee::monotonicNowNs(); // no clock: "now" is the best guess
    GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
    uint64_t mono = zerotee::clockTimeToMonotonic(clock, base + running);
    gst_object_unref(clock);
    // A frame cannot have been captured after it got here. A live source's timestamps never
    // are; a non-live one (tcpclientsrc ! rawvideoparse, a file) counts frames on a grid that
    // runs ahead of the clock when a backlog arrives in a burst, and a restarted capture would
    // then step back by seconds. Such frames are stamped with their arrival.
    // An encoder's access units carry its input's times, which zerotee-encoder puts on a frame
    // grid that moves a frame up to 3/4 of an interval later: they may lead their arrival by
    // less than a frame, and stamping those with the arrival would replace the grid's cadence by
    // the encoder's jitter (two frames in one slot for ffmpeg). Only a lead beyond that is a
    // clock running ahead.
    const uint64_t now = zerotee::monotonicNowNs();
    const uint64_t lead = self->priv->isRawVideo ? 0 : kEncodedLeadNs;
    return mono > now + lead ? now : mono;
}

// Names the memory of a buffer about to be published: "upstream-*" is upstream's own memory (a
// camera's DMABUFs with v4l2src io-mode=dmabuf), "pool-*" the sink's pool that upstream drew
// into, "copied-*" the copy pool; "*-dmabuf" when every memory is a DMABUF, else "*-memfd".
static const char *zerotee_sink_memory_kind(GstBuffer *shared, bool copied)
{
    bool dmabuf = true;
    for (guint i = 0; i < gst_buffer_n_memory(shared); ++i)
        dmabuf = dmabuf && gst_is_dmabuf_memory(gst_buffer_peek_memory(shared, i));
    if (copied)
        return dmabuf ? "copied-dmabuf" : "copied-memfd";
    if (shared->pool && ZEROTEE_IS_MEMFD_BUFFER_POOL(shared->pool))
        return dmabuf ? "pool-dmabuf" : "pool-memfd";
    return dmabuf ? "upstream-dmabuf" : "upstream-memfd";
}

// How many buffers the pool behind @p shared has for consumers and the capture together.
static unsigned zerotee_sink_pool_capacity(ZeroteeSink *self, GstBuffer *shared, bool *sourcesOwn)
{
    bool changed = false;
    unsigned capacity =
        self->priv->pools.capacityOf(shared, zerotee_sink_limits(self), &changed, sourcesOwn);
    if (changed)
        GST_INFO_OBJECT(self, "frames come from %s pool: %u buffers for the capture and consumers",
                        shared->pool && ZEROTEE_IS_MEMFD_BUFFER_POOL(shared->pool)
                            ? "the sink's own growing"
                            : "a fixed upstream",
                        capacity);
    return capacity;
}

static GstFlowReturn zerotee_sink_render(GstBaseSink *basesink, GstBuffer *buffer)
{
    ZeroteeSink *self = ZEROTEE_SINK(basesink);
    ZeroteeSinkPrivate *priv = self->priv;
    Runtime *rt = priv->runtime.get();
    if (!rt || gst_buffer_get_size(buffer) == 0)
        return GST_FLOW_OK;

    const bool copied = !zerotee::isFdBacked(buffer);
    zerotee::GstBufferHolder shared(copied ? zerotee_sink_copy_to_shared(self, buffer)
                                           : gst_buffer_ref(buffer));
    if (!shared)
        return GST_FLOW_OK; // counted; the producer never waits
    {
        const char *memory = zerotee_sink_memory_kind(shared.get(), copied);
        std::lock_guard statsLock(priv->statsMutex);
        priv->counters.memory = memory;
    }

    zerotee::BufferLayout layout;
    zerotee::MemoryIdentity identity;
    int ret = zerotee::describeBuffer(shared.get(), priv->isRawVideo ? &priv->videoInfo : nullptr,
                                      &layout, &identity);
    if (ret < 0) {
        GST_WARNING_OBJECT(self, "cannot describe buffer: %s", g_strerror(-ret));
        return GST_FLOW_OK;
    }

    zerotee::FrameInfo info;
    info.ptsNs = zerotee_sink_capture_time(self, buffer);
    info.durationNs = GST_BUFFER_DURATION_IS_VALID(buffer) ? GST_BUFFER_DURATION(buffer)
                                                           : zerotee::wire::kNoTimestamp;
    info.cameraSequence =
        GST_BUFFER_OFFSET_IS_VALID(buffer) ? GST_BUFFER_OFFSET(buffer) : priv->frameCounter;
    priv->frameCounter++;
    info.payloadSize = gst_buffer_get_size(buffer);
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        info.flags |= zerotee::wire::FrameDeltaUnit;
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DISCONT))
        info.flags |= zerotee::wire::FrameDiscont;
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_HEADER))
        info.flags |= zerotee::wire::FrameHeader;
    if (GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_GAP))
        info.flags |= zerotee::wire::FrameGap;

    // Registrations that are not used for this long are dropped, so that upstream that wraps a
    // new fd per frame does not pin memory forever.
    bool sourcesOwn = false;
    const unsigned capacity = zerotee_sink_pool_capacity(self, shared.get(), &sourcesOwn);
    size_t maxRegistrations = MAX(2 * capacity, 32u);

    std::vector<zerotee::GstBufferHolder> unrefs; // dropped outside the bus mutex, at the end
    bool wake = false;
    {
        std::lock_guard lock(rt->mutex());
        FramePublisher &publisher = rt->publisher();
        // Take releases that already arrived (non-blocking reads), so a late-scheduled I/O
        // thread does not make every consumer look full at once.
        publisher.readPending(FramePublisher::Clock::now());
        if (publisher.options().poolCapacity != capacity ||
            publisher.options().poolIsSourcesOwn != sourcesOwn)
            publisher.setPoolCapacity(capacity, sourcesOwn);
        uint64_t bytes = zerotee::layoutCapacity(layout);
        auto it = rt->registrations.find(identity);
        if (it != rt->registrations.end() && it->second.capacity < bytes) {
            publisher.unregisterBuffer(it->second.id);
            rt->registrations.erase(it);
            it = rt->registrations.end();
        }
        if (it == rt->registrations.end()) {
            int id = publisher.registerBuffer(layout);
            if (id < 0) {
                GST_WARNING_OBJECT(self, "cannot register buffer: %s", g_strerror(-id));
            } else {
                GST_DEBUG_OBJECT(self,
                                 "registered buffer %d (%u memories, %" G_GUINT64_FORMAT " bytes)",
                                 id, unsigned(layout.memories.size()), bytes);
                it = rt->registrations
                         .emplace(identity, Registration{FramePublisher::BufferId(id), bytes, 0})
                         .first;
            }
            if (rt->registrations.size() > maxRegistrations) {
                auto oldest = rt->registrations.begin();
                for (auto r = rt->registrations.begin(); r != rt->registrations.end(); ++r)
                    if (r->second.lastUsed < oldest->second.lastUsed)
                        oldest = r;
                if (oldest != it) {
                    publisher.unregisterBuffer(oldest->second.id);
                    rt->registrations.erase(oldest);
                }
            }
        }
        if (it != rt->registrations.end()) {
            it->second.lastUsed = ++rt->useCounter;
            FramePublisher::BufferId id = it->second.id;
            unsigned holders = publisher.publish(id, info, FramePublisher::Clock::now());
            if (holders > 0)
                rt->held[id].push_back(std::move(shared));
            for (const FramePublisher::PollItem &item : publisher.pollItems())
                wake = wake || item.wantWrite;
        }
        unrefs = rt->takeUnrefs();
    }
    shared.reset();
    unrefs.clear();
    if (rt->loop)
        rt->loop->notePublished(zerotee::monotonicNowNs());
    if (wake)
        rt->bus->wake();
    zerotee_sink_push_keyframe_request(self, rt);
    return GST_FLOW_OK;
}
