#pragma once

#include "SupervisorConfig.h"

#include <QHash>
#include <QObject>
#include <QString>
#include <memory>

class QHttpServer;
class QHttpServerRequest;
class QWebSocket;

namespace zerotee {

class LiveViewers;
class Supervisor;
class WebAccess;

/// What a browser uses, on the HTTP API's server (docs/web.md):
///
///   GET  /                        the page (static files from resources/web, no CDN)
///   POST /api/session {"token"}   trades the token for a session cookie; DELETE logs out
///   GET  /api/recordings?camera=&from=&to=    segments and events of a camera in a span
///   GET  /api/clip?camera=&from=&to=[&download=1]   an MP4 cut without re-encoding (Range)
///   GET  /api/snapshot?camera=    a JPEG of the latest frame on the raw bus
///   WS   /api/live?camera=&stream=  fragmented MP4 of a stream for Media Source Extensions
///   WS   /api/events/live         every new event as a JSON text message
///
/// Times are ISO 8601; without an offset they are the device's local time. The media work runs
/// in processes of its own (zerotee-live, zerotee-clip, zerotee-snapshot), never here.
///
/// Thread context: thread-bound to the main thread.
class WebService : public QObject {
    Q_OBJECT

public:
    /// The longest clip /api/clip cuts, and the longest span /api/recordings lists.
    static constexpr int kMaxClipSeconds = 600;
    static constexpr int kMaxListDays = 31;

    WebService(Supervisor &supervisor, WebAccess &access, QObject *parent = nullptr);
    ~WebService() override;

    void addRoutes(QHttpServer &server);
    /// Serves or refuses a WebSocket the server accepted (any path).
    void acceptWebSocket(std::unique_ptr<QWebSocket> socket);
    LiveViewers &liveViewers() { return *live_; }

private:
    QString programPath(const QString &name) const;
    QString clipCacheDir() const;

    Supervisor &supervisor_;
    WebAccess &access_;
    std::unique_ptr<LiveViewers> live_;
};

} // namespace zerotee
