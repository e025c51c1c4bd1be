#include "WebAccess.h"

#include <QHttpServerRequest>
#include <QNetworkRequest>
#include <QRandomGenerator>

namespace zerotee {

namespace {

constexpr int kSessionHours = 12;
constexpr int kMaxSessions = 64; // the oldest goes when a 65th browser logs in

} // namespace

bool WebAccess::tokenMatches(const QByteArray &candidate) const
{
    const QByteArray token = token_.toUtf8();
    if (token.isEmpty())
        return false; // no token configured: nothing to trade for a session
    // Same time whatever prefix matches: the comparison does not leak the token.
    unsigned char diff = candidate.size() == token.size() ? 0 : 1;
    for (qsizetype i = 0; i < candidate.size(); ++i)
        diff |= uchar(candidate[i]) ^ uchar(token[i % token.size()]);
    return diff == 0;
}

QByteArray WebAccess::sessionOf(const QByteArray &cookieHeader)
{
    for (QByteArray part : cookieHeader.split(';')) {
        part = part.trimmed();
        const QByteArray prefix = QByteArray(kCookieName) + '=';
        if (part.startsWith(prefix))
            return part.mid(prefix.size());
    }
    return {};
}

bool WebAccess::allowsHeaders(const QByteArray &authorization, const QByteArray &cookie) const
{
    if (token_.isEmpty())
        return true;
    if (authorization.startsWith("Bearer ") && tokenMatches(authorization.mid(7)))
        return true;
    const QByteArray session = sessionOf(cookie);
    if (session.isEmpty())
        return false;
    const auto it = sessions_.constFind(session);
    return it != sessions_.constEnd() && it.value() > QDateTime::currentDateTimeUtc();
}

bool WebAccess::allows(const QHttpServerRequest &request) const
{
    return allowsHeaders(request.value("Authorization"), request.value("Cookie"));
}

bool WebAccess::allows(const QNetworkRequest &request) const
{
    return allowsHeaders(request.rawHeader("Authorization"), request.rawHeader("Cookie"));
}

QByteArray WebAccess::openSession(const QString &token)
{
    if (!tokenMatches(token.toUtf8()))
        return {};
    const QDateTime now = QDateTime::currentDateTimeUtc();
    for (auto it = sessions_.begin(); it != sessions_.end();)
        it = it.value() <= now ? sessions_.erase(it) : std::next(it);
    if (sessions_.size() >= kMaxSessions) {
        auto oldest = std::min_element(sessions_.begin(), sessions_.end());
        sessions_.erase(oldest);
    }
    quint32 words[8];
    QRandomGenerator::system()->generate(std::begin(words), std::end(words));
    const QByteArray id = QByteArray(reinterpret_cast<const char *>(words), sizeof words).toHex();
    sessions_.insert(id, now.addSecs(kSessionHours * 3600));
    return QByteArray(kCookieName) + '=' + id + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
           QByteArray::number(kSessionHours * 3600) + (secure_ ? "; Secure" : "");
}

QByteArray WebAccess::closeSession(const QByteArray &cookieHeader)
{
    sessions_.remove(sessionOf(cookieHeader));
    return QByteArray(kCookieName) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
}

} // namespace zerotee
