// Command-line rules of zerotee-rtsp and the pipelines they turn into.
#include "RtspOptions.h"
#include "MountPipeline.h"

#include <QTemporaryFile>
#include <QtTest>

using zerotee::ElementChoice;
using zerotee::MountConfig;
using zerotee::MountPipeline;
using zerotee::RtspOptions;

class RtspOptionsTest : public QObject {
    Q_OBJECT

    static RtspOptions::Outcome parse(QStringList args, RtspOptions *options, QString *message)
    {
        args.prepend(QStringLiteral("zerotee-rtsp"));
        return RtspOptions::parse(args, options, message);
    }

private Q_SLOTS:
    void defaults()
    {
        RtspOptions o;
        QString message;
        QCOMPARE(parse({"--socket", "/tmp/s"}, &o, &message), RtspOptions::Outcome::Run);
        QCOMPARE(o.port, 8554);
        QCOMPARE(o.bindAddress, QStringLiteral("0.0.0.0"));
        QCOMPARE(o.mounts.size(), 1);
        QCOMPARE(o.mounts[0].path, QStringLiteral("/live"));
        QVERIFY(!o.mounts[0].scales());
        QCOMPARE(o.auth, RtspOptions::Auth::None);
        QVERIFY(o.keyframeOnJoin);
    }

    void supervisorCommandLine()
    {
        RtspOptions o;
        QString message;
        QCOMPARE(
            parse({"--socket", "/run/x.sock", "--port", "9000", "--mount", "/cam"}, &o, &message),
            RtspOptions::Outcome::Run);
        QCOMPARE(o.port, 9000);
        QCOMPARE(o.mounts[0].path, QStringLiteral("/cam"));
    }

    void mountProfiles()
    {
        RtspOptions o;
        QString message;
        QCOMPARE(parse({"--socket", "s", "--size", "1280x720", "--mount-profile", "/sub:640x360@10",
                        "--config-mount", "/low:@5,bitrate=300,gop=10"},
                       &o, &message),
                 RtspOptions::Outcome::Run);
        QCOMPARE(o.mounts.size(), 3);
        QCOMPARE(o.mounts[1].width, 640);
        QCOMPARE(o.mounts[1].fps, 10);
        QVERIFY(!o.mounts[2].scales());
        QCOMPARE(o.mounts[2].fps, 5);
        QCOMPARE(o.mounts[2].bitrateKbps, 300);
        QCOMPARE(o.mounts[2].gop, 10);
    }

