// Configuration file and command line: every bad value names its key; flags override the file.
#include "CommandLine.h"
#include "StreamPlan.h"
#include "SupervisorConfig.h"

#include <QDir>

#include <QTemporaryDir>
#include <QTest>

using namespace zerotee;

class ConfigTest : public QObject {
    Q_OBJECT

private:
    static ConfigErrors parse(const QString &text, SupervisorConfig *config = nullptr)
    {
        SupervisorConfig scratch;
        return parseConfig(text, QStringLiteral("test.toml"), config ? config : &scratch);
    }
    static bool mentions(const ConfigErrors &errors, const QString &text)
    {
        for (const QString &e : errors.errors)
            if (e.contains(text))
                return true;
        return false;
    }

private slots:
    void shippedExampleIsValid()
    {
        SupervisorConfig config;
        ConfigErrors errors =
            loadConfigFile(QStringLiteral(ZEROTEE_SOURCE_DIR "/resources/zerotee.toml"), &config);
        QVERIFY2(errors.ok(), qPrintable(errors.errors.join(u'\n')));
        QCOMPARE(config.cameras.size(), 1);
        QCOMPARE(config.cameras[0].width, 1920);
        QCOMPARE(config.workers.size(), 2);
        QCOMPARE(config.workers[1].options.value(QStringLiteral("port")).toInt(), 8554);
    }

    void fullConfigIsRead()
    {
        SupervisorConfig config;
        ConfigErrors errors = parse(QStringLiteral(R"(
log_level = "debug"
[http]
bind = "0.0.0.0"
token = "t"
port = 9000
[[camera]]
name = "front"
source = "v4l2:/dev/video3"
size = "1280x720"
fps = 15
[[camera]]
name = "back"
source = "pipeline:videotestsrc is-live=true"
[[worker]]
kind = "custom"
camera = "back"
[worker.options]
pipeline = "zeroteesrc ! fakesink"
)"),
                                    &config);
        QVERIFY2(errors.ok(), qPrintable(errors.errors.join(u'\n')));
        QCOMPARE(config.cameras.size(), 2);
        QCOMPARE(config.cameras[0].height, 720);
        QCOMPARE(config.cameras[0].fps, 15);
        QCOMPARE(config.http.port, 9000);
        QCOMPARE(config.workers[0].name, QStringLiteral("custom"));
        QCOMPARE(config.workers[0].camera, QStringLiteral("back"));
    }

