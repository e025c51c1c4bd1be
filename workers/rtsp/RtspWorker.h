#pragma once

#include "ElementChoice.h"
#include "MountFactory.h"
#include "PushPublisher.h"
#include "RtspOptions.h"

#include <QString>
#include <gst/rtsp-server/rtsp-server.h>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace zerotee {

class WorkerReporter;

/// The RTSP server process: mounts, access control, transports, client bookkeeping, the
/// optional push publisher, and a stats report on stdout every second. SIGINT/SIGTERM close
/// every client, stop the push pipeline and return 0.
///
/// Thread context: thread-bound to the main thread; gst-rtsp-server handles clients on the
/// default main context, so its client signals arrive there too.
class RtspWorker {
public:
    RtspWorker(RtspOptions options, WorkerReporter &reporter);
    ~RtspWorker();
    RtspWorker(const RtspWorker &) = delete;
    RtspWorker &operator=(const RtspWorker &) = delete;

    /// Sets up and serves until a signal. Returns the exit code (0 clean, 1 setup failure).
    int run();

private:
    struct SessionPeer {
        QString address;
        QString mount;
    };

    bool setUp(QString *error);
    bool setUpAuth(QString *error);
    void report();
    void beginStop();
    QString urlFor(const QString &path) const;
    MountFactory *mountForMedia(GstRTSPMedia *media) const;

    static void onClientConnected(GstRTSPServer *server, GstRTSPClient *client, gpointer self);
    static void onNewSession(GstRTSPClient *client, GstRTSPSession *session, gpointer self);
    static void onPlayRequest(GstRTSPClient *client, GstRTSPContext *context, gpointer self);

    RtspOptions options_;
    WorkerReporter &reporter_;
    ElementChoice elements_;
    GMainLoop *loop_ = nullptr;
    GstRTSPServer *server_ = nullptr;
    guint serverSource_ = 0;
    guint tickSource_ = 0;
    guint signalSources_[2] = {0, 0};
    guint stopTimeout_ = 0;
    int boundPort_ = 0;
    bool stopping_ = false;
    std::vector<std::unique_ptr<MountFactory>> mounts_;
    std::unique_ptr<PushPublisher> push_;
    std::map<std::string, SessionPeer> sessionPeers_; // RTSP session id → who and what
};

} // namespace zerotee
