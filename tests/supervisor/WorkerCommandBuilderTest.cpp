#include "WorkerCommandBuilder.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using namespace zerotee;

namespace {

const QString kSocket = QStringLiteral("/run/zerotee/cam0.sock");

void makeExecutable(const QString &path)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("#!/bin/sh\nexit 0\n");
    file.close();
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
}

} // namespace

class WorkerCommandBuilderTest : public QObject {
    Q_OBJECT

    QTemporaryDir bin_;
    QTemporaryDir emptyPath_;
    WorkerCommandBuilder builder_;

private slots:
    void initTestCase()
    {
        QVERIFY(bin_.isValid());
        for (const char *name :
             {"zerotee-recorder", "zerotee-rtsp", "zerotee-ai", "gst-launch-1.0"})
            makeExecutable(bin_.filePath(QLatin1StringView(name)));
        // Only our fake binaries may be found, whatever the machine has installed.
        qputenv("PATH", emptyPath_.path().toUtf8());
        builder_ = WorkerCommandBuilder(kSocket, {bin_.path()});
    }

    void recorder()
    {
        const auto cmd =
            builder_.build(WorkerKind::Recorder, {{QStringLiteral("dir"), QStringLiteral("/rec")}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.program, bin_.filePath(QStringLiteral("zerotee-recorder")));
        QCOMPARE(cmd.arguments, (QStringList{QStringLiteral("--socket"), kSocket,
                                             QStringLiteral("--dir"), QStringLiteral("/rec")}));
    }

    void recorderIsNamedAfterItsCamera()
    {
        // Issue 17: two cameras' recorders wrote into the same cam0 folder.
        WorkerCommandBuilder front(kSocket, {bin_.path()});
        front.setCameraName(QStringLiteral("front"));
        const auto cmd =
            front.build(WorkerKind::Recorder, {{QStringLiteral("dir"), QStringLiteral("/rec")}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.arguments, (QStringList{QStringLiteral("--socket"), kSocket,
                                             QStringLiteral("--camera"), QStringLiteral("front"),
                                             QStringLiteral("--dir"), QStringLiteral("/rec")}));
        // An explicit option wins; other kinds take no camera flag.
        const auto named = front.build(WorkerKind::Recorder, {{QStringLiteral("dir"), "/rec"},
                                                              {QStringLiteral("camera"), "door"}});
        QVERIFY(named.arguments.contains(QStringLiteral("door")));
        QVERIFY(!named.arguments.contains(QStringLiteral("front")));
        QVERIFY(!front.build(WorkerKind::Ai, {}).arguments.contains(QStringLiteral("--camera")));
    }

    void customWorkerGetsThePluginFolder()
    {
        // gst-launch-1.0 finds zeroteesrc only through the plugin module: the folder of this
        // build goes first on whichever plugin path variable the environment uses.
        qunsetenv("GST_PLUGIN_PATH_1_0");
        qputenv("GST_PLUGIN_PATH", "/opt/other");
        QCOMPARE(WorkerCommandBuilder::pluginPathEnvironment(QStringLiteral("/b/gst")),
                 (QMap<QString, QString>{
                     {QStringLiteral("GST_PLUGIN_PATH"), QStringLiteral("/b/gst:/opt/other")}}));
        qputenv("GST_PLUGIN_PATH_1_0", "/b/gst/");
        QVERIFY(WorkerCommandBuilder::pluginPathEnvironment(QStringLiteral("/b/gst")).isEmpty());
        qputenv("GST_PLUGIN_PATH_1_0", "/x");
        QCOMPARE(WorkerCommandBuilder::pluginPathEnvironment(QStringLiteral("/b/gst")),
                 (QMap<QString, QString>{
                     {QStringLiteral("GST_PLUGIN_PATH_1_0"), QStringLiteral("/b/gst:/x")}}));
        qunsetenv("GST_PLUGIN_PATH_1_0");
        qunsetenv("GST_PLUGIN_PATH");
        QCOMPARE(WorkerCommandBuilder::pluginPathEnvironment(QStringLiteral("/b/gst")),
                 (QMap<QString, QString>{
                     {QStringLiteral("GST_PLUGIN_PATH"), QStringLiteral("/b/gst")}}));
        QVERIFY(WorkerCommandBuilder::pluginPathEnvironment({}).isEmpty());
    }

    void recorderNeedsDir()
    {
        const auto cmd = builder_.build(WorkerKind::Recorder, {});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("'dir'")), qPrintable(cmd.error));
    }

