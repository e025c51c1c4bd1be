#include "RtspWorker.h"

#include "MountPipeline.h"
#include "WorkerReporter.h"

#include <QJsonArray>
#include <QJsonObject>
#include <csignal>
#include <cstdio>
#include <glib-unix.h>

namespace zerotee {

namespace {

constexpr const char *kViewerRole = "viewer";
/// A TCP connection whose session expired is closed this many seconds later.
constexpr int kPostSessionTimeoutSeconds = 2;

const char *transportName(const GstRTSPTransport *transport)
{
    switch (transport->lower_transport) {
    case GST_RTSP_LOWER_TRANS_TCP:
        return "TCP";
    case GST_RTSP_LOWER_TRANS_UDP:
        return "UDP";
    case GST_RTSP_LOWER_TRANS_UDP_MCAST:
        return "UDP-multicast";
    default:
        return "unknown";
    }
}

} // namespace

RtspWorker::RtspWorker(RtspOptions options, WorkerReporter &reporter)
    : options_(std::move(options)), reporter_(reporter), loop_(g_main_loop_new(nullptr, FALSE))
{
}

RtspWorker::~RtspWorker()
{
    for (guint id :
         {tickSource_, signalSources_[0], signalSources_[1], stopTimeout_, serverSource_})
        if (id)
            g_source_remove(id);
    // In this order (hence by hand): push, then the server (its mount points hold the
    // factories), then the factories, then the loop they all ran on.
    push_.reset();
    if (server_)
        g_object_unref(server_);
    mounts_.clear();
    g_main_loop_unref(loop_);
}

QString RtspWorker::urlFor(const QString &path) const
{
    QString host = options_.bindAddress;
    if (host == QLatin1String("0.0.0.0") || host == QLatin1String("::"))
        host = QString::fromUtf8(g_get_host_name());
    else if (host.contains(QLatin1Char(':')))
        host = QLatin1Char('[') + host + QLatin1Char(']');
    const QString scheme =
        options_.tlsCertFile.isEmpty() ? QStringLiteral("rtsp") : QStringLiteral("rtsps");
    return QStringLiteral("%1://%2:%3%4").arg(scheme, host).arg(boundPort_).arg(path);
}

MountFactory *RtspWorker::mountForMedia(GstRTSPMedia *media) const
{
    for (const auto &mount : mounts_)
        if (mount->owns(media))
            return mount.get();
    return nullptr;
}

bool RtspWorker::setUpAuth(QString *error)
{
    const bool tls = !options_.tlsCertFile.isEmpty();
    if (options_.auth == RtspOptions::Auth::None && !tls)
        return true;
    g_autoptr(GstRTSPAuth) auth = gst_rtsp_auth_new();
    g_autoptr(GstRTSPToken) token =
        gst_rtsp_token_new(GST_RTSP_TOKEN_MEDIA_FACTORY_ROLE, G_TYPE_STRING, kViewerRole, nullptr);
    switch (options_.auth) {
    case RtspOptions::Auth::None:
        gst_rtsp_auth_set_default_token(auth, token); // TLS only: everyone may watch
        break;
    case RtspOptions::Auth::Basic:
        gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_BASIC);
        for (const RtspOptions::User &user : options_.users) {
            g_autofree gchar *basic = gst_rtsp_auth_make_basic(user.name.toUtf8().constData(),
                                                               user.password.toUtf8().constData());
            gst_rtsp_auth_add_basic(auth, basic, token);
        }
        break;
    case RtspOptions::Auth::Digest:
        gst_rtsp_auth_set_supported_methods(auth, GST_RTSP_AUTH_DIGEST);
        for (const RtspOptions::User &user : options_.users)
            gst_rtsp_auth_add_digest(auth, user.name.toUtf8().constData(),
                                     user.password.toUtf8().constData(), token);
        break;
    }
    if (tls) {
        g_autoptr(GError) gerror = nullptr;
        g_autoptr(GTlsCertificate) certificate =
            g_tls_certificate_new_from_files(options_.tlsCertFile.toUtf8().constData(),
                                             options_.tlsKeyFile.toUtf8().constData(), &gerror);
        if (!certificate) {
            *error = QStringLiteral("TLS certificate: %1").arg(QString::fromUtf8(gerror->message));
            return false;
        }
        gst_rtsp_auth_set_tls_certificate(auth, certificate);
    }
    gst_rtsp_server_set_auth(server_, auth);
    return true;
}

