#pragma once

#include "SupervisorConfig.h"

#include <QHttpServer>
#include <QLoggingCategory>
#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcHttp)

namespace zerotee {

class ControlService;
class Supervisor;
class WebAccess;
class WebService;

/// The HTTP JSON API (same verbs as the control socket, through ControlService) and a
/// Prometheus /metrics endpoint, on Qt HttpServer. Bound to 127.0.0.1 by default; when a token
/// is configured every request needs `Authorization: Bearer TOKEN`.
///
///   GET    /api/status            GET /api/workers           GET /api/events?since=N
///   POST   /api/workers           {"kind":..., "name":..., "options":{...}}
///   POST   /api/workers/NAME/start|stop|restart              DELETE /api/workers/NAME
///   GET    /metrics
///   and the browser's page, session, recordings, clips, snapshots and live view (WebService).
///
/// Off loopback the server speaks HTTPS (docs/web.md).
///
/// Thread context: thread-bound to the main thread.
class HttpApi {
public:
    HttpApi(ControlService &service, Supervisor &supervisor, HttpConfig config);
    ~HttpApi();

    /// Returns the bound port (the configured one, or the one picked for port 0), 0 on failure.
    quint16 start(QString *error);

    /// The Prometheus text exposition of @p status (a Supervisor::status() object).
    static QString metrics(const QJsonObject &status);

private:
    bool authorized(const class QHttpServerRequest &request) const;
    /// HTTPS off loopback: the configured certificate, or a self-signed one made once.
    bool setUpTls(QString *error);

    ControlService &service_;
    Supervisor &supervisor_;
    HttpConfig config_;
    std::unique_ptr<WebAccess> access_;
    std::unique_ptr<QHttpServer> server_;
    std::unique_ptr<WebService> web_;
    bool tls_ = false;
};

} // namespace zerotee
