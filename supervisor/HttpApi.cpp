#include "HttpApi.h"

#include "ControlService.h"
#include "LiveViewers.h"
#include "Supervisor.h"
#include "WebAccess.h"
#include "WebService.h"

#include <QDir>
#include <QFile>
#include <QHostAddress>
#include <QHttpServerRequest>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSslCertificate>
#include <QSslKey>
#include <QStandardPaths>
#include <QWebSocket>

Q_LOGGING_CATEGORY(lcHttp, "zerotee.http")

namespace zerotee {

namespace {

QHttpServerResponse
reply(const QJsonObject &answer,
      QHttpServerResponse::StatusCode okStatus = QHttpServerResponse::StatusCode::Ok)
{
    bool ok = answer.value(QStringLiteral("ok")).toBool();
    QHttpServerResponse::StatusCode status = okStatus;
    if (!ok) {
        QString error = answer.value(QStringLiteral("error")).toString();
        status = error.contains(QStringLiteral("no worker")) ||
                         error.contains(QStringLiteral("not found"))
                     ? QHttpServerResponse::StatusCode::NotFound
                     : QHttpServerResponse::StatusCode::BadRequest;
    }
    return QHttpServerResponse(answer, status);
}

QHttpServerResponse unauthorized()
{
    QHttpServerResponse response(
        ControlService::failure(QStringLiteral("missing or wrong bearer token")),
        QHttpServerResponse::StatusCode::Unauthorized);
    response.setHeader("WWW-Authenticate", "Bearer");
    return response;
}

QString metricName(const QString &name)
{
    return QStringLiteral("zerotee_") + name;
}

QString label(const QString &key, const QString &value)
{
    QString escaped = value;
    escaped.replace(u'\\', QStringLiteral("\\\\"))
        .replace(u'"', QStringLiteral("\\\""))
        .replace(u'\n', QStringLiteral("\\n"));
    return QStringLiteral("%1=\"%2\"").arg(key, escaped);
}

} // namespace

HttpApi::HttpApi(ControlService &service, Supervisor &supervisor, HttpConfig config)
    : service_(service), supervisor_(supervisor), config_(std::move(config))
{
}

HttpApi::~HttpApi()
{
    if (web_)
        supervisor_.setStatusSection(QStringLiteral("web_viewers"), {});
}

bool HttpApi::authorized(const QHttpServerRequest &request) const
{
    return access_->allows(request);
}

bool HttpApi::setUpTls(QString *error)
{
    QString certPath = config_.tlsCert, keyPath = config_.tlsKey;
    if (certPath.isEmpty()) {
        // Made once at first start and kept: browsers remember the exception for it.
        const QString dir =
            !config_.tlsDir.isEmpty()
                ? config_.tlsDir
                : QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
                      QStringLiteral("/zerotee");
        certPath = dir + QStringLiteral("/https-selfsigned.crt");
        keyPath = dir + QStringLiteral("/https-selfsigned.key");
        if (!QFile::exists(certPath) || !QFile::exists(keyPath)) {
            QDir().mkpath(dir);
            QProcess openssl;
            openssl.start(
                QStringLiteral("openssl"),
                {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                 QStringLiteral("rsa:2048"), QStringLiteral("-nodes"), QStringLiteral("-days"),
                 QStringLiteral("3650"), QStringLiteral("-subj"), QStringLiteral("/CN=zerotee"),
                 QStringLiteral("-keyout"), keyPath, QStringLiteral("-out"), certPath});
            if (!openssl.waitForFinished(60000) || openssl.exitCode() != 0) {
                *error = QStringLiteral("http: cannot make a self-signed certificate in %1 (%2); "
                                        "set http.tls_cert and http.tls_key")
                             .arg(dir, QString::fromUtf8(openssl.readAllStandardError()).trimmed());
                return false;
            }
            QFile::setPermissions(keyPath, QFile::ReadOwner | QFile::WriteOwner);
            qCInfo(lcHttp).noquote() << "HTTPS: made a self-signed certificate" << certPath;
        }
    }
    QFile certFile(certPath), keyFile(keyPath);
    if (!certFile.open(QIODevice::ReadOnly) || !keyFile.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("http.tls_cert/http.tls_key: cannot read '%1' or '%2'")
                     .arg(certPath, keyPath);
        return false;
    }
    const QSslCertificate cert(&certFile, QSsl::Pem);
    const QByteArray keyPem = keyFile.readAll();
    QSslKey key(keyPem, QSsl::Rsa, QSsl::Pem);
    if (key.isNull())
        key = QSslKey(keyPem, QSsl::Ec, QSsl::Pem);
    if (cert.isNull() || key.isNull()) {
        *error = QStringLiteral("http.tls_cert/http.tls_key: '%1' or '%2' is not a PEM "
                                "certificate/key")
                     .arg(certPath, keyPath);
        return false;
    }
    server_->sslSetup(cert, key);
    tls_ = true;
    return true;
}

quint16 HttpApi::start(QString *error)
{
    server_ = std::make_unique<QHttpServer>();
    using Method = QHttpServerRequest::Method;
    const bool loopback = config_.onLoopback();
    if (!loopback && config_.tls && !setUpTls(error))
        return 0;
    access_ = std::make_unique<WebAccess>(config_.token, tls_);
    web_ = std::make_unique<WebService>(supervisor_, *access_);
    // The browsers watching live: camera, stream and bytes sent per viewer (status).
    supervisor_.setStatusSection(QStringLiteral("web_viewers"),
                                 [this] { return web_->liveViewers().status(); });

    auto verb = [this](const QJsonObject &request, const QHttpServerRequest &http) {
        if (!authorized(http))
            return unauthorized();
        return reply(service_.handle(request));
    };

    server_->route(QStringLiteral("/api/status"), Method::Get, [verb](const QHttpServerRequest &r) {
        return verb({{QStringLiteral("cmd"), QStringLiteral("status")}}, r);
    });
    server_->route(QStringLiteral("/api/workers"), Method::Get,
                   [verb](const QHttpServerRequest &r) {
                       return verb({{QStringLiteral("cmd"), QStringLiteral("workers")}}, r);
                   });
    server_->route(
        QStringLiteral("/api/workers"), Method::Post, [this](const QHttpServerRequest &r) {
            if (!authorized(r))
                return unauthorized();
            QJsonParseError parseError;
            QJsonDocument doc = QJsonDocument::fromJson(r.body(), &parseError);
            if (!doc.isObject())
                return reply(
                    ControlService::failure(QStringLiteral("body must be a JSON object (%1)")
                                                .arg(parseError.errorString())));
            QJsonObject request = doc.object();
            request.insert(QStringLiteral("cmd"), QStringLiteral("add"));
            return reply(service_.handle(request), QHttpServerResponse::StatusCode::Created);
        });
    server_->route(
        QStringLiteral("/api/workers/<arg>/<arg>"), Method::Post,
        [verb](const QString &name, const QString &action, const QHttpServerRequest &r) {
            if (action != QStringLiteral("start") && action != QStringLiteral("stop") &&
                action != QStringLiteral("restart"))
                return reply(ControlService::failure(
                    QStringLiteral("unknown action '%1' (start, stop, restart)").arg(action)));
            return verb({{QStringLiteral("cmd"), action}, {QStringLiteral("name"), name}}, r);
        });
    server_->route(QStringLiteral("/api/workers/<arg>"), Method::Delete,
                   [verb](const QString &name, const QHttpServerRequest &r) {
                       return verb({{QStringLiteral("cmd"), QStringLiteral("remove")},
                                    {QStringLiteral("name"), name}},
                                   r);
                   });
    server_->route(QStringLiteral("/api/events"), Method::Get, [verb](const QHttpServerRequest &r) {
        QJsonObject request{{QStringLiteral("cmd"), QStringLiteral("events")}};
        bool ok = false;
        qint64 since = r.query().queryItemValue(QStringLiteral("since")).toLongLong(&ok);
        if (ok)
            request.insert(QStringLiteral("since"), since);
        return verb(request, r);
    });
    server_->route(QStringLiteral("/metrics"), Method::Get, [this](const QHttpServerRequest &r) {
        if (!authorized(r))
            return unauthorized();
        return QHttpServerResponse("text/plain; version=0.0.4",
                                   metrics(supervisor_.status()).toUtf8());
    });

    web_->addRoutes(*server_);
    QObject::connect(server_.get(), &QHttpServer::newWebSocketConnection, web_.get(), [this] {
        while (server_->hasPendingWebSocketConnections())
            web_->acceptWebSocket(server_->nextPendingWebSocketConnection());
    });

    QHostAddress address;
    if (config_.bind == QStringLiteral("localhost"))
        address = QHostAddress::LocalHost;
    else if (!address.setAddress(config_.bind)) {
        *error = QStringLiteral("http.bind: '%1' is not an IP address").arg(config_.bind);
        return 0;
    }
    quint16 port = server_->listen(address, quint16(config_.port));
    if (port == 0) {
        *error =
            QStringLiteral("cannot listen on %1:%2 for HTTP").arg(config_.bind).arg(config_.port);
        return 0;
    }
    qCInfo(lcHttp).noquote() << QStringLiteral(
                                    "HTTP API at %1://%2:%3/api/status, web page at %1://%2:%3/")
                                    .arg(tls_ ? QStringLiteral("https") : QStringLiteral("http"),
                                         config_.bind)
                                    .arg(port);
    return port;
}

QString HttpApi::metrics(const QJsonObject &status)
{
    QString out;
    auto family = [&](const QString &name, const char *type, const char *help) {
        out += QStringLiteral("# HELP %1 %2\n# TYPE %1 %3\n")
                   .arg(metricName(name), QString::fromLatin1(help), QString::fromLatin1(type));
    };
    auto sample = [&](const QString &name, const QStringList &labels, double value) {
        out += QStringLiteral("%1{%2} %3\n")
                   .arg(metricName(name), labels.join(u','), QString::number(value, 'g', 15));
    };

    family(QStringLiteral("uptime_seconds"), "gauge", "Seconds since the supervisor started.");
    out += metricName(QStringLiteral("uptime_seconds")) + u' ' +
           QString::number(status.value(QStringLiteral("uptime_s")).toDouble(), 'f', 3) + u'\n';

    const QJsonArray cameras = status.value(QStringLiteral("cameras")).toArray();
    struct CameraMetric {
        const char *name, *type, *help, *key;
        bool fromBus;
    };
    static const CameraMetric cameraMetrics[] = {
        {"capture_running", "gauge", "1 when the capture delivers frames.", nullptr, false},
        {"capture_fps", "gauge", "Frames per second captured over the last second.", "fps", false},
        {"capture_frames_total", "counter", "Frames captured.", "frames", false},
        {"capture_retries_total", "counter", "Capture restarts after errors.", "retries", false},
        {"capture_pixel_bytes_copied_total", "counter",
         "Pixel bytes copied on the raw path (0 = zero copy).", "pixel_bytes_copied", false},
        {"bus_clients", "gauge", "Consumers connected to the bus.", "clients", true},
        {"bus_frames_published_total", "counter", "Frames offered on the bus.", "frames_published",
         true},
        {"bus_frames_sent_total", "counter", "Frames delivered, summed over consumers.",
         "frames_sent", true},
        {"bus_dropped_quota_total", "counter", "Frames not sent: consumer quota full.",
         "dropped_quota", true},
        {"bus_dropped_socket_total", "counter", "Frames not sent: consumer socket full.",
         "dropped_socket", true},
        {"bus_evictions_total", "counter", "Consumers evicted (lease expired or stopped reading).",
         "evictions", true},
    };
    for (const CameraMetric &m : cameraMetrics) {
        family(QString::fromLatin1(m.name), m.type, m.help);
        for (const QJsonValue &c : cameras) {
            QJsonObject camera = c.toObject();
            QStringList labels{
                label(QStringLiteral("camera"), camera.value(QStringLiteral("name")).toString())};
            double value;
            if (!m.key)
                value =
                    camera.value(QStringLiteral("state")).toString() == QStringLiteral("running")
                        ? 1
                        : 0;
            else if (m.fromBus)
                value = camera.value(QStringLiteral("bus"))
                            .toObject()
                            .value(QString::fromLatin1(m.key))
                            .toDouble();
            else
                value = camera.value(QString::fromLatin1(m.key)).toDouble();
            sample(QString::fromLatin1(m.name), labels, value);
        }
    }

    // An info-style gauge: 1 for the memory the bus carries now (upstream-dmabuf: the camera's
    // own DMABUFs; pool-*: the sink's pool; copied-*: copies, see capture_pixel_bytes_copied).
    family(QStringLiteral("capture_memory"), "gauge",
           "1 for the kind of memory the bus carries (upstream-dmabuf, pool-memfd, copied-memfd, "
           "...).");
    for (const QJsonValue &c : cameras) {
        QJsonObject camera = c.toObject();
        if (!camera.contains(QStringLiteral("memory")))
            continue;
        sample(QStringLiteral("capture_memory"),
               {label(QStringLiteral("camera"), camera.value(QStringLiteral("name")).toString()),
                label(QStringLiteral("memory"), camera.value(QStringLiteral("memory")).toString())},
               1);
    }

    const QJsonArray workers = status.value(QStringLiteral("workers")).toArray();
    struct WorkerMetric {
        const char *name, *type, *help, *key;
    };
    static const WorkerMetric workerMetrics[] = {
        {"worker_up", "gauge", "1 when the worker is running.", nullptr},
        {"worker_restarts_total", "counter", "Restarts after crashes.", "restarts"},
        {"worker_cpu_percent", "gauge", "CPU use of the worker process (% of one core).",
         "cpu_percent"},
        {"worker_rss_bytes", "gauge", "Resident memory of the worker process.", "rss_bytes"},
        {"worker_frames_total", "counter", "Frames the bus delivered to the worker.", "frames"},
        {"worker_drops_total", "counter", "Frames the bus could not deliver to the worker.",
         "drops"},
    };
    for (const WorkerMetric &m : workerMetrics) {
        family(QString::fromLatin1(m.name), m.type, m.help);
        for (const QJsonValue &w : workers) {
            QJsonObject worker = w.toObject();
            QStringList labels{
                label(QStringLiteral("worker"), worker.value(QStringLiteral("name")).toString()),
                label(QStringLiteral("kind"), worker.value(QStringLiteral("kind")).toString())};
            double value =
                m.key
                    ? worker.value(QString::fromLatin1(m.key)).toDouble()
                    : (worker.value(QStringLiteral("state")).toString() == QStringLiteral("running")
                           ? 1
                           : 0);
            sample(QString::fromLatin1(m.name), labels, value);
        }
    }

    // Encoded streams: the figures each stream's encoder reports (docs/streams.md).
    const QJsonArray streams = status.value(QStringLiteral("streams")).toArray();
    static const WorkerMetric streamMetrics[] = {
        {"stream_encoding", "gauge", "1 while the stream's encoder encodes (it has consumers).",
         "encoding"},
        {"stream_consumers", "gauge", "Connections to the stream's socket.", "consumers"},
        {"stream_bitrate_kbps", "gauge", "Measured bitrate of the stream.", "measured_kbps"},
        {"stream_frames_total", "counter", "Access units encoded.", "frames"},
        {"stream_keyframes_total", "counter", "Keyframes encoded.", "keyframes"},
        {"stream_keyframes_forced_total", "counter", "Keyframes forced by consumers' requests.",
         "keyframes_forced"},
        {"stream_drops_total", "counter", "Access units not delivered to a consumer.", "drops"},
    };
    for (const WorkerMetric &m : streamMetrics) {
        family(QString::fromLatin1(m.name), m.type, m.help);
        for (const QJsonValue &v : streams) {
            QJsonObject stream = v.toObject();
            QStringList labels{
                label(QStringLiteral("camera"), stream.value(QStringLiteral("camera")).toString()),
                label(QStringLiteral("stream"), stream.value(QStringLiteral("name")).toString())};
            const QJsonValue value = stream.value(QString::fromLatin1(m.key));
            sample(QString::fromLatin1(m.name), labels,
                   value.isBool() ? (value.toBool() ? 1 : 0) : value.toDouble());
        }
    }

    // The MQTT bridge, when configured (docs/mqtt.md).
    const QJsonObject mqtt = status.value(QStringLiteral("mqtt")).toObject();
    static const WorkerMetric mqttMetrics[] = {
        {"mqtt_connected", "gauge", "1 while the MQTT bridge is connected to its broker.",
         "connected"},
        {"mqtt_queued", "gauge", "Events waiting for the broker (bounded by mqtt.queue_size).",
         "queued"},
        {"mqtt_published_total", "counter", "Messages the broker acknowledged.", "published"},
        {"mqtt_dropped_total", "counter", "Events dropped, oldest first, while the queue was full.",
         "dropped"},
        {"mqtt_connects_total", "counter", "Connections made to the broker.", "connects"},
        {"mqtt_connect_failures_total", "counter", "Connection attempts that failed.",
         "connect_failures"},
    };
    for (const WorkerMetric &m : mqttMetrics) {
        if (mqtt.isEmpty())
            break;
        family(QString::fromLatin1(m.name), m.type, m.help);
        const QJsonValue value = mqtt.value(QString::fromLatin1(m.key));
        sample(QString::fromLatin1(m.name),
               {label(QStringLiteral("broker"), mqtt.value(QStringLiteral("broker")).toString())},
               value.isBool() ? (value.toBool() ? 1 : 0) : value.toDouble());
    }
    return out;
}

} // namespace zerotee