bool RtspWorker::setUp(QString *error)
{
    if (!ElementChoice::pick(options_, &elements_, error))
        return false;
    server_ = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server_, options_.bindAddress.toLatin1().constData());
    gst_rtsp_server_set_service(server_, QByteArray::number(options_.port).constData());
    if (!setUpAuth(error))
        return false;

    g_autoptr(GstRTSPMountPoints) mountPoints = gst_rtsp_server_get_mount_points(server_);
    for (const MountConfig &mount : options_.mounts) {
        auto factory = std::make_unique<MountFactory>(options_, mount, elements_);
        std::fprintf(stderr, "zerotee-rtsp: %s: %s\n", qPrintable(mount.path),
                     qPrintable(factory->launch()));
        // The mount points take a reference of their own.
        g_object_ref(factory->factory());
        gst_rtsp_mount_points_add_factory(mountPoints, mount.path.toUtf8().constData(),
                                          factory->factory());
        mounts_.push_back(std::move(factory));
    }
    g_signal_connect(server_, "client-connected", G_CALLBACK(&RtspWorker::onClientConnected), this);

    g_autoptr(GError) gerror = nullptr;
    serverSource_ = gst_rtsp_server_attach(server_, nullptr);
    if (!serverSource_) {
        // attach() swallows the reason; create the socket ourselves to get it.
        g_autoptr(GSocket) socket = gst_rtsp_server_create_socket(server_, nullptr, &gerror);
        *error = QStringLiteral("cannot listen on %1:%2: %3")
                     .arg(options_.bindAddress)
                     .arg(options_.port)
                     .arg(gerror ? QString::fromUtf8(gerror->message) : QStringLiteral("?"));
        return false;
    }
    boundPort_ = gst_rtsp_server_get_bound_port(server_);

    if (!options_.pushUrl.isEmpty()) {
        const MountConfig &mount = options_.mountFor(
            options_.pushMount.isEmpty() ? options_.mounts.front().path : options_.pushMount);
        const QString description = MountPipeline::describe(
            options_, mount, elements_, MountPipeline::Output::PushSink,
            MountPipeline::clientNameFor(QStringLiteral("rtsp-push"), mount.path));
        push_ = std::make_unique<PushPublisher>(description, options_.pushUrl);
    }
    return true;
}

void RtspWorker::onClientConnected(GstRTSPServer *, GstRTSPClient *client, gpointer data)
{
    // A client whose socket backs up loses data rather than stalling the shared pipeline
    // (drop-backlog); one whose session timed out has its TCP connection closed soon after.
    g_object_set(client, "drop-backlog", TRUE, "post-session-timeout", kPostSessionTimeoutSeconds,
                 nullptr);
    g_signal_connect(client, "new-session", G_CALLBACK(&RtspWorker::onNewSession), data);
    g_signal_connect(client, "play-request", G_CALLBACK(&RtspWorker::onPlayRequest), data);
}

void RtspWorker::onNewSession(GstRTSPClient *, GstRTSPSession *session, gpointer data)
{
    auto *self = static_cast<RtspWorker *>(data);
    gst_rtsp_session_set_timeout(session, guint(self->options_.sessionTimeoutSeconds));
}

void RtspWorker::onPlayRequest(GstRTSPClient *client, GstRTSPContext *context, gpointer data)
{
    auto *self = static_cast<RtspWorker *>(data);
    if (!context->sessmedia || !context->session)
        return;
    GstRTSPMedia *media = gst_rtsp_session_media_get_media(context->sessmedia);
    MountFactory *mount = self->mountForMedia(media);
    if (!mount)
        return;
    GstRTSPConnection *connection = gst_rtsp_client_get_connection(client);
    const QString address =
        connection ? QString::fromUtf8(gst_rtsp_connection_get_ip(connection)) : QString();
    const char *transport = "unknown";
    if (GstRTSPStreamTransport *st = gst_rtsp_session_media_get_transport(context->sessmedia, 0))
        transport = transportName(gst_rtsp_stream_transport_get_transport(st));
    self->sessionPeers_[gst_rtsp_session_get_sessionid(context->session)] =
        SessionPeer{address, mount->mount().path};
    std::fprintf(stderr, "zerotee-rtsp: %s: %s plays over %s\n", qPrintable(mount->mount().path),
                 qPrintable(address), transport);
    if (self->options_.keyframeOnJoin)
        mount->requestKeyframe(media);
}

