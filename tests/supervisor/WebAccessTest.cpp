// Who may use the HTTP server (WebAccess): bearer token, session cookies, logout, no token.
#include "WebAccess.h"

#include <QNetworkRequest>
#include <QTest>

using namespace zerotee;

class WebAccessTest : public QObject {
    Q_OBJECT

    static QNetworkRequest withHeader(const QByteArray &name, const QByteArray &value)
    {
        QNetworkRequest request;
        request.setRawHeader(name, value);
        return request;
    }

private slots:
    void withoutATokenEveryoneMayUseIt()
    {
        WebAccess access(QString(), false);
        QVERIFY(!access.tokenRequired());
        QVERIFY(access.allows(QNetworkRequest()));
        QVERIFY(access.openSession(QStringLiteral("anything")).isEmpty()); // nothing to trade
    }

    void theBearerTokenAndOnlyItPasses()
    {
        WebAccess access(QStringLiteral("s3cret"), false);
        QVERIFY(!access.allows(QNetworkRequest()));
        QVERIFY(access.allows(withHeader("Authorization", "Bearer s3cret")));
        QVERIFY(!access.allows(withHeader("Authorization", "Bearer s3cre")));
        QVERIFY(!access.allows(withHeader("Authorization", "Bearer s3cretX")));
        QVERIFY(!access.allows(withHeader("Authorization", "s3cret")));
    }

    void aSessionCookieIsTradedForTheTokenAndEndsAtLogout()
    {
        WebAccess access(QStringLiteral("s3cret"), true);
        QVERIFY(access.openSession(QStringLiteral("wrong")).isEmpty());
        const QByteArray setCookie = access.openSession(QStringLiteral("s3cret"));
        QVERIFY(setCookie.startsWith("zerotee_session="));
        for (const char *attribute : {"HttpOnly", "SameSite=Strict", "Secure", "Path=/"})
            QVERIFY2(setCookie.contains(attribute), attribute);
        const QByteArray cookie = setCookie.split(';').first();
        QVERIFY(access.allows(withHeader("Cookie", "theme=dark; " + cookie + "; x=1")));
        QVERIFY(!access.allows(withHeader("Cookie", cookie + "0")));
        QVERIFY(!access.allows(withHeader("Cookie", "zerotee_session=")));
        access.closeSession("a=b; " + cookie);
        QVERIFY(!access.allows(withHeader("Cookie", cookie)));
    }

    void overPlainHttpTheCookieIsNotMarkedSecure()
    {
        WebAccess access(QStringLiteral("t"), false);
        QVERIFY(!access.openSession(QStringLiteral("t")).contains("Secure"));
    }

    void sixtyFiveBrowsersKeepTheNewestSixtyFour()
    {
        WebAccess access(QStringLiteral("t"), false);
        const QByteArray first = access.openSession(QStringLiteral("t")).split(';').first();
        QTest::qWait(5); // a later expiry for every later session
        QByteArray last;
        for (int i = 0; i < 64; ++i)
            last = access.openSession(QStringLiteral("t")).split(';').first();
        QVERIFY(!access.allows(withHeader("Cookie", first)));
        QVERIFY(access.allows(withHeader("Cookie", last)));
    }
};

QTEST_GUILESS_MAIN(WebAccessTest)
#include "WebAccessTest.moc"
