#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QString>

class QHttpServerRequest;
class QNetworkRequest;

namespace zerotee {

/// Who may use the HTTP server. Without a configured token everyone may (the server is then on
/// loopback: SupervisorConfig refuses anything else). With a token, a request carries it as
/// `Authorization: Bearer TOKEN` (scripts), or carries the session cookie a browser got for it
/// from POST /api/session: browsers cannot put a header on <video>, EventSource or WebSocket
/// requests. The cookie is HttpOnly and SameSite=Strict (Secure over HTTPS), so page scripts
/// and other sites cannot use it (docs/web.md).
///
/// Thread context: thread-bound to the main thread.
class WebAccess {
public:
    static constexpr const char *kCookieName = "zerotee_session";

    WebAccess(QString token, bool secure) : token_(std::move(token)), secure_(secure) {}

    bool tokenRequired() const { return !token_.isEmpty(); }
    bool allows(const QHttpServerRequest &request) const;
    /// The same for a WebSocket's opening request.
    bool allows(const QNetworkRequest &request) const;
    /// A new session for @p token: the Set-Cookie value, or empty when the token is wrong.
    QByteArray openSession(const QString &token);
    /// The Set-Cookie value that ends the session of @p cookieHeader.
    QByteArray closeSession(const QByteArray &cookieHeader);

private:
    bool allowsHeaders(const QByteArray &authorization, const QByteArray &cookie) const;
    static QByteArray sessionOf(const QByteArray &cookieHeader);
    bool tokenMatches(const QByteArray &candidate) const;

    QString token_;
    bool secure_;
    QHash<QByteArray, QDateTime> sessions_; // id → expiry
};

} // namespace zerotee
