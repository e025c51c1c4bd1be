#include "WebService.h"

#include "EventLog.h"
#include "LiveViewers.h"
#include "MediaJob.h"
#include "RecordingsIndex.h"
#include "Supervisor.h"
#include "WebAccess.h"
#include "WebSocketRefusal.h"
#include "WorkerCommandBuilder.h"

#include <QCryptographicHash>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHttpServer>
#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QHttpServerResponse>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QUrlQuery>
#include <QWebSocket>
#include <optional>

namespace zerotee {

namespace {

using Status = QHttpServerResponder::StatusCode;

constexpr int kClipTimeoutMs = 60000;
constexpr int kSnapshotTimeoutMs = 5000;
constexpr int kCachedClips = 8;

QJsonObject failure(const QString &message)
{
    return {{QStringLiteral("ok"), false}, {QStringLiteral("error"), message}};
}

QHttpServerResponse refusal(Status status, const QString &message)
{
    return QHttpServerResponse(failure(message), status);
}

const QString kLoginFirst =
    QStringLiteral("log in first (POST /api/session) or send the bearer token");

struct Refusal {
    Status status;
    QString message;
};

/// Why a request for a camera's media is refused (no access, no such camera); empty when it
/// may go on, with @p camera set from its query.
std::optional<Refusal> cameraRefusal(const WebAccess &access, const SupervisorConfig &config,
                                     const QHttpServerRequest &r, QString *camera)
{
    if (!access.allows(r))
        return Refusal{Status::Unauthorized, kLoginFirst};
    *camera = r.query().queryItemValue(QStringLiteral("camera"));
    if (!config.camera(*camera))
        return Refusal{Status::NotFound,
                       QStringLiteral("camera: no camera named '%1'").arg(camera->left(64))};
    return std::nullopt;
}

/// ISO 8601 (the device's local time unless it names an offset) or "now".
bool parseTime(const QUrlQuery &query, const QString &key, qint64 *ms, QString *error)
{
    const QString text = query.queryItemValue(key, QUrl::FullyDecoded);
    if (text.isEmpty()) {
        *error =
            QStringLiteral("%1: missing (an ISO 8601 time, e.g. 2026-12-04T10:15:00)").arg(key);
        return false;
    }
    if (text == QLatin1String("now")) {
        *ms = QDateTime::currentMSecsSinceEpoch();
        return true;
    }
    const QDateTime time = QDateTime::fromString(text, Qt::ISODateWithMs);
    if (!time.isValid()) {
        *error = QStringLiteral("%1: '%2' is not an ISO 8601 time (e.g. 2026-12-04T10:15:00)")
                     .arg(key, text.left(64));
        return false;
    }
    *ms = time.toMSecsSinceEpoch();
    return true;
}

/// Pumps part of a file to a socket as the socket drains: a clip is never read into memory
/// whole. Owned by the socket, so it goes when the browser does.
class FileSender : public QObject {
public:
    FileSender(QTcpSocket *socket, std::unique_ptr<QFile> file, qint64 length)
        : QObject(socket), socket_(socket), file_(std::move(file)), remaining_(length)
    {
        connect(socket, &QTcpSocket::bytesWritten, this, &FileSender::pump);
        pump();
    }

private:
    void pump()
    {
        constexpr qint64 kChunk = 256 * 1024;
        while (remaining_ > 0 && socket_->bytesToWrite() < 4 * kChunk) {
            const QByteArray chunk = file_->read(std::min(kChunk, remaining_));
            if (chunk.isEmpty())
                break;
            socket_->write(chunk);
            remaining_ -= chunk.size();
        }
        if (remaining_ <= 0 || file_->atEnd())
            deleteLater();
    }