void RtspWorker::report()
{
    if (server_) {
        g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(server_);
        gst_rtsp_session_pool_cleanup(pool); // drop sessions whose timeout passed

        std::map<MountFactory *, QJsonArray> details;
        std::map<std::string, SessionPeer> alive;
        g_autolist(GstRTSPSession) sessions = gst_rtsp_session_pool_filter(pool, nullptr, nullptr);
        for (GList *s = sessions; s; s = s->next) {
            auto *session = GST_RTSP_SESSION(s->data);
            const std::string id = gst_rtsp_session_get_sessionid(session);
            g_autolist(GstRTSPSessionMedia) medias =
                gst_rtsp_session_filter(session, nullptr, nullptr);
            for (GList *m = medias; m; m = m->next) {
                auto *sessionMedia = GST_RTSP_SESSION_MEDIA(m->data);
                if (gst_rtsp_session_media_get_rtsp_state(sessionMedia) != GST_RTSP_STATE_PLAYING)
                    continue;
                MountFactory *mount = mountForMedia(gst_rtsp_session_media_get_media(sessionMedia));
                if (!mount)
                    continue;
                QJsonObject client;
                const auto peer = sessionPeers_.find(id);
                if (peer != sessionPeers_.end()) {
                    client[QStringLiteral("address")] = peer->second.address;
                    alive.insert(*peer);
                }
                if (GstRTSPStreamTransport *st =
                        gst_rtsp_session_media_get_transport(sessionMedia, 0)) {
                    const GstRTSPTransport *t = gst_rtsp_stream_transport_get_transport(st);
                    client[QStringLiteral("transport")] = QString::fromLatin1(transportName(t));
                    if (t->lower_transport != GST_RTSP_LOWER_TRANS_TCP && t->destination)
                        client[QStringLiteral("destination")] =
                            QStringLiteral("%1:%2")
                                .arg(QString::fromUtf8(t->destination))
                                .arg(t->lower_transport == GST_RTSP_LOWER_TRANS_UDP_MCAST
                                         ? t->port.min
                                         : t->client_port.min);
                }
                client[QStringLiteral("session")] = QString::fromStdString(id);
                details[mount].append(client);
            }
        }
        sessionPeers_.swap(alive);

        QJsonArray mounts;
        qint64 frames = 0;
        int clients = 0;
        for (const auto &mount : mounts_) {
            QJsonObject o = mount->stats();
            const QJsonArray &detail = details[mount.get()];
            o[QStringLiteral("url")] = urlFor(mount->mount().path);
            o[QStringLiteral("clients")] = int(detail.size());
            o[QStringLiteral("clients_detail")] = detail;
            frames += o[QStringLiteral("frames")].toInteger();
            clients += int(detail.size());
            mounts.append(o);
        }
        QJsonObject fields{{QStringLiteral("mounts"), mounts},
                           {QStringLiteral("frames"), frames},
                           {QStringLiteral("clients"), clients}};
        if (push_) {
            fields[QStringLiteral("push")] = push_->stats();
            fields[QStringLiteral("frames")] = frames; // the push pipeline is not counted
        }
        reporter_.report(protocol::Report::Stats, fields);
    }
}

void RtspWorker::beginStop()
{
    if (stopping_) {
        g_main_loop_quit(loop_); // second signal: now
        return;
    }
    stopping_ = true;
    std::fprintf(stderr, "zerotee-rtsp: stopping\n");
    if (push_)
        push_->stop();
    if (serverSource_) {
        g_source_remove(serverSource_); // no new connections
        serverSource_ = 0;
    }
    // Close every client and session: the medias unprepare, the bus connections close.
    gst_rtsp_server_client_filter(
        server_, [](GstRTSPServer *, GstRTSPClient *, gpointer) { return GST_RTSP_FILTER_REMOVE; },
        nullptr);
    g_autoptr(GstRTSPSessionPool) pool = gst_rtsp_server_get_session_pool(server_);
    gst_rtsp_session_pool_filter(
        pool,
        [](GstRTSPSessionPool *, GstRTSPSession *, gpointer) { return GST_RTSP_FILTER_REMOVE; },
        nullptr);
    // Give the unprepare a moment on the loop, then leave.
    stopTimeout_ = g_timeout_add(
        300,
        [](gpointer d) -> gboolean {
            auto *self = static_cast<RtspWorker *>(d);
            self->stopTimeout_ = 0;
            g_main_loop_quit(self->loop_);
            return G_SOURCE_REMOVE;
        },
        this);
}

int RtspWorker::run()
{
    QString error;
    if (!setUp(&error)) {
        std::fprintf(stderr, "zerotee-rtsp: %s\n", qPrintable(error));
        reporter_.report(protocol::Report::Event,
                         {{QStringLiteral("event"), QStringLiteral("error")},
                          {QStringLiteral("message"), error}});
        return 1;
    }
    QJsonArray urls;
    for (const auto &mount : mounts_)
        urls.append(urlFor(mount->mount().path));
    std::fprintf(stderr, "zerotee-rtsp: listening on %s:%d (encoder %s, auth %s)\n",
                 qPrintable(options_.bindAddress), boundPort_,
                 options_.encoded ? "none: bus carries H.264" : qPrintable(elements_.encoder),
                 options_.auth == RtspOptions::Auth::None    ? "none"
                 : options_.auth == RtspOptions::Auth::Basic ? "basic"
                                                             : "digest");
    reporter_.report(protocol::Report::Event,
                     {{QStringLiteral("event"), QStringLiteral("listening")},
                      {QStringLiteral("port"), boundPort_},
                      {QStringLiteral("urls"), urls}});

    auto onSignal = [](gpointer d) -> gboolean {
        static_cast<RtspWorker *>(d)->beginStop();
        return G_SOURCE_CONTINUE;
    };
    signalSources_[0] = g_unix_signal_add(SIGINT, onSignal, this);
    signalSources_[1] = g_unix_signal_add(SIGTERM, onSignal, this);
    tickSource_ = g_timeout_add(
        1000,
        [](gpointer d) -> gboolean {
            static_cast<RtspWorker *>(d)->report();
            return G_SOURCE_CONTINUE;
        },
        this);
    if (push_)
        push_->start();
    g_main_loop_run(loop_);
    if (push_)
        push_->stop();
    return 0;
}

} // namespace zerotee
