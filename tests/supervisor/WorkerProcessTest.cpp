// WorkerProcess against the real stub worker: states, reports, crashes, stop escalation, fds,
// zombies and logging.
#include "WorkerProcess.h"
#include "ProcTestSupport.h"

#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QMutex>
#include <QSignalSpy>
#include <QTemporaryFile>
#include <QTest>

#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace zerotee;
using State = WorkerProcess::State;

namespace {

struct LoggedMessage {
    QString category;
    QString text;
    QtMsgType type;
};

QMutex logMutex;
QList<LoggedMessage> logged;
QtMessageHandler previousHandler = nullptr;

void captureMessage(QtMsgType type, const QMessageLogContext &context, const QString &text)
{
    {
        QMutexLocker lock(&logMutex);
        logged.append({QString::fromUtf8(context.category), text, type});
    }
    if (previousHandler)
        previousHandler(type, context, text);
}

bool wasLogged(const QString &category, const QString &text)
{
    QMutexLocker lock(&logMutex);
    return std::any_of(logged.begin(), logged.end(), [&](const LoggedMessage &m) {
        return m.category == category && m.text == text;
    });
}

WorkerSpec stubSpec(const QString &name, const QStringList &arguments)
{
    WorkerSpec spec;
    spec.name = name;
    spec.kind = WorkerKind::Custom;
    spec.program = test::stubWorkerPath();
    spec.arguments = arguments;
    // Running then means the stub's first report, printed once its signal handling is set up,
    // so the stop tests cannot signal it before it chose to ignore SIGINT.
    spec.startGraceMs = 5000;
    spec.restart.initialBackoffMs = 200;
    spec.stop = {.interruptMs = 2000, .terminateMs = 1000};
    return spec;
}

QList<State> states(const QSignalSpy &spy)
{
    QList<State> list;
    for (const QList<QVariant> &args : spy)
        list.append(args.at(0).value<State>());
    return list;
}

} // namespace

class WorkerProcessTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase()
    {
        qRegisterMetaType<State>();
        previousHandler = qInstallMessageHandler(captureMessage);
    }

    void cleanupTestCase() { qInstallMessageHandler(previousHandler); }

    void cleanup()
    {
        // Every test leaves its workers reaped.
        QTRY_COMPARE(test::childProcesses(getpid()).size(), 0);
    }

    void startReachesRunning()
    {
        auto spec = stubSpec(QStringLiteral("basic"), {QStringLiteral("--quiet-start")});
        spec.startGraceMs = 100; // silent worker: Running after the grace period
        WorkerProcess worker(spec);
        QSignalSpy spy(&worker, &WorkerProcess::stateChanged);
        QCOMPARE(worker.state(), State::Stopped);
        worker.start();
        QCOMPARE(worker.state(), State::Starting);
        QTRY_COMPARE_WITH_TIMEOUT(worker.state(), State::Running, 3000);
        QVERIFY(worker.pid() > 0);
        QCOMPARE(states(spy), (QList<State>{State::Starting, State::Running}));
        worker.stop();
        QTRY_COMPARE(worker.state(), State::Stopped);
        QCOMPARE(worker.pid(), 0);
    }

    void reportsAreParsedIntoStats()
    {
        WorkerProcess worker(stubSpec(QStringLiteral("reporter"),
                                      {QStringLiteral("--report-every"), QStringLiteral("30")}));
        QSignalSpy reports(&worker, &WorkerProcess::reportReceived);
        worker.start();
        // The first line (a hello event) ends Starting before the grace period.
        QTRY_COMPARE(worker.state(), State::Running);
        QTRY_VERIFY(worker.reported().value(QStringLiteral("frames")).toInt() >= 3);
        QCOMPARE(worker.reported().value(QStringLiteral("rtsp_clients")).toInt(), 2);
        QCOMPARE(worker.reported().value(QStringLiteral("drops")).toInt(), 0);
        QVERIFY(!worker.reported().contains(QStringLiteral("type")));
        const QJsonObject first = reports.first().at(0).toJsonObject();
        QCOMPARE(first.value(u"type").toString(), QStringLiteral("event"));
        QCOMPARE(first.value(u"event").toString(), QStringLiteral("hello"));

        const QJsonObject status = worker.status();
        QCOMPARE(status.value(u"state").toString(), QStringLiteral("running"));
        QCOMPARE(status.value(u"reported").toObject().value(u"rtsp_clients").toInt(), 2);
        worker.stop();
        QTRY_COMPARE(worker.state(), State::Stopped);
    }

    void malformedReportLinesAreSurvived()
    {
        WorkerProcess worker(stubSpec(
            QStringLiteral("garbled"),
            {QStringLiteral("--garbage"), QStringLiteral("--long-line"), QStringLiteral("70000")}));
        worker.start();
        QTRY_COMPARE(worker.reported().value(QStringLiteral("after_long")).toBool(), true);
        QCOMPARE(worker.reported().value(QStringLiteral("frames")).toInt(), 7);
        // "this is not json", the unterminated object, the array, and the 70000-byte line.
        QCOMPARE(worker.malformedReports(), 4);
        QVERIFY(wasLogged(QStringLiteral("zerotee.worker"),
                          QStringLiteral("garbled: malformed report line #3 (not a JSON object): "
                                         "[1,2,3]")));
        QVERIFY(worker.state() == State::Running || worker.state() == State::Starting);
        worker.stop();
        QTRY_COMPARE(worker.state(), State::Stopped);
        QCOMPARE(worker.lastExitCode(), 0);
    }

    void killedWorkerIsRestartedWithinTwoSeconds()
    {
        auto spec = stubSpec(QStringLiteral("victim"), {});
        spec.restart.initialBackoffMs = 500; // the production default
        WorkerProcess worker(spec);
        QSignalSpy spy(&worker, &WorkerProcess::stateChanged);
        worker.start();
        QTRY_COMPARE(worker.state(), State::Running);
        const qint64 firstPid = worker.pid();
        spy.clear();

        QElapsedTimer clock;
        clock.start();
        QCOMPARE(::kill(pid_t(firstPid), SIGKILL), 0);
        QTRY_VERIFY_WITH_TIMEOUT(worker.state() == State::Running && worker.pid() != firstPid,
                                 2000);
        QVERIFY(clock.elapsed() < 2000);
        QCOMPARE(worker.restarts(), 1);
        QCOMPARE(worker.lastExitSignal(), SIGKILL);
        QCOMPARE(worker.failureReason(), QString());
        const QList<State> seen = states(spy);
        QCOMPARE(seen.mid(0, 3),
                 (QList<State>{State::Crashed, State::BackingOff, State::Starting}));
        // The killed process was reaped.
        QCOMPARE(test::zombieChildren(), 0);
        QVERIFY(!ProcessSampler::readStat(pid_t(firstPid)).has_value() ||
                ProcessSampler::readStat(pid_t(firstPid))->ppid != getpid());
        worker.stop();
        QTRY_COMPARE(worker.state(), State::Stopped);
        QCOMPARE(test::zombieChildren(), 0);
    }

    void crashLoopEndsInFailed()
    {
        auto spec = stubSpec(QStringLiteral("crasher"),
                             {QStringLiteral("--crash-after"), QStringLiteral("20"),
                              QStringLiteral("--exit-code"), QStringLiteral("3")});
        spec.restart = {.initialBackoffMs = 50,
                        .maxBackoffMs = 200,
                        .crashLoopCount = 4,
                        .crashLoopWindowMs = 10'000,
                        .stableAfterMs = 5000};
        WorkerProcess worker(spec);
        QSignalSpy spy(&worker, &WorkerProcess::stateChanged);
        worker.start();
        QTRY_COMPARE_WITH_TIMEOUT(worker.state(), State::Failed, 5000);
        QCOMPARE(worker.failureReason(),
                 QStringLiteral("crashed 4 times in 10 s; last: exit code 3"));
        QCOMPARE(worker.restarts(), 3);
        QCOMPARE(states(spy).count(State::Crashed), 4);
        QCOMPARE(worker.status().value(u"state").toString(), QStringLiteral("failed"));

        // Not an endless loop: nothing happens any more.
        const qsizetype changes = spy.size();
        QTest::qWait(500);
        QCOMPARE(spy.size(), changes);

        // An explicit start gives it a fresh chance.
        worker.start();
        QCOMPARE(worker.state(), State::Starting);
        QCOMPARE(worker.failureReason(), QString());
        QTRY_COMPARE_WITH_TIMEOUT(worker.state(), State::Failed, 5000);
    }

    void signalDeathIsDescribed()
    {
        auto spec = stubSpec(QStringLiteral("segv"),
                             {QStringLiteral("--signal-after"), QStringLiteral("10")});
        spec.restart.crashLoopCount = 1;
        WorkerProcess worker(spec);
        worker.start();
        QTRY_COMPARE(worker.state(), State::Failed);
        QCOMPARE(worker.lastExitSignal(), SIGSEGV);
        QCOMPARE(worker.failureReason(),
                 QStringLiteral("crashed 1 times in 60 s; last: killed by signal 11 (SEGV)"));
    }

    void gracefulStopSendsSigintFirst()
    {
        WorkerProcess worker(stubSpec(QStringLiteral("polite"), {}));
        worker.start();
        QTRY_COMPARE(worker.state(), State::Running);
        QElapsedTimer clock;
        clock.start();
        worker.stop();
        QCOMPARE(worker.state(), State::Stopping);
        QTRY_COMPARE(worker.state(), State::Stopped);
        QVERIFY(clock.elapsed() < 1000);
        QCOMPARE(worker.lastExitCode(), 0);
        QVERIFY(wasLogged(QStringLiteral("zerotee.worker.polite"),
                          QStringLiteral("polite: got SIGINT")));
    }

    void sigintIgnoredEscalatesToSigterm()
    {
        auto spec = stubSpec(QStringLiteral("stubborn"), {QStringLiteral("--ignore-sigint")});
        spec.stop = {.interruptMs = 300, .terminateMs = 300};
        WorkerProcess worker(spec);
        worker.start();
        QTRY_COMPARE(worker.state(), State::Running);
        QElapsedTimer clock;
        clock.start();
        worker.stop();
        QTRY_COMPARE_WITH_TIMEOUT(worker.state(), State::Stopped, 3000);
        QVERIFY(clock.elapsed() >= 300);
        QCOMPARE(worker.lastExitSignal(), SIGTERM);
    }

    void sigintAndSigtermIgnoredEscalatesToSigkill()
    {
        auto spec = stubSpec(QStringLiteral("deaf"), {QStringLiteral("--ignore-sigint"),
                                                      QStringLiteral("--ignore-sigterm")});
        spec.stop = {.interruptMs = 300, .terminateMs = 300};
        WorkerProcess worker(spec);
        worker.start();
        QTRY_COMPARE(worker.state(), State::Running);
        QElapsedTimer clock;
        clock.start();
        worker.stop();
        QTRY_COMPARE_WITH_TIMEOUT(worker.state(), State::Stopped, 3000);
        QVERIFY(clock.elapsed() >= 600);
        QVERIFY(clock.elapsed() < 2000);
        QCOMPARE(worker.lastExitSignal(), SIGKILL);
        // A deliberate stop is not a crash.
        QCOMPARE(worker.restarts(), 0);
        QCOMPARE(worker.failureReason(), QString());
    }

    void workerInheritsNothingButStdio()
    {
        // Descriptors a careless supervisor might leak: none of them is CLOEXEC.
        int pipeFds[2];
        QCOMPARE(::pipe(pipeFds), 0);
        const int devNull = ::open("/dev/null", O_RDONLY);
        const int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
        const int duplicate = ::dup(devNull);
        QVERIFY(devNull >= 0 && sock >= 0 && duplicate >= 0);

        WorkerProcess worker(stubSpec(QStringLiteral("fds"), {QStringLiteral("--check-fds")}));
        QSignalSpy reports(&worker, &WorkerProcess::reportReceived);
        worker.start();
        QTRY_VERIFY(!reports.isEmpty());
        const QJsonObject report = reports.first().at(0).toJsonObject();
        QCOMPARE(report.value(u"type").toString(), QStringLiteral("fds"));
        QVERIFY2(report.contains(u"fds"), QJsonDocument(report).toJson().constData());
        QVERIFY2(report.value(u"fds").toArray().isEmpty(),
                 QJsonDocument(report).toJson().constData());

        worker.stop();
        QTRY_COMPARE(worker.state(), State::Stopped);
        for (int fd : {pipeFds[0], pipeFds[1], devNull, sock, duplicate})
            ::close(fd);
    }

    void failedExecIsReported()
    {
        // Also checks that marking fds CLOEXEC keeps QProcess's exec-failure pipe working.
        QTemporaryFile notExecutable;
        QVERIFY(notExecutable.open());
        auto spec = stubSpec(QStringLiteral("broken"), {});
        spec.program = notExecutable.fileName();
        WorkerProcess worker(spec);
        worker.start();
        QTRY_COMPARE(worker.state(), State::Failed);
        QVERIFY2(worker.failureReason().startsWith(QStringLiteral("failed to start")),
                 qPrintable(worker.failureReason()));
    }

    void stderrLinesReachTheLogWithTheName()
    {
        WorkerProcess worker(
            stubSpec(QStringLiteral("chatty"),
                     {QStringLiteral("--stderr"), QStringLiteral("hello from the stub"),
                      QStringLiteral("--report-every"), QStringLiteral("20")}));
        worker.start();
        QTRY_VERIFY(wasLogged(QStringLiteral("zerotee.worker.chatty"),
                              QStringLiteral("chatty: hello from the stub")));
        QTRY_VERIFY(wasLogged(QStringLiteral("zerotee.worker.chatty"),
                              QStringLiteral("chatty: delivered frame 2")));
        worker.stop();
        QTRY_COMPARE(worker.state(), State::Stopped);
    }

    void processStatisticsAreSampled()
    {
        WorkerProcess worker(stubSpec(QStringLiteral("sampled"), {}));
        worker.setStatsInterval(100);
        QSignalSpy stats(&worker, &WorkerProcess::statsChanged);
        worker.start();
        QTRY_COMPARE(worker.state(), State::Running);
        QTRY_VERIFY(stats.size() >= 3);
        QVERIFY(worker.rssBytes() > 0);
        QVERIFY(worker.uptimeMs() > 0);
        QVERIFY(worker.cpuPercent() >= 0.0 && worker.cpuPercent() < 100.0);
        const QJsonObject status = worker.status();
        for (const char *key : {"name", "kind", "state", "failure_reason", "pid", "uptime_s",
                                "restarts", "cpu_percent", "rss_bytes", "reported"})
            QVERIFY2(status.contains(QLatin1StringView(key)), key);
        QCOMPARE(status.value(u"pid").toInteger(), worker.pid());
        worker.stop();
        QTRY_COMPARE(worker.state(), State::Stopped);
        QCOMPARE(worker.uptimeMs(), 0);
    }

    void controlsAreSafeInEveryState()
    {
        auto spec = stubSpec(QStringLiteral("juggled"),
                             {QStringLiteral("--crash-after"), QStringLiteral("300")});
        spec.restart.initialBackoffMs = 2000;
        WorkerProcess worker(spec);
        worker.stop(); // Stopped: nothing
        QCOMPARE(worker.state(), State::Stopped);
        worker.start();
        worker.start(); // Starting: nothing
        QCOMPARE(worker.state(), State::Starting);
        worker.stop();
        QCOMPARE(worker.state(), State::Stopping);
        worker.stop();  // Stopping: nothing
        worker.start(); // Stopping: start again once stopped
        QTRY_COMPARE(worker.state(), State::Running);

        // Crash → BackingOff (2 s); stop cancels the restart.
        QTRY_COMPARE_WITH_TIMEOUT(worker.state(), State::BackingOff, 3000);
        worker.stop();
        QCOMPARE(worker.state(), State::Stopped);
        QTest::qWait(300);
        QCOMPARE(worker.state(), State::Stopped);

        // restart() from Stopped starts; from Running it stops and starts a new process.
        worker.restart();
        QTRY_COMPARE(worker.state(), State::Running);
        const qint64 pid = worker.pid();
        worker.restart();
        QCOMPARE(worker.state(), State::Stopping);
        QTRY_VERIFY(worker.state() == State::Running && worker.pid() != pid);
        QCOMPARE(worker.restarts(), 1);
        worker.kill();
        QTRY_COMPARE(worker.state(), State::Stopped);
        QCOMPARE(worker.lastExitSignal(), SIGKILL);
    }

    void workerDiesWithItsSupervisor()
    {
        // Orphans would go to PID 1, which does not reap here: adopt them so we can reap.
        QCOMPARE(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        QProcess supervisor;
        supervisor.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        supervisor.start(QCoreApplication::applicationFilePath(),
                         {QStringLiteral("--mini-supervisor")});
        QVERIFY(supervisor.waitForStarted());
        QTRY_VERIFY(supervisor.canReadLine());
        const pid_t workerPid = pid_t(supervisor.readLine().trimmed().toInt());
        QVERIFY(workerPid > 0);
        QCOMPARE(::kill(workerPid, 0), 0);

        // SIGKILL gives the supervisor no chance to stop anything: only PDEATHSIG is left.
        supervisor.kill();
        QVERIFY(supervisor.waitForFinished());
        int status = 0;
        QElapsedTimer clock;
        clock.start();
        pid_t reaped = 0;
        while (reaped == 0 && clock.elapsed() < 3000) {
            reaped = ::waitpid(workerPid, &status, WNOHANG);
            if (reaped == 0)
                QTest::qWait(10);
        }
        QCOMPARE(reaped, workerPid);
        QVERIFY(WIFSIGNALED(status));
        QCOMPARE(WTERMSIG(status), SIGKILL);
        QCOMPARE(::prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
    }

    void destroyingARunningWorkerReapsIt()
    {
        qint64 pid = 0;
        {
            WorkerProcess worker(
                stubSpec(QStringLiteral("dropped"),
                         {QStringLiteral("--ignore-sigint"), QStringLiteral("--ignore-sigterm")}));
            worker.start();
            QTRY_COMPARE(worker.state(), State::Running);
            pid = worker.pid();
        }
        QCOMPARE(test::zombieChildren(), 0);
        QCOMPARE(test::childProcesses(getpid()).size(), 0);
        QVERIFY(::kill(pid_t(pid), 0) != 0);
    }
};

// `--mini-supervisor`: run one worker and print its pid, so a test can kill this process and
// watch the worker die with it.
static int runMiniSupervisor(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    WorkerProcess worker(stubSpec(QStringLiteral("orphan"), {}));
    QObject::connect(&worker, &WorkerProcess::statsChanged, &worker, [&worker] {
        static bool printed = false;
        if (!printed && worker.pid() > 0) {
            printed = true;
            std::printf("%lld\n", worker.pid());
            std::fflush(stdout);
        }
    });
    worker.start();
    return app.exec();
}

int main(int argc, char **argv)
{
    if (argc >= 2 && qstrcmp(argv[1], "--mini-supervisor") == 0)
        return runMiniSupervisor(argc, argv);
    QCoreApplication app(argc, argv);
    WorkerProcessTest test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}
#include "WorkerProcessTest.moc"