    QTcpSocket *socket_;
    std::unique_ptr<QFile> file_;
    qint64 remaining_;
};

/// Answers with @p path, or the part a `Range: bytes=A-B` asks for (206), so a <video>
/// can seek in a finished clip.
void sendFile(QHttpServerResponder &responder, const QString &path, const QByteArray &type,
              const QByteArray &range, const QByteArray &disposition)
{
    auto file = std::make_unique<QFile>(path);
    if (!file->open(QIODevice::ReadOnly)) {
        responder.write(QJsonDocument(failure(QStringLiteral("cannot read the clip"))),
                        Status::InternalServerError);
        return;
    }
    const qint64 size = file->size();
    qint64 first = 0, last = size - 1;
    bool partial = false;
    if (range.startsWith("bytes=") && !range.contains(',')) {
        const QList<QByteArray> ends = range.mid(6).split('-');
        bool okFirst = false, okLast = false;
        const qint64 a = ends.value(0).toLongLong(&okFirst);
        const qint64 b = ends.value(1).toLongLong(&okLast);
        if (okFirst && a < size) {
            first = a;
            last = okLast ? std::min(b, size - 1) : size - 1;
            partial = last >= first;
        } else if (!okFirst && okLast && b > 0) { // suffix: the last b bytes
            first = std::max<qint64>(0, size - b);
            partial = true;
        } else {
            responder.writeStatusLine(Status::RequestRangeNotSatisfiable);
            responder.writeHeader("Content-Range", "bytes */" + QByteArray::number(size));
            responder.writeHeader("Content-Length", "0");
            responder.writeBody(QByteArray());
            return;
        }
    }
    if (!partial)
        first = 0, last = size - 1;
    const qint64 length = size == 0 ? 0 : last - first + 1;
    responder.writeStatusLine(partial ? Status::PartialContent : Status::Ok);
    responder.writeHeader("Content-Type", type);
    responder.writeHeader("Accept-Ranges", "bytes");
    responder.writeHeader("Content-Length", QByteArray::number(length));
    if (partial)
        responder.writeHeader(
            "Content-Range",
            QStringLiteral("bytes %1-%2/%3").arg(first).arg(last).arg(size).toLatin1());
    if (!disposition.isEmpty())
        responder.writeHeader("Content-Disposition", disposition);
    responder.writeBody(QByteArray()); // ends the headers
    file->seek(first);
    new FileSender(responder.socket(), std::move(file), length);
}

/// The responder of a request answered later (a media program runs meanwhile). The browser
/// may be gone by then: its socket is watched, and nothing is written to a closed one.
struct Pending {
    explicit Pending(QHttpServerResponder &&r) : responder(std::move(r)), socket(responder.socket())
    {
    }
    bool alive() const { return socket && socket->state() == QAbstractSocket::ConnectedState; }
    QHttpServerResponder responder;
    QPointer<QTcpSocket> socket;
};

QByteArray staticFile(const QString &name)
{
    QFile file(QStringLiteral(":/web/") + name);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

} // namespace

WebService::WebService(Supervisor &supervisor, WebAccess &access, QObject *parent)
    : QObject(parent), supervisor_(supervisor), access_(access),
      live_(std::make_unique<LiveViewers>(supervisor, supervisor.config().workerPath))
{
}

WebService::~WebService() = default;

QString WebService::programPath(const QString &name) const
{
    return WorkerCommandBuilder({}, supervisor_.config().workerPath).findExecutable(name);
}

QString WebService::clipCacheDir() const
{
    const QString dir = supervisor_.config().runtimeDir + QStringLiteral("/clips");
    QDir().mkpath(dir);
    return dir;
}

void WebService::addRoutes(QHttpServer &server)
{
    using Method = QHttpServerRequest::Method;

    // The page itself. Without access it still loads (status 401) and shows its login form.
    server.route(QStringLiteral("/"), Method::Get, [this](const QHttpServerRequest &r) {
        QHttpServerResponse response("text/html; charset=utf-8",
                                     staticFile(QStringLiteral("index.html")),
                                     access_.allows(r) ? Status::Ok : Status::Unauthorized);
        response.setHeader(
            "Content-Security-Policy",
            "default-src 'self'; media-src 'self' blob:; img-src 'self' blob: data:; "
            "connect-src 'self' ws: wss:; frame-ancestors 'none'");
        response.setHeader("Cache-Control", "no-store");
        return response;
    });
    server.route(QStringLiteral("/static/<arg>"), Method::Get, [](const QString &name) {
        static const QHash<QString, QByteArray> types{
            {QStringLiteral("app.js"), "text/javascript; charset=utf-8"},
            {QStringLiteral("style.css"), "text/css; charset=utf-8"}};
        if (!types.contains(name))
            return refusal(Status::NotFound, QStringLiteral("no file '%1'").arg(name.left(64)));
        return QHttpServerResponse(types.value(name), staticFile(name));
    });

    server.route(QStringLiteral("/api/session"), Method::Post, [this](const QHttpServerRequest &r) {
        const QJsonDocument doc = QJsonDocument::fromJson(r.body());
        const QString token = doc.object().value(QStringLiteral("token")).toString();
        if (!doc.isObject() || token.isEmpty())
            return refusal(Status::BadRequest, QStringLiteral("body must be {\"token\": \"...\"}"));
        const QByteArray cookie = access_.openSession(token);
        if (cookie.isEmpty())
            return refusal(Status::Unauthorized, QStringLiteral("wrong token"));
        QHttpServerResponse response(QJsonObject{{QStringLiteral("ok"), true}});
        response.setHeader("Set-Cookie", cookie);
        return response;
    });
    server.route(QStringLiteral("/api/session"), Method::Delete,
                 [this](const QHttpServerRequest &r) {
                     QHttpServerResponse response(QJsonObject{{QStringLiteral("ok"), true}});
                     response.setHeader("Set-Cookie", access_.closeSession(r.value("Cookie")));
                     return response;
                 });

    // Qt hands a WebSocket upgrade to newWebSocketConnection only when a route takes its path:
    // these answer nothing to an upgrade (the socket is handed on, acceptWebSocket() decides)
    // and 400 to a plain GET.
    for (const QString &path : {QStringLiteral("/api/live"), QStringLiteral("/api/events/live")})
        server.route(
            path, Method::Get, [](const QHttpServerRequest &r, QHttpServerResponder &&responder) {
                if (r.value("Upgrade").compare("websocket", Qt::CaseInsensitive) != 0)
                    responder.write(QJsonDocument(failure(QStringLiteral(
                                        "a WebSocket endpoint: open it with new WebSocket(...)"))),
                                    Status::BadRequest);
            });

    server.route(
        QStringLiteral("/api/recordings"), Method::Get, [this](const QHttpServerRequest &r) {
            QString camera;
            if (auto no = cameraRefusal(access_, supervisor_.config(), r, &camera))
                return refusal(no->status, no->message);
            const QUrlQuery query = r.query();
            qint64 from = 0, to = 0;
            QString error;
            if (!parseTime(query, QStringLiteral("from"), &from, &error) ||
                !parseTime(query, QStringLiteral("to"), &to, &error))
                return refusal(Status::BadRequest, error);
            if (to <= from)
                return refusal(Status::BadRequest, QStringLiteral("to must be after from"));
            if (to - from > qint64(kMaxListDays) * 86400000)
                return refusal(Status::BadRequest,
                               QStringLiteral("span over %1 days: ask for less").arg(kMaxListDays));
            QJsonArray events;
            for (const QJsonValue &v : supervisor_.events().since(0, 100000)) {
                const QJsonObject e = v.toObject();
                const qint64 at = QDateTime::fromString(e.value(QStringLiteral("time")).toString(),
                                                        Qt::ISODateWithMs)
                                      .toMSecsSinceEpoch();
                const QString eventCamera = e.value(QStringLiteral("camera")).toString();
                const bool ofCamera = eventCamera == camera ||
                                      supervisor_.workerCamera(
                                          e.value(QStringLiteral("source")).toString()) == camera;
                if (ofCamera && at >= from && at < to)
                    events.append(e);
            }
            return QHttpServerResponse(QJsonObject{
                {QStringLiteral("ok"), true},
                {QStringLiteral("camera"), camera},
                {QStringLiteral("segments"),
                 RecordingsIndex::segments(supervisor_.recordingDirs(camera), from, to)},
                {QStringLiteral("events"), events}});
        });

    server.route(
        QStringLiteral("/api/clip"), Method::Get,
        [this](const QHttpServerRequest &r, QHttpServerResponder &&responder) {
            QString camera;
            if (auto no = cameraRefusal(access_, supervisor_.config(), r, &camera)) {
                responder.write(QJsonDocument(failure(no->message)), no->status);
                return;
            }
            const QUrlQuery query = r.query();
            qint64 from = 0, to = 0;
            QString error;
            if (!parseTime(query, QStringLiteral("from"), &from, &error) ||
                !parseTime(query, QStringLiteral("to"), &to, &error) ||
                (to <= from && (error = QStringLiteral("to must be after from"), true)) ||
                (to - from > qint64(kMaxClipSeconds) * 1000 &&
                 (error =
                      QStringLiteral("span over %1 s: ask for a shorter clip").arg(kMaxClipSeconds),
                  true))) {
                responder.write(QJsonDocument(failure(error)), Status::BadRequest);
                return;
            }
            const QStringList dirs = supervisor_.recordingDirs(camera);
            if (dirs.isEmpty()) {
                responder.write(QJsonDocument(failure(
                                    QStringLiteral("camera '%1' has no recorder").arg(camera))),
                                Status::NotFound);
                return;
            }
            const QByteArray disposition =
                query.hasQueryItem(QStringLiteral("download"))
                    ? QStringLiteral("attachment; filename=\"%1_%2.mp4\"")
                          .arg(camera, QDateTime::fromMSecsSinceEpoch(from).toString(
                                           QStringLiteral("yyyyMMdd-HHmmss")))
                          .toLatin1()
                    : QByteArray();
            const QByteArray range = r.value("Range");
            // A finished clip is kept (the last few) so a <video>'s Range requests do not cut it
            // again.
            const QString key = QString::fromLatin1(
                QCryptographicHash::hash(
                    QStringLiteral("%1|%2|%3").arg(camera).arg(from).arg(to).toUtf8(),
                    QCryptographicHash::Sha1)
                    .toHex()
                    .left(16));
            const QString path = clipCacheDir() + u'/' + key + QStringLiteral(".mp4");
            if (QFileInfo::exists(path)) {
                sendFile(responder, path, "video/mp4", range, disposition);
                return;
            }
            const QString program = programPath(QStringLiteral("zerotee-clip"));
            auto pending = std::make_shared<Pending>(std::move(responder));
            const QString partial = path + QStringLiteral(".part");
            MediaJob::start(
                program,
                {QStringLiteral("--dir"), dirs.first(), QStringLiteral("--from"),
                 QString::number(from), QStringLiteral("--to"), QString::number(to),
                 QStringLiteral("--out"), partial},
                kClipTimeoutMs,
                [this, pending, path, partial, range, disposition](const MediaJob::Outcome &o) {
                    if (!o.ok) {
                        QFile::remove(partial);
                        if (pending->alive())
                            pending->responder.write(
                                QJsonDocument(failure(o.error)),
                                o.error.contains(QLatin1String("no recording")) ||
                                        o.error.contains(QLatin1String("no frame"))
                                    ? Status::NotFound
                                    : Status::InternalServerError);
                        return;
                    }
                    QFile::rename(partial, path);
                    QDir cache(clipCacheDir());
                    const QFileInfoList clips =
                        cache.entryInfoList({QStringLiteral("*.mp4")}, QDir::Files, QDir::Time);
                    for (qsizetype i = kCachedClips; i < clips.size(); ++i)
                        QFile::remove(clips[i].filePath());
                    if (pending->alive())
                        sendFile(pending->responder, path, "video/mp4", range, disposition);
                });
        });

    server.route(
        QStringLiteral("/api/snapshot"), Method::Get,
        [this](const QHttpServerRequest &r, QHttpServerResponder &&responder) {
            QString camera;
            if (auto no = cameraRefusal(access_, supervisor_.config(), r, &camera)) {
                responder.write(QJsonDocument(failure(no->message)), no->status);
                return;
            }
            auto pending = std::make_shared<Pending>(std::move(responder));
            MediaJob::start(
                programPath(QStringLiteral("zerotee-snapshot")),
                {QStringLiteral("--socket"), supervisor_.config().busSocketPath(camera)},
                kSnapshotTimeoutMs, [pending](const MediaJob::Outcome &o) {
                    if (!pending->alive())
                        return;
                    if (!o.ok || o.output.isEmpty())
                        pending->responder.write(
                            QJsonDocument(failure(o.ok ? QStringLiteral("no frame") : o.error)),
                            Status::ServiceUnavailable);
                    else
                        pending->responder.write(o.output, "image/jpeg");
                });
        });
}

void WebService::acceptWebSocket(std::unique_ptr<QWebSocket> socket)
{
    const QUrl url = socket->requestUrl();
    const QUrlQuery query(url);
    auto refuse = [&socket](QWebSocketProtocol::CloseCode code, const QString &reason) {
        refuseWebSocket(std::move(socket), code, reason);
    };
    if (!access_.allows(socket->request())) {
        refuse(QWebSocketProtocol::CloseCodePolicyViolated, kLoginFirst);
        return;
    }
    // A page of another site must not open a socket with this device's cookie.
    const QUrl origin(socket->origin());
    if (!socket->origin().isEmpty() && origin.host() != url.host()) {
        refuse(QWebSocketProtocol::CloseCodePolicyViolated,
               QStringLiteral("origin '%1' is not this server").arg(socket->origin().left(64)));
        return;
    }
    if (url.path() == QLatin1String("/api/live")) {
        live_->accept(std::move(socket), query.queryItemValue(QStringLiteral("camera")),
                      query.hasQueryItem(QStringLiteral("stream"))
                          ? query.queryItemValue(QStringLiteral("stream"))
                          : QStringLiteral("main"));
    } else if (url.path() == QLatin1String("/api/events/live")) {
        QWebSocket *events = socket.release();
        connect(&supervisor_.events(), &EventLog::eventAdded, events,
                [events](const QJsonObject &e) {
                    events->sendTextMessage(
                        QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact)));
                });
        connect(events, &QWebSocket::disconnected, events, &QObject::deleteLater);
    } else {
        refuse(QWebSocketProtocol::CloseCodeProtocolError,
               QStringLiteral("no WebSocket at '%1' (/api/live, /api/events/live)")
                   .arg(url.path().left(64)));
    }
}

} // namespace zerotee
