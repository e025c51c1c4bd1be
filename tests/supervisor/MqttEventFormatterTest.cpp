// The MQTT bridge's topics and payloads (docs/mqtt.md) and its [mqtt] settings, without a
// broker; tests/system/mqtt_test.py runs the bridge against a real mosquitto.
#include "MqttEventFormatter.h"
#include "CommandLine.h"
#include "SupervisorConfig.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace zerotee;

class MqttEventFormatterTest : public QObject {
    Q_OBJECT

    MqttConfig config() const
    {
        MqttConfig c;
        c.host = QStringLiteral("broker");
        c.device = QStringLiteral("dev1");
        return c;
    }
    static QString cameraOf(const QString &worker)
    {
        return worker == QStringLiteral("ai") || worker == QStringLiteral("rec")
                   ? QStringLiteral("front.door")
                   : QString();
    }
    static QJsonObject payload(const MqttMessage &m)
    {
        return QJsonDocument::fromJson(m.payload).object();
    }

private slots:
    void detectionTopicAndFields()
    {
        MqttEventFormatter f(config(), QStringLiteral("1.0"), cameraOf);
        const QList<MqttMessage> out = f.fromEvent({{"id", 7},
                                                    {"time", "2026-12-03T10:00:00.000Z"},
                                                    {"type", "detection"},
                                                    {"source", "ai"},
                                                    {"label", "person"},
                                                    {"score", 0.9},
                                                    {"box", QJsonArray{0.1, 0.2, 0.3, 0.4}},
                                                    {"pts_ns", 1000},
                                                    {"event_id", 3}});
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].topic, QByteArray("zerotee/dev1/front.door/detection"));
        QVERIFY(!out[0].retain);
        const QJsonObject p = payload(out[0]);
        QCOMPARE(p["camera"].toString(), QStringLiteral("front.door"));
        QCOMPARE(p["label"].toString(), QStringLiteral("person"));
        QCOMPARE(p["box"].toArray().size(), 4);
        QCOMPARE(p["event_id"].toInt(), 3);
        QVERIFY(p["captured"].toString().endsWith(u'Z'));
    }

    void detectedFollowsOpenEvents()
    {
        MqttEventFormatter f(config(), QStringLiteral("1.0"), cameraOf);
        auto event = [](const char *state, int id) {
            return QJsonObject{{"type", "event"},
                               {"source", "ai"},
                               {"label", "cat"},
                               {"state", state},
                               {"event_id", id}};
        };
        QList<MqttMessage> out = f.fromEvent(event("start", 1));
        QCOMPARE(out.size(), 2);
        QCOMPARE(out[0].topic, QByteArray("zerotee/dev1/front.door/event"));
        QCOMPARE(out[1].topic, QByteArray("zerotee/dev1/front.door/detected"));
        QCOMPARE(out[1].payload, QByteArray("ON"));
        QVERIFY(out[1].retain);
        QCOMPARE(f.fromEvent(event("start", 2)).size(), 1); // still ON: no new state
        QCOMPARE(f.fromEvent(event("end", 1)).size(), 1);
        out = f.fromEvent(event("end", 2));
        QCOMPARE(out.size(), 2);
        QCOMPARE(out[1].payload, QByteArray("OFF"));
        // A worker that crashes with an event open turns it OFF.
        f.fromEvent(event("start", 5));
        out = f.fromEvent({{"type", "worker"}, {"source", "ai"}, {"state", "crashed"}});
        QCOMPARE(out.size(), 2);
        QCOMPARE(out[0].topic, QByteArray("zerotee/dev1/workers/ai/state"));
        QVERIFY(out[0].retain);
        QCOMPARE(out[1].payload, QByteArray("OFF"));
    }

    void recordingAndOthers()
    {
        MqttEventFormatter f(config(), QStringLiteral("1.0"), cameraOf);
        QList<MqttMessage> out = f.fromEvent({{"type", "event"},
                                              {"source", "rec"},
                                              {"label", "segment-closed"},
                                              {"file", "/r/a.mkv"}});
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].topic, QByteArray("zerotee/dev1/front.door/recording"));
        QCOMPARE(payload(out[0])["state"].toString(), QStringLiteral("finished"));
        QCOMPARE(payload(out[0])["path"].toString(), QStringLiteral("/r/a.mkv"));
        out = f.fromEvent({{"type", "trigger"}, {"source", "control"}, {"message", "door"}});
        QCOMPARE(out.size(), 1);
        QCOMPARE(out[0].topic, QByteArray("zerotee/dev1/event"));
        QVERIFY(f.fromEvent({{"type", "mqtt"}, {"source", "mqtt"}}).isEmpty());
    }

    void discovery()
    {
        MqttEventFormatter f(config(), QStringLiteral("1.0"), cameraOf);
        const QList<MqttMessage> out = f.initialMessages({QStringLiteral("front.door")});
        QCOMPARE(out.size(), 4);
        QCOMPARE(out[0].topic, QByteArray("zerotee/dev1/availability"));
        QCOMPARE(out[0].payload, QByteArray("online"));
        QCOMPARE(
            out[1].topic,
            QByteArray("homeassistant/binary_sensor/zerotee_dev1/front_door_detection/config"));
        QCOMPARE(payload(out[1])["state_topic"].toString(),
                 QStringLiteral("zerotee/dev1/front.door/detected"));
        QCOMPARE(out[2].topic, QByteArray("homeassistant/sensor/zerotee_dev1/"
                                          "front_door_last_detection/config"));
        for (const MqttMessage &m : out)
            QVERIFY(m.retain);
        MqttConfig quiet = config();
        quiet.discovery = false;
        QCOMPARE(MqttEventFormatter(quiet, {}, cameraOf).initialMessages({"cam0"}).size(), 2);
    }

    void configErrorsNameTheKey_data()
    {
        QTest::addColumn<QString>("toml");
        QTest::addColumn<QString>("error");
        QTest::newRow("qos") << "qos = 3"
                             << "mqtt.qos: 3 is out of range 0..2";
        QTest::newRow("unknown") << "hots = \"x\""
                                 << "mqtt.hots: unknown key";
        QTest::newRow("prefix") << "topic_prefix = \"a/#\""
                                << "mqtt.topic_prefix:";
        QTest::newRow("device") << "device = \"a b\""
                                << "mqtt.device:";
        QTest::newRow("password") << "password = \"p\""
                                  << "mqtt.password: needs mqtt.username";
        QTest::newRow("cert") << "ca_file = \"/etc/hostname\"\ncert_file = \"/etc/hostname\""
                              << "mqtt.key_file:";
        QTest::newRow("ca") << "ca_file = \"/nonexistent/ca.crt\""
                            << "mqtt.ca_file:";
        QTest::newRow("backoff") << "reconnect_min = 10\nreconnect_max = 5"
                                 << "mqtt.reconnect_min:";
        QTest::newRow("host") << "host = \"a b\""
                              << "mqtt.host:";
        QTest::newRow("type") << "port = \"1883\""
                              << "mqtt.port: must be an integer";
    }
    void configErrorsNameTheKey()
    {
        QFETCH(QString, toml);
        QFETCH(QString, error);
        SupervisorConfig c;
        const ConfigErrors errors =
            parseConfig(QStringLiteral("[mqtt]\n") + toml + u'\n', QStringLiteral("t"), &c);
        QVERIFY2(!errors.ok() && errors.errors.join(u'\n').contains(error),
                 qPrintable(errors.errors.join(u'\n')));
    }

    void configAndFlag()
    {
        SupervisorConfig c;
        QVERIFY(parseConfig(QStringLiteral("[mqtt]\nhost = \"10.0.0.2\"\nqos = 0\n"),
                            QStringLiteral("t"), &c)
                    .ok());
        QVERIFY(c.mqtt.active());
        QCOMPARE(c.mqtt.port, 1883);
        QCOMPARE(c.mqtt.qos, 0);
        QVERIFY(SupervisorConfig::knownKeys().contains(QStringLiteral("mqtt.queue_size")));

        CommandLine cl = parseCommandLine({"zerotee", "--headless", "--mqtt", "[::1]:8883"});
        QVERIFY2(!cl.exitNow, qPrintable(cl.message));
        QCOMPARE(cl.config.mqtt.host, QStringLiteral("::1"));
        QCOMPARE(cl.config.mqtt.port, 8883);
        cl = parseCommandLine({"zerotee", "--mqtt", "host:99999"});
        QVERIFY(cl.exitNow && cl.exitCode == 2 && cl.message.contains(QStringLiteral("--mqtt")));
        cl = parseCommandLine({"zerotee", "--mqtt", "a b"});
        QVERIFY(cl.exitNow && cl.message.contains(QStringLiteral("HOST or HOST:PORT")));
    }
};

QTEST_GUILESS_MAIN(MqttEventFormatterTest)
#include "MqttEventFormatterTest.moc"
