// zeroteesink's runtime: start (the socket and who may connect, the publisher and its I/O
// thread that accepts consumers, reads releases and expires leases) and stop. See
// ZeroteeSinkPrivate.h.
#include "ZeroteeSinkPrivate.h"

using zerotee::FramePublisher;
using namespace zerotee::sink_internal; // this element's own types (ZeroteeSinkPrivate.h)

// Turns a consumer's keyframe request into an upstream force-key-unit event (outside the lock).
void zerotee_sink_push_keyframe_request(ZeroteeSink *self, zerotee::sink_internal::Runtime *rt)
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
static void zerotee_sink_io_thread(ZeroteeSink *self, zerotee::sink_internal::Runtime *rt)
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

zerotee::SinkSharedPools::Limits zerotee_sink_limits(ZeroteeSink *self)
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

gboolean zerotee_sink_start(GstBaseSink *basesink)
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

gboolean zerotee_sink_stop(GstBaseSink *basesink)
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