    void badValuesNameTheirKey_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown top key") << "colour = 1"
                                         << "colour: unknown key";
        QTest::newRow("unknown camera key") << "[[camera]]\nzoom = 2"
                                            << "camera[0].zoom: unknown key";
        QTest::newRow("wrong type") << "[[camera]]\nfps = \"fast\""
                                    << "camera[0].fps: must be an integer";
        QTest::newRow("out of range") << "[[camera]]\nfps = 1000"
                                      << "camera[0].fps: 1000 is out of range";
        QTest::newRow("bad size") << "[[camera]]\nsize = \"big\""
                                  << "camera[0].size: 'big' is not WIDTHxHEIGHT";
        QTest::newRow("bad source") << "[[camera]]\nsource = \"usb\""
                                    << "camera[0].source: 'usb' is not test";
        QTest::newRow("bad format") << "[[camera]]\nformat = \"XYZ\""
                                    << "camera[0].format";
        QTest::newRow("worker kind") << "[[worker]]\nkind = \"painter\""
                                     << "worker[0].kind: 'painter'";
        QTest::newRow("worker camera") << "[[worker]]\nkind = \"ai\"\ncamera = \"nope\""
                                       << "no camera named 'nope'";
        QTest::newRow("duplicate") << "[[worker]]\nkind = \"ai\"\n[[worker]]\nkind = \"ai\""
                                   << "'ai' is used twice";
        QTest::newRow("token needed") << "[http]\nbind = \"0.0.0.0\""
                                      << "http.token: is required";
        QTest::newRow("syntax") << "[[camera]\nname = 1"
                                << "test.toml:1";
        QTest::newRow("log level") << "log_level = \"loud\""
                                   << "log_level: 'loud'";
        QTest::newRow("not a table array") << "camera = 3"
                                           << "camera: must be an array of tables";
        QTest::newRow("stream codec") << "[[camera]]\n[[camera.stream]]\ncodec = \"vp9\""
                                      << "camera[0].stream[0].codec: 'vp9'";
        QTest::newRow("stream larger than camera")
            << "[[camera]]\nsize = \"640x360\"\n[[camera.stream]]\nsize = \"1280x720\""
            << "camera[0].stream[0].size: 1280x720 is larger";
        QTest::newRow("stream name twice")
            << "[[camera]]\n[[camera.stream]]\nname = \"a\"\n[[camera.stream]]\nname = \"a\""
            << "camera[0].stream[1].name: 'a' is used twice";
        QTest::newRow("stream unknown key") << "[[camera]]\n[[camera.stream]]\nzoom = 1"
                                            << "camera[0].stream[0].zoom: unknown key";
        QTest::newRow("mount names a missing stream")
            << "[[worker]]\nkind = \"rtsp\"\n[worker.options]\nstream = \"sub\""
            << "worker[0].options.stream: camera 'cam0' has no stream 'sub'";
    }
    void badValuesNameTheirKey()
    {
        QFETCH(QString, text);
        QFETCH(QString, expected);
        SupervisorConfig config;
        config.logLevel = QStringLiteral("warning");
        ConfigErrors errors = parse(text, &config);
        QVERIFY(!errors.ok());
        QVERIFY2(mentions(errors, expected), qPrintable(errors.errors.join(u'\n')));
        QCOMPARE(config.logLevel, QStringLiteral("warning")); // nothing applied half-way
    }

    // Encode once: recorders and mounts share a stream whenever they ask for the same encoding.
    void streamPlanSharesOneEncoderPerEncoding()
    {
        SupervisorConfig config;
        QVERIFY(parse(QStringLiteral("[[camera]]\nsize = \"1280x720\"\n[[camera.stream]]\n"
                                     "name = \"main\"\n[[camera.stream]]\nname = \"sub\"\n"
                                     "size = \"640x360\"\nfps = 10\n"),
                      &config)
                    .ok());
        const CameraConfig &camera = config.cameras.first();
        QList<StreamConfig> streams;
        const QMap<QString, QString> profile{
            {QStringLiteral("encoder"), QStringLiteral("vpuenc_h264")}};
        auto assign = [&](const QString &kind, const QString &name, const QVariantMap &options) {
            return StreamPlan::assign(kind, name, options, camera, profile, &streams);
        };
        auto rec = assign(QStringLiteral("recorder"), QStringLiteral("rec"),
                          {{QStringLiteral("dir"), QStringLiteral("/r")},
                           {QStringLiteral("encoder"), QStringLiteral("vpuenc_h264")}});
        QVERIFY(rec.error.isEmpty() && rec.usesStream);
        QCOMPARE(rec.stream.name, QStringLiteral("main")); // the profile's encoder is the default
        QVERIFY(rec.options.value(QStringLiteral("encoded")).toBool());
        QVERIFY(!rec.options.contains(QStringLiteral("encoder")));
        auto live = assign(QStringLiteral("rtsp"), QStringLiteral("live"),
                           {{QStringLiteral("size"), QStringLiteral("1280x720")}});
        QCOMPARE(live.stream.name, QStringLiteral("main")); // the camera's size: main
        auto small = assign(
            QStringLiteral("rtsp"), QStringLiteral("small"),
            {{QStringLiteral("size"), QStringLiteral("640x360")}, {QStringLiteral("fps"), 10}});
        QCOMPARE(small.stream.name, QStringLiteral("sub")); // same encoding as sub
        auto own = assign(QStringLiteral("rtsp"), QStringLiteral("own"),
                          {{QStringLiteral("bitrate"), 900}});
        QCOMPARE(own.stream.name, QStringLiteral("own")); // a stream of its own
        QCOMPARE(own.stream.bitrateKbps, 900);
        auto again = assign(
            QStringLiteral("recorder"), QStringLiteral("rec2"),
            {{QStringLiteral("dir"), QStringLiteral("/r")}, {QStringLiteral("bitrate"), 900}});
        QCOMPARE(again.stream.name, QStringLiteral("own")); // shared, not a fourth encoder
        QCOMPARE(streams.size(), 3);
        auto raw = assign(QStringLiteral("ai"), QStringLiteral("ai"), {});
        QVERIFY(!raw.usesStream && raw.error.isEmpty());
        auto profiles = assign(QStringLiteral("rtsp"), QStringLiteral("p"),
                               {{QStringLiteral("mount_profile"), QStringLiteral("/s:320x180@5")}});
        QVERIFY(profiles.error.contains(QStringLiteral("mount_profile")));
        const QVariantMap enc = StreamPlan::encoderOptions(streams[1], camera, profile,
                                                           QStringLiteral("/run/cam0.sub.sock"));
        QCOMPARE(enc.value(QStringLiteral("size")).toString(), QStringLiteral("640x360"));
        QCOMPARE(enc.value(QStringLiteral("fps")).toInt(), 10);
        QCOMPARE(enc.value(QStringLiteral("encoder")).toString(), QStringLiteral("vpuenc_h264"));
        QVERIFY(!enc.contains(QStringLiteral("allow_users")));
        CameraConfig shared = camera;
        shared.allowUsers = {QStringLiteral("nobody"), QStringLiteral("1000")};
        shared.allowGroups = {QStringLiteral("video")};
        const QVariantMap allowed = StreamPlan::encoderOptions(
            streams[1], shared, profile, QStringLiteral("/run/cam0.sub.sock"));
        QCOMPARE(allowed.value(QStringLiteral("allow_users")).toString(),
                 QStringLiteral("nobody,1000"));
        QCOMPARE(allowed.value(QStringLiteral("allow_groups")).toString(), QStringLiteral("video"));
        QCOMPARE(config.streamSocketPath(QStringLiteral("cam0"), QStringLiteral("sub")),
                 QDir(config.runtimeDir).filePath(QStringLiteral("cam0.sub.sock")));
    }

    void anH265StreamGetsAnH265Encoder()
    {
        SupervisorConfig config;
        QVERIFY(parse(QStringLiteral("[[camera]]\n[[camera.stream]]\nname = \"main\"\n"
                                     "[[camera.stream]]\nname = \"hevc\"\ncodec = \"h265\"\n"),
                      &config)
                    .ok());
        const CameraConfig &camera = config.cameras.first();
        const QMap<QString, QString> profile{
            {QStringLiteral("encoder"), QStringLiteral("vpuenc_h264")}};
        QList<StreamConfig> streams = camera.effectiveStreams();
        // The profile's H.264 encoder is not put on an H.265 stream: the worker picks its own.
        const QVariantMap enc = StreamPlan::encoderOptions(streams[1], camera, profile,
                                                           QStringLiteral("/run/cam0.hevc.sock"));
        QCOMPARE(enc.value(QStringLiteral("codec")).toString(), QStringLiteral("h265"));
        QVERIFY(!enc.contains(QStringLiteral("encoder")));
        auto rec = StreamPlan::assign(QStringLiteral("recorder"), QStringLiteral("rec"),
                                      {{QStringLiteral("dir"), QStringLiteral("/r")},
                                       {QStringLiteral("stream"), QStringLiteral("hevc")}},
                                      camera, profile, &streams);
        QCOMPARE(rec.options.value(QStringLiteral("codec")).toString(), QStringLiteral("h265"));
        auto own = StreamPlan::assign(QStringLiteral("rtsp"), QStringLiteral("own"),
                                      {{QStringLiteral("codec"), QStringLiteral("h265")}}, camera,
                                      profile, &streams);
        QCOMPARE(own.stream.name, QStringLiteral("hevc")); // the same encoding: shared
        QVERIFY(StreamPlan::missingEncoder(streams[1], {QStringLiteral("x264enc")})
                    .contains(QStringLiteral("no H.265 encoder")));
        QVERIFY(StreamPlan::missingEncoder(streams[1], {QStringLiteral("x265enc")}).isEmpty());
        ConfigErrors errors = parse(QStringLiteral(
            "[[camera]]\n[[camera.stream]]\nname = \"h\"\ncodec = \"h265\"\nprofile = \"high\"\n"));
        QVERIFY2(errors.errors.join(u'\n').contains(QStringLiteral("camera[0].stream[0].profile")),
                 qPrintable(errors.errors.join(u'\n')));
    }

    void nonAsciiOnlyInStringsAndComments()
    {
        // Outside strings toml++ 3.3 would reach __builtin_unreachable() (fuzzer finding).
        ConfigErrors errors = parse(QStringLiteral("log_level = \u0156ze\n"));
        QVERIFY(!errors.ok());
        QVERIFY2(mentions(errors, QStringLiteral("test.toml:1:13")),
                 qPrintable(errors.errors.join(u'\n')));
        QVERIFY(mentions(errors, QStringLiteral("non-ASCII character outside a string")));
        SupervisorConfig config;
        errors = parse(QStringLiteral("# Kamera vor der T\u00fcr\n[http]\n"
                                      "token = \"T\u00fcr \\\" \u0156\" # \u0156\n"),
                       &config);
        QVERIFY2(errors.ok(), qPrintable(errors.errors.join(u'\n')));
        QCOMPARE(config.http.token, QStringLiteral("T\u00fcr \" \u0156"));
    }

    void commandLineOverridesFileAndAddsWorkers()
    {
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("z.toml")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("[[camera]]\nsize = \"1280x720\"\nfps = 25\n");
        file.close();
        CommandLine cl = parseCommandLine(
            {QStringLiteral("zerotee"), QStringLiteral("--headless"), QStringLiteral("--config"),
             file.fileName(), QStringLiteral("--fps"), QStringLiteral("10"),
             QStringLiteral("--record"), dir.path(), QStringLiteral("--rtsp"),
             QStringLiteral("--rtsp-port"), QStringLiteral("9554"), QStringLiteral("--ai")});
        QVERIFY2(!cl.exitNow, qPrintable(cl.message));
        QVERIFY(cl.headless);
        QCOMPARE(cl.config.cameras[0].width, 1280);
        QCOMPARE(cl.config.cameras[0].fps, 10);
        QCOMPARE(cl.config.workers.size(), 3);
        QCOMPARE(cl.config.workers[0].options.value(QStringLiteral("dir")).toString(), dir.path());
        QCOMPARE(cl.config.workers[1].options.value(QStringLiteral("port")).toInt(), 9554);
        QVERIFY(cl.config.controlPath.endsWith(QStringLiteral("/zerotee/control.sock")));
    }

    void panelWindowFromFileAndFlags()
    {
        SupervisorConfig config;
        QVERIFY(parse(QStringLiteral("[panel]\nwindow = \"1024x600\"\n"), &config).ok());
        QVERIFY(!config.panel.fullscreen.has_value()); // automatic
        QCOMPARE(config.panel.windowWidth, 1024);
        QVERIFY(parse(QStringLiteral("[panel]\nfullscreen = false\n"), &config).ok());
        QCOMPARE(config.panel.fullscreen, std::optional<bool>(false));
        QVERIFY(mentions(parse(QStringLiteral("[panel]\nfullscreen = true\nwindow = \"8x4\"\n")),
                         QStringLiteral("panel.window: '8x4' is not WIDTHxHEIGHT")));
        QVERIFY(
            mentions(parse(QStringLiteral("[panel]\nfullscreen = true\nwindow = \"800x480\"\n")),
                     QStringLiteral("panel.window: a window size and fullscreen")));
        QVERIFY(mentions(parse(QStringLiteral("[panel]\nkiosk = 1\n")),
                         QStringLiteral("panel.kiosk: unknown key")));

        CommandLine full =
            parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--fullscreen")});
        QVERIFY2(!full.exitNow, qPrintable(full.message));
        QCOMPARE(full.config.panel.fullscreen, std::optional<bool>(true));
        CommandLine window = parseCommandLine(
            {QStringLiteral("zerotee"), QStringLiteral("--window"), QStringLiteral("800x480")});
        QCOMPARE(window.config.panel.fullscreen, std::optional<bool>(false));
        QCOMPARE(window.config.panel.windowHeight, 480);
        CommandLine both =
            parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--window"),
                              QStringLiteral("800x480"), QStringLiteral("--fullscreen")});
        QVERIFY(both.exitNow);
        QCOMPARE(both.exitCode, 2);
    }

    void badFlagsExitWithCodeTwo_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<QString>("expected");
        QTest::newRow("unknown flag")
            << QStringList{QStringLiteral("--colour")} << "Unknown option 'colour'";
        QTest::newRow("bad size") << QStringList{QStringLiteral("--size"), QStringLiteral("10x")}
                                  << "--size: '10x'";
        QTest::newRow("bad fps") << QStringList{QStringLiteral("--fps"), QStringLiteral("0")}
                                 << "--fps: '0'";
        QTest::newRow("bad source")
            << QStringList{QStringLiteral("--source"), QStringLiteral("cam")}
            << "'cam' is not test";
        QTest::newRow("missing config")
            << QStringList{QStringLiteral("--config"), QStringLiteral("/nonexistent.toml")}
            << "/nonexistent.toml";
        QTest::newRow("stray argument")
            << QStringList{QStringLiteral("extra")} << "unexpected argument 'extra'";
        QTest::newRow("bad port") << QStringList{QStringLiteral("--rtsp-port"),
                                                 QStringLiteral("70000")}
                                  << "--rtsp-port";
    }
    void badFlagsExitWithCodeTwo()
    {
        QFETCH(QStringList, args);
        QFETCH(QString, expected);
        args.prepend(QStringLiteral("zerotee"));
        CommandLine cl = parseCommandLine(args);
        QVERIFY(cl.exitNow);
        QCOMPARE(cl.exitCode, 2);
        QVERIFY2(cl.message.contains(expected), qPrintable(cl.message));
    }

    void helpAndVersionExitZero()
    {
        CommandLine help = parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--help")});
        QVERIFY(help.exitNow);
        QCOMPARE(help.exitCode, 0);
        QVERIFY(help.message.contains(QStringLiteral("--record")));
        CommandLine version =
            parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--version")});
        QCOMPARE(version.exitCode, 0);
        QVERIFY(version.message.startsWith(QStringLiteral("zerotee")));
    }
};

QTEST_GUILESS_MAIN(ConfigTest)
#include "ConfigTest.moc"
