// MqttBridge against a real mosquitto, in-process, so ThreadSanitizer (scripts/sanitize.sh tsan
// runs the supervisor-* tests) sees the main thread queueing while the bridge's thread sends:
// the bound and drop-oldest while the broker is away, delivery and counters after it comes.
#include "MqttBridge.h"
#include "EventLog.h"

#include <QDir>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QProcess>
#include <QStandardPaths>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>
#include <cstdio>

using namespace zerotee;

namespace {

QString broker()
{
    return QStandardPaths::findExecutable(
        QStringLiteral("mosquitto"), {QStringLiteral("/usr/sbin"), QStringLiteral("/usr/bin")});
}

quint16 freePort()
{
    QTcpServer server;
    server.listen(QHostAddress::LocalHost);
    return server.serverPort();
}

template <typename F> bool waitFor(F predicate, int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (!predicate() && timer.elapsed() < ms)
        QTest::qWait(10);
    return predicate();
}

} // namespace

class MqttBridgeTest : public QObject {
    Q_OBJECT

private slots:
    void queuesWhileAwayThenDelivers()
    {
        QTemporaryDir dir;
        const quint16 port = freePort();
        QFile conf(dir.filePath(QStringLiteral("m.conf")));
        QVERIFY(conf.open(QIODevice::WriteOnly));
        conf.write(QStringLiteral("listener %1 127.0.0.1\nallow_anonymous true\n%2")
                       .arg(port)
                       .arg(geteuid() == 0 ? QStringLiteral("user root\n") : QString())
                       .toUtf8());
        conf.close();

        MqttConfig config;
        config.host = QStringLiteral("127.0.0.1");
        config.port = port;
        config.device = QStringLiteral("unit");
        config.queueSize = 5;
        config.reconnectMinSeconds = config.reconnectMaxSeconds = 1;
        EventLog events;
        MqttBridge bridge(
            config, events, [](const QString &) { return QString(); }, {QStringLiteral("cam0")},
            QStringLiteral("test"));
        bridge.start();
        // No broker yet: 8 events, 5 kept (the newest), 3 dropped; the main thread never waits.
        QElapsedTimer appending;
        appending.start();
        for (int i = 1; i <= 8; ++i)
            events.append(QStringLiteral("trigger"), QStringLiteral("control"),
                          QStringLiteral("e%1").arg(i));
        QVERIFY(appending.elapsed() < 100);
        QJsonObject s = bridge.snapshot();
        QCOMPARE(s[QStringLiteral("queued")].toInt(), 5);
        QCOMPARE(s[QStringLiteral("dropped")].toInt(), 3);
        QVERIFY(waitFor(
            [&] { return bridge.snapshot()[QStringLiteral("connect_failures")].toInt() > 0; },
            5000));

        QProcess mosquitto;
        mosquitto.start(broker(), {QStringLiteral("-c"), conf.fileName()});
        QVERIFY(mosquitto.waitForStarted());
        QProcess sub;
        QVERIFY(waitFor(
            [&] {
                QTcpSocket probe;
                probe.connectToHost(QHostAddress::LocalHost, port);
                return probe.waitForConnected(100);
            },
            5000));
        sub.start(QStringLiteral("mosquitto_sub"),
                  {QStringLiteral("-p"), QString::number(port), QStringLiteral("-t"),
                   QStringLiteral("zerotee/unit/event"), QStringLiteral("-C"), QStringLiteral("5"),
                   QStringLiteral("-q"), QStringLiteral("1")});
        QVERIFY(sub.waitForStarted());
        QVERIFY(
            waitFor([&] { return bridge.snapshot()[QStringLiteral("connected")].toBool(); }, 5000));
        QVERIFY(sub.waitForFinished(5000));
        QStringList got;
        for (const QByteArray &line : sub.readAllStandardOutput().split('\n'))
            if (!line.isEmpty())
                got << QJsonDocument::fromJson(line).object()[QStringLiteral("message")].toString();
        QCOMPARE(got, (QStringList{"e4", "e5", "e6", "e7", "e8"}));
        // The broker's acknowledgements may come after the subscriber has its messages.
        QVERIFY(waitFor(
            [&] {
                s = bridge.snapshot();
                return s[QStringLiteral("queued")].toInt() == 0 &&
                       s[QStringLiteral("in_flight")].toInt() == 0;
            },
            5000));
        // 5 events and the retained states: availability, 2 discovery configs, detected.
        QCOMPARE(s[QStringLiteral("published")].toInt(), 9);
        bridge.stop();
        QCOMPARE(bridge.snapshot()[QStringLiteral("state")].toString(), QStringLiteral("stopped"));
        mosquitto.kill();
        mosquitto.waitForFinished();
    }
};

int main(int argc, char **argv)
{
    if (broker().isEmpty() ||
        QStandardPaths::findExecutable(QStringLiteral("mosquitto_sub")).isEmpty()) {
        std::puts("SKIP: mosquitto is not installed (scripts/deps.sh)");
        return 77;
    }
    QCoreApplication app(argc, argv);
    MqttBridgeTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "MqttBridgeTest.moc"