    void rejects_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no socket") << QStringList{} << "--socket";
        QTest::newRow("port") << QStringList{"--socket", "s", "--port", "70000"} << "--port";
        QTest::newRow("bind") << QStringList{"--socket", "s", "--bind", "host"} << "--bind";
        QTest::newRow("size odd") << QStringList{"--socket", "s", "--size", "641x360"} << "--size";
        QTest::newRow("mount") << QStringList{"--socket", "s", "--mount", "live"} << "--mount";
        QTest::newRow("profile") << QStringList{"--socket", "s", "--mount-profile", "/sub"}
                                 << "/sub";
        QTest::newRow("dup mount")
            << QStringList{"--socket", "s", "--mount-profile", "/live:640x360"} << "twice";
        QTest::newRow("auth mode")
            << QStringList{"--socket", "s", "--auth", "kerberos"} << "--auth";
        QTest::newRow("auth no user")
            << QStringList{"--socket", "s", "--auth", "digest"} << "--user";
        QTest::newRow("user no auth") << QStringList{"--socket", "s", "--user", "a:b"} << "--auth";
        QTest::newRow("tls half") << QStringList{"--socket", "s", "--tls-cert", "/etc/hostname"}
                                  << "--tls-key";
        QTest::newRow("mcast") << QStringList{"--socket", "s", "--multicast-range",
                                              "10.0.0.1-10.0.0.9"}
                               << "--multicast-range";
        QTest::newRow("push") << QStringList{"--socket", "s", "--push", "http://x"} << "--push";
        QTest::newRow("encoded+size")
            << QStringList{"--socket", "s", "--encoded", "--size", "640x360"} << "--encoded";
        QTest::newRow("unknown") << QStringList{"--socket", "s", "--frobnicate"} << "frobnicate";
        QTest::newRow("codec") << QStringList{"--socket", "s", "--encoded", "--codec", "vp9"}
                               << "h264, h265";
        QTest::newRow("h265 raw") << QStringList{"--socket", "s", "--codec", "h265"}
                                  << "needs --encoded";
    }

    void rejects()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, mentions);
        RtspOptions o;
        QString message;
        QCOMPARE(parse(args, &o, &message), RtspOptions::Outcome::Error);
        QVERIFY2(message.contains(mentions), qPrintable(message));
    }

    void passwordsNeverInMessages()
    {
        RtspOptions o;
        QString message;
        QCOMPARE(parse({"--socket", "s", "--auth", "basic", "--user", "alice"}, &o, &message),
                 RtspOptions::Outcome::Error);
        QCOMPARE(parse({"--socket", "s", "--user", "alice:s3cret"}, &o, &message),
                 RtspOptions::Outcome::Error);
        QVERIFY(!message.contains(QStringLiteral("s3cret")));
    }

    void usersFile()
    {
        QTemporaryFile file;
        QVERIFY(file.open());
        file.write("# viewers\nalice:one\n\nbob:two:with:colons\n");
        file.flush();
        RtspOptions o;
        QString message;
        QCOMPARE(parse({"--socket", "s", "--auth", "digest", "--users-file", file.fileName()}, &o,
                       &message),
                 RtspOptions::Outcome::Run);
        QCOMPARE(o.users.size(), 2);
        QCOMPARE(o.users[1].password, QStringLiteral("two:with:colons"));
    }

    void pipelineOnlyScalesWhenAsked()
    {
        RtspOptions o;
        QString message;
        QCOMPARE(
            parse({"--socket", "/tmp/a b\"c", "--mount-profile", "/sub:640x360@10"}, &o, &message),
            RtspOptions::Outcome::Run);
        ElementChoice elements{QStringLiteral("x264enc"), QStringLiteral("videoconvertscale"),
                               true};
        const QString live =
            MountPipeline::describe(o, o.mounts[0], elements, MountPipeline::Output::RtspPayloader,
                                    QStringLiteral("rtsp-live"));
        QVERIFY2(!live.contains(QStringLiteral("videorate")), qPrintable(live));
        QVERIFY(!live.contains(QStringLiteral("videoconvertscale")));
        QVERIFY(live.contains(QStringLiteral("socket-path=\"/tmp/a b\\\"c\"")));
        QVERIFY(live.contains(QStringLiteral("key-int-max=60 bitrate=2000")));
        QVERIFY(live.endsWith(QStringLiteral("rtph264pay name=pay0 pt=96 config-interval=0")));
        const QString sub =
            MountPipeline::describe(o, o.mounts[1], elements, MountPipeline::Output::RtspPayloader,
                                    QStringLiteral("rtsp-sub"));
        QVERIFY2(sub.contains(QStringLiteral("policy=fps-cap max-fps=10")), qPrintable(sub));
        QVERIFY(sub.contains(
            QStringLiteral("videoconvertscale ! capsfilter caps=video/x-raw,width=640")));
    }

    void encodedPipelineHasNoEncoder()
    {
        RtspOptions o;
        QString message;
        QCOMPARE(parse({"--socket", "s", "--encoded"}, &o, &message), RtspOptions::Outcome::Run);
        const QString d = MountPipeline::describe(o, o.mounts[0], ElementChoice{},
                                                  MountPipeline::Output::RtspPayloader,
                                                  QStringLiteral("rtsp-live"));
        QCOMPARE(d,
                 QStringLiteral("zeroteesrc name=src socket-path=\"s\" client-name=\"rtsp-live\" "
                                "! rtph264pay name=pay0 pt=96 config-interval=0"));
    }

    void h265StreamIsPayloadedAndPushedAsH265()
    {
        RtspOptions o;
        QString message;
        QCOMPARE(parse({"--socket", "s", "--encoded", "--codec", "h265", "--push", "rtsp://h/x"},
                       &o, &message),
                 RtspOptions::Outcome::Run);
        const QString viewer = MountPipeline::describe(o, o.mounts[0], ElementChoice{},
                                                       MountPipeline::Output::RtspPayloader,
                                                       QStringLiteral("rtsp-live"));
        QVERIFY2(viewer.endsWith(QStringLiteral("! rtph265pay name=pay0 pt=96 config-interval=0")),
                 qPrintable(viewer));
        const QString push =
            MountPipeline::describe(o, o.mounts[0], ElementChoice{},
                                    MountPipeline::Output::PushSink, QStringLiteral("push"));
        QVERIFY2(push.contains(QStringLiteral("h265parse config-interval=-1 ! capsfilter "
                                              "caps=video/x-h265,alignment=au ! rtspclientsink")),
                 qPrintable(push));
    }
};

QTEST_GUILESS_MAIN(RtspOptionsTest)
#include "RtspOptionsTest.moc"