    void rtspWithDefaultsAndMount()
    {
        auto cmd = builder_.build(WorkerKind::Rtsp, {});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        // The worker's own defaults (port 8554, mount /live) apply.
        QCOMPARE(cmd.arguments.join(u' '), QStringLiteral("--socket %1").arg(kSocket));

        cmd =
            builder_.build(WorkerKind::Rtsp, {{QStringLiteral("port"), 8555},
                                              {QStringLiteral("mount"), QStringLiteral("/live")}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.arguments.join(u' '),
                 QStringLiteral("--socket %1 --mount /live --port 8555").arg(kSocket));
    }

    void optionsBecomeFlags()
    {
        auto cmd = builder_.build(
            WorkerKind::Ai,
            {{QStringLiteral("detector"), QStringLiteral("motion")},
             {QStringLiteral("min_area"), 0.01},
             {QStringLiteral("roi"),
              QVariantList{QStringLiteral("0,0,0.5,0.5"), QStringLiteral("0.5,0.5,0.5,0.5")}}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.arguments.join(u' '),
                 QStringLiteral("--socket %1 --detector motion --min-area 0.01 --roi 0,0,0.5,0.5 "
                                "--roi 0.5,0.5,0.5,0.5")
                     .arg(kSocket));
        cmd = builder_.build(WorkerKind::Recorder, {{QStringLiteral("dir"), QStringLiteral("/rec")},
                                                    {QStringLiteral("encoded"), true},
                                                    {QStringLiteral("segment_seconds"), 10}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(
            cmd.arguments.join(u' '),
            QStringLiteral("--socket %1 --dir /rec --encoded --segment-seconds 10").arg(kSocket));
        cmd = builder_.build(WorkerKind::Ai, {{QStringLiteral("colour"), 1}});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("unknown option 'colour' for a ai worker")),
                 qPrintable(cmd.error));
    }

    void rtspRejectsBadPortAndUnknownOption()
    {
        auto cmd = builder_.build(WorkerKind::Rtsp, {{QStringLiteral("port"), 70000}});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("'port'")), qPrintable(cmd.error));
        cmd = builder_.build(WorkerKind::Rtsp, {{QStringLiteral("prot"), 8554}});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("unknown option 'prot'")),
                 qPrintable(cmd.error));
    }

    void ai()
    {
        const auto cmd = builder_.build(WorkerKind::Ai, {});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.program, bin_.filePath(QStringLiteral("zerotee-ai")));
        QCOMPARE(cmd.arguments, (QStringList{QStringLiteral("--socket"), kSocket}));
    }

    void customFillsInSocketPath()
    {
        const auto cmd = builder_.build(
            WorkerKind::Custom,
            {{QStringLiteral("pipeline"),
              QStringLiteral("zeroteesrc ! videoconvert ! capsfilter caps=\"video/x-raw, "
                             "format=I420\" ! fakesink")}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.program, bin_.filePath(QStringLiteral("gst-launch-1.0")));
        QCOMPARE(cmd.arguments, (QStringList{QStringLiteral("-e"), QStringLiteral("zeroteesrc"),
                                             QStringLiteral("socket-path=") + kSocket,
                                             QStringLiteral("!"), QStringLiteral("videoconvert"),
                                             QStringLiteral("!"), QStringLiteral("capsfilter"),
                                             QStringLiteral("caps=video/x-raw, format=I420"),
                                             QStringLiteral("!"), QStringLiteral("fakesink")}));
    }

    void customKeepsGivenSocketPath()
    {
        const auto cmd = WorkerCommandBuilder::customPipelineArguments(
            QStringLiteral("zeroteesrc socket-path=/tmp/other.sock!fakesink"), kSocket);
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.arguments.join(u' '),
                 QStringLiteral("-e zeroteesrc socket-path=/tmp/other.sock!fakesink"));
        const auto glued = WorkerCommandBuilder::customPipelineArguments(
            QStringLiteral("zeroteesrc!fakesink"), kSocket);
        QVERIFY2(glued.ok(), qPrintable(glued.error));
        QCOMPARE(glued.arguments.join(u' '),
                 QStringLiteral("-e zeroteesrc socket-path=%1 !fakesink").arg(kSocket));
    }

    void customMustBeginWithZeroteesrc()
    {
        auto cmd = builder_.build(
            WorkerKind::Custom,
            {{QStringLiteral("pipeline"), QStringLiteral("videotestsrc ! fakesink")}});
        QVERIFY(!cmd.ok());
        QCOMPARE(cmd.error, QStringLiteral("custom worker: the pipeline must begin with "
                                           "zeroteesrc, not 'videotestsrc'"));
        cmd =
            builder_.build(WorkerKind::Custom, {{QStringLiteral("pipeline"), QStringLiteral(" ")}});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("'pipeline' is required")),
                 qPrintable(cmd.error));
    }

    void customRunsItsOwnProgramWithTheSocket()
    {
        auto cmd =
            builder_.build(WorkerKind::Custom,
                           {{QStringLiteral("command"),
                             QStringLiteral("/bin/sh -c \"exec true\" {socket} --bus={socket}")}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.program, QStringLiteral("/bin/sh"));
        QCOMPARE(cmd.arguments, (QStringList{QStringLiteral("-c"), QStringLiteral("exec true"),
                                             kSocket, QStringLiteral("--bus=") + kSocket}));
        // A bare name is looked up like a worker program (here: the test's bin directory).
        cmd = builder_.build(WorkerKind::Custom,
                             {{QStringLiteral("command"), QStringLiteral("zerotee-ai --x")}});
        QVERIFY2(cmd.ok(), qPrintable(cmd.error));
        QCOMPARE(cmd.program, bin_.filePath(QStringLiteral("zerotee-ai")));
        QCOMPARE(cmd.arguments, QStringList{QStringLiteral("--x")});

        cmd =
            builder_.build(WorkerKind::Custom,
                           {{QStringLiteral("command"), QStringLiteral("zerotee-ai")},
                            {QStringLiteral("pipeline"), QStringLiteral("zeroteesrc ! fakesink")}});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("not both")), qPrintable(cmd.error));
        cmd =
            builder_.build(WorkerKind::Custom,
                           {{QStringLiteral("command"), QStringLiteral("no-such-program-here x")}});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("no-such-program-here not found")),
                 qPrintable(cmd.error));
    }

    void missingExecutableNamesWhereItLooked()
    {
        const WorkerCommandBuilder bare(kSocket, {emptyPath_.path()});
        const auto cmd = bare.build(WorkerKind::Ai, {});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("zerotee-ai not found")), qPrintable(cmd.error));
        QVERIFY2(cmd.error.contains(emptyPath_.path()), qPrintable(cmd.error));
    }

    void missingSocketPath()
    {
        const WorkerCommandBuilder noSocket(QString(), {bin_.path()});
        const auto cmd = noSocket.build(WorkerKind::Ai, {});
        QVERIFY(!cmd.ok());
        QVERIFY2(cmd.error.contains(QStringLiteral("socket")), qPrintable(cmd.error));
    }

    void searchOrderPrefersEarlierDirectories()
    {
        QTemporaryDir first;
        makeExecutable(first.filePath(QStringLiteral("zerotee-ai")));
        const WorkerCommandBuilder ordered(kSocket, {first.path(), bin_.path()});
        QCOMPARE(ordered.findExecutable(QStringLiteral("zerotee-ai")),
                 first.filePath(QStringLiteral("zerotee-ai")));
    }

    void completeKeepsExplicitProgram()
    {
        WorkerSpec spec{.name = QStringLiteral("x"),
                        .kind = WorkerKind::Custom,
                        .program = bin_.filePath(QStringLiteral("zerotee-ai")),
                        .arguments = {QStringLiteral("--flag")}};
        QCOMPARE(builder_.complete(spec), QString());
        QCOMPARE(spec.arguments, QStringList{QStringLiteral("--flag")});
        spec.program = QStringLiteral("/nonexistent/program");
        QVERIFY(builder_.complete(spec).contains(QStringLiteral("not an executable")));
    }

    void kindNamesRoundTrip()
    {
        for (WorkerKind kind :
             {WorkerKind::Recorder, WorkerKind::Rtsp, WorkerKind::Ai, WorkerKind::Custom})
            QCOMPARE(workerKindFromName(workerKindName(kind)), kind);
        QVERIFY(!workerKindFromName(u"preview"));
    }

    void workerNames()
    {
        QVERIFY(WorkerSpec::validateName(u"rtsp-2").isEmpty());
        QVERIFY(!WorkerSpec::validateName(u"").isEmpty());
        QVERIFY(WorkerSpec::validateName(u"a b").contains(QStringLiteral("only contain")));
        QVERIFY(!WorkerSpec::validateName(QString(65, u'a')).isEmpty());
    }
};

QTEST_GUILESS_MAIN(WorkerCommandBuilderTest)
#include "WorkerCommandBuilderTest.moc"
