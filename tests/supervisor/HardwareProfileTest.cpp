// Hardware profiles: every shipped profile loads and yields its documented elements against a
// fake registry; detection judged from fake registry and /dev listings; the command line.
#include "HardwareProfile.h"
#include "CaptureSource.h"
#include "CommandLine.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <gst/gst.h>

using namespace zerotee;

namespace {

const QStringList kBase = {QStringLiteral("v4l2src"),      QStringLiteral("videoconvert"),
                           QStringLiteral("videoscale"),   QStringLiteral("videoconvertscale"),
                           QStringLiteral("videorate"),    QStringLiteral("capsfilter"),
                           QStringLiteral("videotestsrc"), QStringLiteral("zeroteesink")};

HardwareProfile shipped(const QString &name)
{
    HardwareProfile profile;
    QString error;
    const QString path = QStringLiteral(ZEROTEE_SOURCE_DIR "/resources/profiles/%1.toml").arg(name);
    if (!HardwareProfile::load(path, &profile, &error))
        qWarning("%s", qPrintable(error));
    return profile;
}

QMap<QString, QString> choose(const HardwareProfile &profile, const QStringList &extra)
{
    QMap<QString, QString> chosen;
    QString error;
    if (!profile.chooseElements(kBase + extra, &chosen, &error))
        qWarning("%s", qPrintable(error));
    return chosen;
}

const WorkerConfig *worker(const SupervisorConfig &config, const QString &name)
{
    for (const WorkerConfig &w : config.workers)
        if (w.name == name)
            return &w;
    return nullptr;
}

const char *kUserConfig = R"(
log_level = "warning"
[[camera]]
name = "front"
size = "640x480"
[[worker]]
name = "rec"
kind = "recorder"
camera = "front"
[worker.options]
dir = "/tmp/rec"
[[worker]]
name = "live"
kind = "rtsp"
camera = "front"
[worker.options]
encoder = "x264enc"
[[worker]]
name = "pass"
kind = "rtsp"
camera = "front"
[worker.options]
encoded = true
)";

} // namespace

class HardwareProfileTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { gst_init(nullptr, nullptr); }

    void imx8mpYieldsNxpElements()
    {
        HardwareProfile p = shipped(QStringLiteral("imx8mp"));
        QCOMPARE(p.name(), QStringLiteral("imx8mp"));
        QCOMPARE(p.devices(), QStringList{QStringLiteral("/dev/dma_heap/linux,cma")});
        const QStringList nxp = {QStringLiteral("imxvideoconvert_g2d"),
                                 QStringLiteral("vpuenc_h264")};
        QMap<QString, QString> chosen = choose(p, nxp);
        QCOMPARE(chosen.value(QStringLiteral("converter")), QStringLiteral("imxvideoconvert_g2d"));
        QCOMPARE(chosen.value(QStringLiteral("encoder")), QStringLiteral("vpuenc_h264"));
        QCOMPARE(chosen.value(QStringLiteral("scaler")), QStringLiteral("imxvideoconvert_g2d"));
        // With the V4L2 stateful encoder present too, it comes first.
        chosen = choose(p, nxp + QStringList{QStringLiteral("v4l2h264enc")});
        QCOMPARE(chosen.value(QStringLiteral("encoder")), QStringLiteral("v4l2h264enc"));

        SupervisorConfig config;
        ConfigErrors errors = p.applyUnder({}, {}, kBase + nxp, &config);
        QVERIFY2(errors.ok(), qPrintable(errors.errors.join(u'\n')));
        QCOMPARE(config.profile, QStringLiteral("imx8mp"));
        QCOMPARE(config.cameras.size(), 1);
        const CameraConfig &camera = config.cameras.first();
        QCOMPARE(camera.source, QStringLiteral("v4l2:/dev/video3"));
        QCOMPARE(camera.converter, QStringLiteral("imxvideoconvert_g2d"));
        QCOMPARE(camera.poolSize, 16);
        const QString pipeline = capturePipelineDescription(camera);
        QVERIFY2(pipeline.startsWith(QStringLiteral("v4l2src device=\"/dev/video3\" io-mode=dmabuf "
                                                    "! imxvideoconvert_g2d !")),
                 qPrintable(pipeline));
    }

    void raspberrypiYieldsLibcamera()
    {
        HardwareProfile p = shipped(QStringLiteral("raspberrypi"));
        QCOMPARE(p.name(), QStringLiteral("raspberrypi"));
        const QStringList pi = {QStringLiteral("libcamerasrc"), QStringLiteral("v4l2h264enc"),
                                QStringLiteral("v4l2convert")};
        QMap<QString, QString> chosen = choose(p, pi);
        QCOMPARE(chosen.value(QStringLiteral("encoder")), QStringLiteral("v4l2h264enc"));
        QCOMPARE(chosen.value(QStringLiteral("scaler")), QStringLiteral("v4l2convert"));
        // A Pi 5 has no H.264 block: software encoding.
        chosen = choose(p, {QStringLiteral("libcamerasrc"), QStringLiteral("x264enc")});
        QCOMPARE(chosen.value(QStringLiteral("encoder")), QStringLiteral("x264enc"));
        QCOMPARE(chosen.value(QStringLiteral("scaler")), QStringLiteral("videoconvertscale"));

        SupervisorConfig config;
        QVERIFY(p.applyUnder({}, {}, kBase + pi, &config).ok());
        QCOMPARE(config.cameras.first().source, QStringLiteral("pipeline:libcamerasrc"));
        QVERIFY(capturePipelineDescription(config.cameras.first())
                    .startsWith(QStringLiteral("libcamerasrc ! videoconvert ! videoscale !")));
    }

    void pcYieldsSoftware()
    {
        HardwareProfile p = shipped(QStringLiteral("pc"));
        QCOMPARE(p.name(), QStringLiteral("pc"));
        QMap<QString, QString> chosen = choose(p, {QStringLiteral("x264enc")});
        QCOMPARE(chosen.value(QStringLiteral("encoder")), QStringLiteral("x264enc"));
        QCOMPARE(chosen.value(QStringLiteral("converter")),
                 QStringLiteral("videoconvert ! videoscale"));
        SupervisorConfig config;
        QVERIFY(p.applyUnder({}, {}, kBase + QStringList{QStringLiteral("x264enc")}, &config).ok());
        QCOMPARE(config.cameras.first().source, QStringLiteral("v4l2:/dev/video0"));
        QCOMPARE(config.cameras.first().width, 1280);
        QVERIFY(capturePipelineDescription(config.cameras.first())
                    .contains(QStringLiteral("io-mode=dmabuf")));
    }

    void userKeysWinOverTheProfile()
    {
        HardwareProfile p = shipped(QStringLiteral("imx8mp"));
        SupervisorConfig config;
        const QStringList registry =
            kBase + QStringList{QStringLiteral("imxvideoconvert_g2d"),
                                QStringLiteral("vpuenc_h264"), QStringLiteral("x264enc")};
        ConfigErrors errors = p.applyUnder(QString::fromUtf8(kUserConfig),
                                           QStringLiteral("user.toml"), registry, &config);
        QVERIFY2(errors.ok(), qPrintable(errors.errors.join(u'\n')));
        QCOMPARE(config.logLevel, QStringLiteral("warning"));
        const CameraConfig &camera = config.cameras.first();
        QCOMPARE(camera.name, QStringLiteral("front"));
        QCOMPARE(camera.width, 640);                                 // the user's size
        QCOMPARE(camera.source, QStringLiteral("v4l2:/dev/video3")); // the profile's source
        QCOMPARE(camera.converter, QStringLiteral("imxvideoconvert_g2d"));
        const WorkerConfig *rec = worker(config, QStringLiteral("rec"));
        QVERIFY(rec);
        QCOMPARE(rec->options.value(QStringLiteral("encoder")).toString(),
                 QStringLiteral("vpuenc_h264"));
        QVERIFY(!rec->options.contains(QStringLiteral("scaler"))); // the recorder has no scaler
        const WorkerConfig *live = worker(config, QStringLiteral("live"));
        QCOMPARE(live->options.value(QStringLiteral("encoder")).toString(),
                 QStringLiteral("x264enc"));
        QCOMPARE(live->options.value(QStringLiteral("scaler")).toString(),
                 QStringLiteral("imxvideoconvert_g2d"));
        // An encoded pass-through mount neither encodes nor scales.
        const WorkerConfig *pass = worker(config, QStringLiteral("pass"));
        QVERIFY(!pass->options.contains(QStringLiteral("encoder")));
        QVERIFY(!pass->options.contains(QStringLiteral("scaler")));
    }

    void missingElementsAreNamed()
    {
        HardwareProfile p = shipped(QStringLiteral("imx8mp"));
        SupervisorConfig config;
        ConfigErrors errors =
            p.applyUnder({}, {}, kBase + QStringList{QStringLiteral("x264enc")}, &config);
        QVERIFY(!errors.ok());
        QVERIFY2(errors.errors.first().contains(QStringLiteral("imxvideoconvert_g2d")),
                 qPrintable(errors.errors.first()));
        QVERIFY(errors.errors.first().contains(QStringLiteral("imx8mp")));
    }

    void badProfilesAreRefusedWithTheKey_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("mentions");
        QTest::newRow("no [profile]") << "[camera]\nfps = 30\n"
                                      << "profile";
        QTest::newRow("no name") << "[profile]\ndescription = \"x\"\n"
                                 << "profile.name";
        QTest::newRow("unknown table") << "[profile]\nname = \"x\"\n[cameras]\n"
                                       << "cameras";
        QTest::newRow("unknown role") << "[profile]\nname = \"x\"\n[elements]\nmuxer = \"mp4mux\"\n"
                                      << "elements.muxer";
        QTest::newRow("empty list") << "[profile]\nname = \"x\"\n[elements]\nencoder = []\n"
                                    << "elements.encoder";
        QTest::newRow("unknown camera key")
            << "[profile]\nname = \"x\"\n[camera]\nsocket = \"/tmp/s\"\n"
            << "camera.socket";
        QTest::newRow("syntax") << "[profile\n"
                                << "p.toml:";
    }
    void badProfilesAreRefusedWithTheKey()
    {
        QFETCH(QString, text);
        QFETCH(QString, mentions);
        HardwareProfile p;
        QString error;
        QVERIFY(!HardwareProfile::parse(text, QStringLiteral("p.toml"), &p, &error));
        QVERIFY2(error.contains(mentions), qPrintable(error));
    }

    void badCameraValuesFromAProfileAreReported()
    {
        HardwareProfile p;
        QString error;
        QVERIFY(HardwareProfile::parse(
            QStringLiteral("[profile]\nname = \"odd\"\n[camera]\nfps = 1000\n"),
            QStringLiteral("odd.toml"), &p, &error));
        SupervisorConfig config;
        ConfigErrors errors = p.applyUnder({}, {}, kBase, &config);
        QVERIFY(!errors.ok());
        QVERIFY2(errors.errors.join(u'\n').contains(QStringLiteral("fps")),
                 qPrintable(errors.errors.join(u'\n')));
    }

    void detection_data()
    {
        QTest::addColumn<QStringList>("elements");
        QTest::addColumn<QStringList>("devices");
        QTest::addColumn<QStringList>("videoNames");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("evidence");
        QTest::newRow("imx registry")
            << QStringList{"v4l2src", "vpuenc_h264", "imxvideoconvert_g2d"}
            << QStringList{"/dev/video3", "/dev/dma_heap/linux,cma"} << QStringList{"mxc-isi-cap"}
            << "imx8mp"
            << "element vpuenc_h264";
        QTest::newRow("imx drivers only") << QStringList{"v4l2src"} << QStringList{"/dev/video0"}
                                          << QStringList{"vsi_v4l2enc"} << "imx8mp"
                                          << "vsi_v4l2enc";
        QTest::newRow("pi 4") << QStringList{"libcamerasrc", "v4l2h264enc"}
                              << QStringList{"/dev/video0", "/dev/video11"}
                              << QStringList{"unicam", "bcm2835-codec-encode"} << "raspberrypi"
                              << "unicam";
        QTest::newRow("pi 5 without libcamera")
            << QStringList{"v4l2src"} << QStringList{"/dev/video0"} << QStringList{"rp1-cfe"}
            << "raspberrypi"
            << "install gstreamer1.0-libcamera";
        QTest::newRow("pc with libcamera installed")
            << QStringList{"libcamerasrc", "x264enc"} << QStringList{"/dev/video0"}
            << QStringList{"Integrated Camera: Integrated C"} << "pc"
            << "/dev/video0";
        QTest::newRow("bare pc") << QStringList{} << QStringList{} << QStringList{} << "pc"
                                 << "no /dev/video* device";
    }
    void detection()
    {
        QFETCH(QStringList, elements);
        QFETCH(QStringList, devices);
        QFETCH(QStringList, videoNames);
        QFETCH(QString, expected);
        QFETCH(QString, evidence);
        const ProfileSuggestion s = HardwareProfile::suggest({elements, devices, videoNames});
        QCOMPARE(s.name, expected);
        QVERIFY2(s.evidence.join(u'\n').contains(evidence), qPrintable(s.evidence.join(u'\n')));
    }

    void detectionOfThisMachineNamesAShippedProfile()
    {
        const DetectionInputs inputs = DetectionInputs::fromSystem();
        QVERIFY(inputs.elements.contains(QStringLiteral("videotestsrc")));
        const ProfileSuggestion s = HardwareProfile::suggest(inputs);
        QVERIFY(QStringList({"imx8mp", "raspberrypi", "pc"}).contains(s.name));
        QVERIFY(!s.evidence.isEmpty());
    }

    void commandLinePicksAProfile()
    {
        qputenv("ZEROTEE_PROFILE_PATH", ZEROTEE_SOURCE_DIR "/resources/profiles");
        // The flag wins over the profile's camera source; the rest comes from the profile.
        CommandLine c = parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--profile"),
                                          QStringLiteral("pc"), QStringLiteral("--source"),
                                          QStringLiteral("test")});
        QVERIFY2(!c.exitNow, qPrintable(c.message));
        QCOMPARE(c.config.profile, QStringLiteral("pc"));
        QCOMPARE(c.config.cameras.first().source, QStringLiteral("test"));
        QCOMPARE(c.config.cameras.first().width, 1280);
        QCOMPARE(c.config.cameras.first().converter, QStringLiteral("videoconvert ! videoscale"));

        // Workers added by flags get the profile's elements like those in a file.
        c = parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--profile"),
                              QStringLiteral("pc"), QStringLiteral("--source"),
                              QStringLiteral("test"), QStringLiteral("--record"),
                              QStringLiteral("/tmp/rec"), QStringLiteral("--rtsp")});
        QVERIFY2(!c.exitNow, qPrintable(c.message));
        QCOMPARE(c.config.workers.size(), 2);
        for (const WorkerConfig &w : c.config.workers) {
            QVERIFY2(!w.options.value(QStringLiteral("encoder")).toString().isEmpty(),
                     qPrintable(w.name));
            QCOMPARE(w.options.value(QStringLiteral("encoder")).toString(),
                     c.config.profileElements.value(QStringLiteral("encoder")));
        }

        // The configuration key does the same; --profile overrides it.
        QTemporaryDir dir;
        QFile file(dir.filePath(QStringLiteral("z.toml")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("profile = \"pc\"\n[[camera]]\nname = \"cam0\"\nsize = \"320x240\"\n");
        file.close();
        c = parseCommandLine(
            {QStringLiteral("zerotee"), QStringLiteral("--config"), file.fileName()});
        QVERIFY2(!c.exitNow, qPrintable(c.message));
        QCOMPARE(c.config.profile, QStringLiteral("pc"));
        QCOMPARE(c.config.cameras.first().width, 320);
        QCOMPARE(c.config.cameras.first().source, QStringLiteral("v4l2:/dev/video0"));

        c = parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--profile"),
                              QStringLiteral("nosuchboard")});
        QVERIFY(c.exitNow);
        QCOMPARE(c.exitCode, 2);
        QVERIFY2(c.message.contains(QStringLiteral("nosuchboard")) &&
                     c.message.contains(QStringLiteral("imx8mp")),
                 qPrintable(c.message));
        qunsetenv("ZEROTEE_PROFILE_PATH");
    }

    void suggestProfilePrintsNameAndEvidence()
    {
        qputenv("ZEROTEE_PROFILE_PATH", ZEROTEE_SOURCE_DIR "/resources/profiles");
        CommandLine c =
            parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--suggest-profile")});
        QVERIFY(c.exitNow);
        QCOMPARE(c.exitCode, 0);
        const QStringList lines = c.message.split(u'\n');
        QCOMPARE(lines.first(), HardwareProfile::suggest(DetectionInputs::fromSystem()).name);
        QVERIFY2(c.message.contains(QStringLiteral("evidence: ")), qPrintable(c.message));
        QVERIFY2(c.message.contains(QStringLiteral("use: zerotee --profile")),
                 qPrintable(c.message));
        qunsetenv("ZEROTEE_PROFILE_PATH");
    }
};

QTEST_GUILESS_MAIN(HardwareProfileTest)
#include "HardwareProfileTest.moc"
