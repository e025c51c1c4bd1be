#include "ZeroteeSinkPrivate.h"

#include "SettingsProperties.h"

GST_DEBUG_CATEGORY(zerotee_sink_debug);

using zerotee::FramePublisher;
using namespace zerotee::sink_internal; // this element's own types (ZeroteeSinkPrivate.h)
using zerotee::gst_settings::kConfigFlags;

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

G_DEFINE_TYPE(ZeroteeSink, zerotee_sink, GST_TYPE_BASE_SINK)

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static void zerotee_sink_set_property(GObject *object, guint prop_id, const GValue *value,
                                      GParamSpec *pspec);
static void zerotee_sink_get_property(GObject *object, guint prop_id, GValue *value,
                                      GParamSpec *pspec);
static void zerotee_sink_finalize(GObject *object);
static gboolean zerotee_sink_set_caps(GstBaseSink *basesink, GstCaps *caps);
static gboolean zerotee_sink_propose_allocation(GstBaseSink *basesink, GstQuery *query);
static GstFlowReturn zerotee_sink_render(GstBaseSink *basesink, GstBuffer *buffer);

// The configuration properties, each in one row (SettingsProperties.h); "stats" is read-only
// and installed apart.
static const zerotee::gst_settings::Property<Settings> kProperties[] = {
    {PROP_SOCKET_PATH, &Settings::socketPath,
     [] {
         return g_param_spec_string("socket-path", "Socket path",
                                    "Path of the Unix socket consumers connect to (required)",
                                    nullptr, kConfigFlags);
     }},
    {PROP_POOL_SIZE, &Settings::poolSize,
     [] {
         return g_param_spec_uint("pool-size", "Pool size",
                                  "Buffers in the pool offered upstream; also the publisher's pool "
                                  "capacity that consumer quotas must fit in",
                                  2, 256, DEFAULT_POOL_SIZE, kConfigFlags);
     }},
    {PROP_QUOTA, &Settings::quota,
     [] {
         return g_param_spec_uint(
             "quota", "Quota",
             "Frames a consumer may hold at once unless it asks for another quota", 1, 64,
             DEFAULT_QUOTA, kConfigFlags);
     }},
    {PROP_LEASE_TIMEOUT, &Settings::leaseTimeoutMs,
     [] {
         return g_param_spec_uint("lease-timeout", "Lease timeout",
                                  "Milliseconds a consumer may hold a frame before it is evicted",
                                  10, 600000, DEFAULT_LEASE_TIMEOUT, kConfigFlags);
     }},
    {PROP_CAPTURE_RESERVE, &Settings::captureReserve,
     [] {
         return g_param_spec_uint(
             "capture-reserve", "Capture reserve",
             "Pool buffers the producer keeps for itself (never leased to consumers)", 0, 256,
             DEFAULT_CAPTURE_RESERVE, kConfigFlags);
     }},
    {PROP_GOP_CACHE, &Settings::gopCache,
     [] {
         return g_param_spec_uint(
             "gop-cache", "GOP cache",
             "Encoded streams: access units since the last keyframe kept (at most this many; 0 = "
             "off) and sent first to every consumer that joins; a consumer that misses one waits "
             "for the next keyframe. pool-size must leave room for them",
             0, 256, DEFAULT_GOP_CACHE, kConfigFlags);
     }},
    {PROP_MAX_POOL_MIB, &Settings::maxPoolMib,
     [] {
         return g_param_spec_uint(
             "max-pool-mib", "Maximum pool memory (MiB)",
             "The sink's own pool (offered upstream, or copied into) grows past pool-size on "
             "demand, new buffers registered once like the first, while it stays within this "
             "many MiB; consumers are admitted against that bound (0 = it never grows). A fixed "
             "upstream pool (a camera's) is pool-size buffers",
             0, 65536, DEFAULT_MAX_POOL_MIB, kConfigFlags);
     }},
    {PROP_ALLOW_USERS, &Settings::allowUsers,
     [] {
         return g_param_spec_string(
             "allow-users", "Allowed users",
             "Comma-separated users (names or uids) admitted besides the sink's own uid and "
             "root; any makes the socket connectable by all (mode 0666), the peer check refuses "
             "the rest with their reason",
             nullptr, kConfigFlags);
     }},
    {PROP_ALLOW_GROUPS, &Settings::allowGroups,
     [] {
         return g_param_spec_string(
             "allow-groups", "Allowed groups",
             "Comma-separated groups (names or gids) whose members (primary or supplementary "
             "group) are admitted; with one group and no allow-users the socket belongs to that "
             "group (mode 0660)",
             nullptr, kConfigFlags);
     }},
};

static void zerotee_sink_class_init(ZeroteeSinkClass *klass)
{
    GObjectClass *gobjectClass = G_OBJECT_CLASS(klass);
    GstElementClass *elementClass = GST_ELEMENT_CLASS(klass);
    GstBaseSinkClass *baseSinkClass = GST_BASE_SINK_CLASS(klass);

    GST_DEBUG_CATEGORY_INIT(zerotee_sink_debug, "zeroteesink", 0, "zerotee frame bus sink");

    gobjectClass->set_property = zerotee_sink_set_property;
    gobjectClass->get_property = zerotee_sink_get_property;
    gobjectClass->finalize = zerotee_sink_finalize;

    zerotee::gst_settings::install(gobjectClass, kProperties);
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
    const bool known = zerotee::gst_settings::set(kProperties, s, prop_id, value);
    GST_OBJECT_UNLOCK(self);
    if (!known)
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
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
    const bool known = zerotee::gst_settings::get(kProperties, s, prop_id, value);
    GST_OBJECT_UNLOCK(self);
    if (!known)
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
}

void zerotee::setSinkBusPublisher(ZeroteeSink *sink, BusPublisher *bus)
{
    GST_OBJECT_LOCK(sink);
    sink->priv->settings.busPublisher = bus;
    GST_OBJECT_UNLOCK(sink);
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
    g_autoptr(GstBufferPool) pool =
        zerotee::SinkSharedPools::proposal(caps, info, zerotee_sink_limits(self), &poolSize);
    if (!pool) {
        GST_WARNING_OBJECT(self, "cannot configure a pool for %" GST_PTR_FORMAT, caps);
        return TRUE;
    }
    GST_DEBUG_OBJECT(self, "offering a pool of up to %u shared buffers", poolSize);
    gst_query_add_allocation_pool(query, pool, guint(info.size), 2, poolSize); // takes its own ref
    return TRUE;
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
