#include "ZeroteeSrcPrivate.h"

#include "MonotonicClock.h"
#include "SettingsProperties.h"

GST_DEBUG_CATEGORY(zerotee_src_debug);

using zerotee::SubscriberEvent;
using zerotee::gst_settings::kConfigFlags;
using Settings = zerotee::src_internal::Settings;

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

// The configuration properties, each in one row (SettingsProperties.h); "stats" is read-only
// and installed apart.
static const zerotee::gst_settings::Property<Settings> kProperties[] = {
    {PROP_SOCKET_PATH, &Settings::socketPath,
     [] {
         return g_param_spec_string("socket-path", "Socket path",
                                    "Path of the producer's Unix socket", nullptr, kConfigFlags);
     }},
    {PROP_POLICY, &Settings::policy,
     [] {
         return g_param_spec_enum("policy", "Delivery policy", "Which frames the producer sends",
                                  ZEROTEE_TYPE_DELIVERY_POLICY, int(DEFAULT_POLICY), kConfigFlags);
     }},
    {PROP_MAX_FPS, &Settings::maxFps,
     [] {
         return g_param_spec_double("max-fps", "Maximum frame rate",
                                    "Frame rate cap for policy=fps-cap", 0, 1000, DEFAULT_MAX_FPS,
                                    kConfigFlags);
     }},
    {PROP_QUOTA, &Settings::quota,
     [] {
         return g_param_spec_uint(
             "quota", "Quota", "Frames this consumer wants to hold at once (0 = producer default)",
             0, 64, DEFAULT_QUOTA, kConfigFlags);
     }},
    {PROP_CLIENT_NAME, &Settings::clientName,
     [] {
         return g_param_spec_string(
             "client-name", "Client name",
             "Name the producer shows for this consumer (default: element name)", nullptr,
             kConfigFlags);
     }},
    {PROP_RECONNECT_INTERVAL, &Settings::reconnectIntervalMs,
     [] {
         return g_param_spec_uint("reconnect-interval", "Reconnect interval",
                                  "Milliseconds between connection attempts", 10, 60000,
                                  DEFAULT_RECONNECT_INTERVAL, kConfigFlags);
     }},
};

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

    zerotee::gst_settings::install(gobjectClass, kProperties);
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
    const bool known = zerotee::gst_settings::set(kProperties, s, prop_id, value);
    GST_OBJECT_UNLOCK(self);
    if (!known)
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
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
    const bool known = zerotee::gst_settings::get(kProperties, s, prop_id, value);
    GST_OBJECT_UNLOCK(self);
    if (!known)
        G_OBJECT_WARN_INVALID_PROPERTY_ID(object, prop_id, pspec);
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
