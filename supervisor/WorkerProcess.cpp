#include "WorkerProcess.h"

#include "WorkerProtocol.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QProcessEnvironment>

#include <algorithm>
#include <csignal>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

Q_LOGGING_CATEGORY(lcWorker, "zerotee.worker")

namespace zerotee {

namespace {

qint64 monotonicMs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1000 + ts.tv_nsec / 1'000'000;
}

qint64 monotonicNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// Runs in the child between fork and exec: async-signal-safe calls only.
///
/// Marks fds ≥ 3 close-on-exec instead of closing them, because QProcess reports a failed
/// execve() to the parent through a CLOEXEC pipe of its own that must stay open until then.
void markInheritedDescriptorsCloseOnExec()
{
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
        return;
    // Kernels before 5.11: walk the descriptor table up to the limit (bounded, to stay quick).
    rlimit limit{};
    int maxFd = 65536;
    if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
        maxFd = int(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
    for (int fd = 3; fd < maxFd; ++fd) {
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags >= 0 && !(flags & FD_CLOEXEC))
            ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
    }
}

void prepareChild(pid_t supervisorPid)
{
    // Die with the supervisor. If it died between fork() and here, the death signal was never
    // armed for us: getppid() then names someone else, so leave now.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != supervisorPid)
        ::_exit(127);

    ::setpgid(0, 0);

    // A blocked mask and ignored dispositions survive execve(); the supervisor may block or
    // ignore SIGINT/SIGTERM for its own shutdown handling, but the worker must see them.
    sigset_t none;
    ::sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD})
        ::signal(sig, SIG_DFL);

    markInheritedDescriptorsCloseOnExec();
}

bool looksLikeWarning(QByteArrayView line)
{
    // Heuristic so that worker errors keep a warning level in the journal; GStreamer debug
    // output and g_warning()/g_critical() lines carry these words.
    for (const char *word : {"ERROR", "CRITICAL", "WARN"}) {
        if (line.contains(QByteArrayView(word)))
            return true;
    }
    return false;
}

} // namespace

WorkerProcess::WorkerProcess(WorkerSpec spec, QObject *parent)
    : QObject(parent), spec_(std::move(spec)),
      workerCategoryName_("zerotee.worker." + spec_.name.toUtf8()),
      workerCategory_(std::make_unique<QLoggingCategory>(workerCategoryName_.constData())),
      process_(new QProcess(this)), policy_(spec_.restart)
{
    process_->setProgram(spec_.program);
    process_->setArguments(spec_.arguments);
    if (!spec_.environment.isEmpty()) {
        QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
        for (auto it = spec_.environment.cbegin(); it != spec_.environment.cend(); ++it)
            environment.insert(it.key(), it.value());
        process_->setProcessEnvironment(environment);
    }
    process_->setProcessChannelMode(QProcess::SeparateChannels);
    // Only workers that take commands on stdin (the recorder's triggers) get a pipe there.
    if (!spec_.acceptsInput)
        process_->setStandardInputFile(QProcess::nullDevice());
    process_->setChildProcessModifier(
        [supervisorPid = ::getpid()] { prepareChild(supervisorPid); });

    connect(process_, &QProcess::started, this, &WorkerProcess::onStarted);
    connect(process_, &QProcess::finished, this, &WorkerProcess::onFinished);
    connect(process_, &QProcess::errorOccurred, this, &WorkerProcess::onErrorOccurred);
    connect(process_, &QProcess::readyReadStandardOutput, this, &WorkerProcess::readStdout);
    connect(process_, &QProcess::readyReadStandardError, this, &WorkerProcess::readStderr);

    graceTimer_.setSingleShot(true);
    connect(&graceTimer_, &QTimer::timeout, this, [this] {
        if (state_ == State::Starting)
            setState(State::Running);
    });
    backoffTimer_.setSingleShot(true);
    connect(&backoffTimer_, &QTimer::timeout, this, [this] {
        if (state_ != State::BackingOff)
            return;
        ++restarts_;
        launch();
    });
    escalationTimer_.setSingleShot(true);
    connect(&escalationTimer_, &QTimer::timeout, this, &WorkerProcess::escalateStop);
    statsTimer_.setInterval(1000);
    connect(&statsTimer_, &QTimer::timeout, this, &WorkerProcess::sampleStats);
}

WorkerProcess::~WorkerProcess()
{
    // No callbacks into a half-destroyed object.
    process_->disconnect(this);
    if (process_->state() != QProcess::NotRunning) {
        qCWarning(lcWorker).noquote() << spec_.name << "still running at destruction; killing";
        signalWorker(SIGKILL);
        // Reap it here rather than leave a zombie (PID 1 may not reap orphans).
        process_->waitForFinished(5000);
    }
}

QString WorkerProcess::stateName(State state)
{
    switch (state) {
    case State::Stopped:
        return QStringLiteral("stopped");
    case State::Starting:
        return QStringLiteral("starting");
    case State::Running:
        return QStringLiteral("running");
    case State::Stopping:
        return QStringLiteral("stopping");
    case State::Crashed:
        return QStringLiteral("crashed");
    case State::BackingOff:
        return QStringLiteral("backing-off");
    case State::Failed:
        return QStringLiteral("failed");
    }
    return {};
}

qint64 WorkerProcess::uptimeMs() const
{
    return pid_ > 0 && runClock_.isValid() ? runClock_.elapsed() : 0;
}

QString WorkerProcess::lastExitDescription() const
{
    if (lastExitSignal_ > 0)
        return QStringLiteral("killed by signal %1 (%2)")
            .arg(lastExitSignal_)
            .arg(QLatin1StringView(sigabbrev_np(lastExitSignal_)));
    if (lastExitCode_ >= 0)
        return QStringLiteral("exit code %1").arg(lastExitCode_);
    return {};
}

QJsonObject WorkerProcess::status() const
{
    return {
        {QStringLiteral("name"), spec_.name},
        {QStringLiteral("kind"), workerKindName(spec_.kind)},
        {QStringLiteral("state"), stateName(state_)},
        {QStringLiteral("failure_reason"), failureReason_},
        {QStringLiteral("pid"), pid_},
        {QStringLiteral("uptime_s"), double(uptimeMs()) / 1000.0},
        {QStringLiteral("restarts"), restarts_},
        {QStringLiteral("cpu_percent"), cpuPercent()},
        {QStringLiteral("rss_bytes"), rssBytes()},
        {QStringLiteral("last_exit_code"), lastExitCode_},
        {QStringLiteral("last_exit_signal"), lastExitSignal_},
        {QStringLiteral("reported"), QJsonObject::fromVariantMap(reported_)},
    };
}

void WorkerProcess::setState(State state)
{
    if (state_ == state)
        return;
    qCDebug(lcWorker).noquote() << spec_.name << stateName(state_) << "→" << stateName(state);
    state_ = state;
    emit stateChanged(state);
}

void WorkerProcess::start()
{
    switch (state_) {
    case State::Starting:
    case State::Running:
        return;
    case State::Stopping:
        startWhenStopped_ = true;
        return;
    case State::BackingOff:
        backoffTimer_.stop();
        launch();
        return;
    case State::Stopped:
    case State::Crashed:
    case State::Failed:
        // An explicit start is a fresh chance: earlier crashes no longer count.
        policy_.reset();
        launch();
        return;
    }
}

void WorkerProcess::stop()
{
    switch (state_) {
    case State::Starting:
    case State::Running:
        startWhenStopped_ = false;
        beginStop();
        return;
    case State::Stopping:
        startWhenStopped_ = false;
        return;
    case State::BackingOff:
    case State::Crashed:
        backoffTimer_.stop();
        setState(State::Stopped);
        return;
    case State::Stopped:
    case State::Failed:
        return;
    }
}

void WorkerProcess::restart()
{
    switch (state_) {
    case State::Starting:
    case State::Running:
        ++restarts_;
        startWhenStopped_ = true;
        beginStop();
        return;
    case State::Stopping:
        startWhenStopped_ = true;
        return;
    case State::BackingOff:
        ++restarts_;
        start();
        return;
    case State::Stopped:
    case State::Crashed:
    case State::Failed:
        start();
        return;
    }
}

void WorkerProcess::kill()
{
    if (process_->state() == QProcess::NotRunning)
        return;
    if (state_ != State::Stopping) {
        startWhenStopped_ = false;
        setState(State::Stopping);
    }
    stopStep_ = StopStep::Kill;
    escalationTimer_.stop();
    signalWorker(SIGKILL);
}

void WorkerProcess::launch()
{
    failureReason_.clear();
    if (!reported_.isEmpty()) {
        // Reported values describe one run; a new process starts from nothing.
        reported_.clear();
        emit reportedChanged();
    }
    stdoutLines_.clear();
    stderrLines_.clear();
    stopStep_ = StopStep::None;
    setState(State::Starting);
    if (state_ != State::Starting)
        return; // a stateChanged() handler stopped us again
    policy_.recordStart(monotonicMs());
    qCInfo(lcWorker).noquote() << "starting" << spec_.name << ":" << spec_.program
                               << spec_.arguments.join(u' ');
    process_->start(spec_.acceptsInput ? QIODevice::ReadWrite : QIODevice::ReadOnly);
}

bool WorkerProcess::sendLine(const QByteArray &line)
{
    if (!spec_.acceptsInput || state_ != State::Running || process_->state() != QProcess::Running)
        return false;
    QByteArray data = line;
    if (!data.endsWith('\n'))
        data.append('\n');
    return process_->write(data) == data.size();
}

void WorkerProcess::onStarted()
{
    pid_ = process_->processId();
    runClock_.start();
    sampler_.reset(pid_t(pid_));
    sampler_.sample(monotonicNs());
    statsTimer_.start();
    qCInfo(lcWorker).noquote() << spec_.name << "started, pid" << pid_;
    emit statsChanged();
    if (state_ != State::Starting)
        return;
    if (spec_.startGraceMs <= 0)
        setState(State::Running);
    else
        graceTimer_.start(spec_.startGraceMs);
}

void WorkerProcess::beginStop()
{
    graceTimer_.stop();
    setState(State::Stopping);
    if (process_->state() == QProcess::NotRunning) {
        setState(State::Stopped);
        return;
    }
    qCInfo(lcWorker).noquote() << "stopping" << spec_.name << "(SIGINT)";
    stopStep_ = StopStep::Interrupt;
    signalWorker(SIGINT);
    escalationTimer_.start(spec_.stop.interruptMs);
}

void WorkerProcess::escalateStop()
{
    if (state_ != State::Stopping)
        return;
    if (stopStep_ == StopStep::Interrupt) {
        qCWarning(lcWorker).noquote() << spec_.name << "did not stop within"
                                      << spec_.stop.interruptMs << "ms of SIGINT; sending SIGTERM";
        stopStep_ = StopStep::Terminate;
        signalWorker(SIGTERM);
        escalationTimer_.start(spec_.stop.terminateMs);
    } else if (stopStep_ == StopStep::Terminate) {
        qCWarning(lcWorker).noquote() << spec_.name << "did not stop within"
                                      << spec_.stop.terminateMs << "ms of SIGTERM; sending SIGKILL";
        stopStep_ = StopStep::Kill;
        signalWorker(SIGKILL);
    }
}

void WorkerProcess::signalWorker(int signal)
{
    // The pid stays ours until QProcess reaps it (after finished()), so it cannot name a
    // stranger here.
    const qint64 pid = process_->processId();
    if (pid <= 0)
        return;
    if (signal == SIGKILL)
        ::kill(-pid_t(pid), SIGKILL); // whatever the worker spawned goes too
    ::kill(pid_t(pid), signal);
}

void WorkerProcess::sampleStats()
{
    if (pid_ > 0 && sampler_.sample(monotonicNs()))
        emit statsChanged();
}

void WorkerProcess::onFinished(int exitCode, QProcess::ExitStatus status)
{
    // Whatever the worker wrote last still counts.
    readStdout();
    readStderr();
    stdoutLines_.flush([this](QByteArrayView line, bool t) { handleReportLine(line, t); });
    stderrLines_.flush([this](QByteArrayView line, bool t) { logStderrLine(line, t); });

    graceTimer_.stop();
    escalationTimer_.stop();
    statsTimer_.stop();
    // QProcess reports the signal number as the exit code of a CrashExit.
    lastExitSignal_ = status == QProcess::CrashExit ? exitCode : 0;
    lastExitCode_ = status == QProcess::CrashExit ? -1 : exitCode;
    const qint64 ranMs = uptimeMs();
    pid_ = 0;
    runClock_.invalidate();
    sampler_.reset(0);
    emit statsChanged();

    switch (state_) {
    case State::Stopping: {
        qCInfo(lcWorker).noquote() << spec_.name << "stopped," << lastExitDescription();
        stopStep_ = StopStep::None;
        const bool startAgain = std::exchange(startWhenStopped_, false);
        setState(State::Stopped);
        if (startAgain && state_ == State::Stopped) {
            policy_.reset();
            launch();
        }
        return;
    }
    case State::Starting:
    case State::Running: {
        failureReason_ = lastExitDescription();
        qCWarning(lcWorker).noquote()
            << spec_.name << "exited unexpectedly after" << ranMs << "ms:" << failureReason_;
        setState(State::Crashed);
        if (state_ != State::Crashed)
            return; // a stateChanged() handler took over
        const RestartPolicy::Decision decision = policy_.recordCrash(monotonicMs());
        if (decision.restart) {
            qCInfo(lcWorker).noquote()
                << "restarting" << spec_.name << "in" << decision.delayMs << "ms";
            setState(State::BackingOff);
            if (state_ == State::BackingOff)
                backoffTimer_.start(decision.delayMs);
        } else {
            failureReason_ =
                QStringLiteral("%1; last: %2").arg(decision.reason, lastExitDescription());
            qCCritical(lcWorker).noquote() << spec_.name << "failed:" << failureReason_;
            setState(State::Failed);
        }
        return;
    }
    case State::Stopped:
    case State::Crashed:
    case State::BackingOff:
    case State::Failed:
        return;
    }
}

void WorkerProcess::onErrorOccurred(QProcess::ProcessError error)
{
    // Crashes, read and write errors are followed by finished(); only a failed start is not.
    if (error != QProcess::FailedToStart)
        return;
    graceTimer_.stop();
    escalationTimer_.stop();
    statsTimer_.stop();
    pid_ = 0;
    if (state_ == State::Stopping) {
        startWhenStopped_ = false;
        setState(State::Stopped);
        return;
    }
    // A missing or non-executable program will not fix itself by retrying.
    failureReason_ =
        QStringLiteral("failed to start %1: %2").arg(spec_.program, process_->errorString());
    qCCritical(lcWorker).noquote() << spec_.name << failureReason_;
    setState(State::Failed);
}

void WorkerProcess::readStdout()
{
    const QByteArray data = process_->readAllStandardOutput();
    stdoutLines_.append(data, [this](QByteArrayView line, bool t) { handleReportLine(line, t); });
}

void WorkerProcess::readStderr()
{
    const QByteArray data = process_->readAllStandardError();
    stderrLines_.append(data, [this](QByteArrayView line, bool t) { logStderrLine(line, t); });
}

void WorkerProcess::handleReportLine(QByteArrayView line, bool truncated)
{
    if (line.trimmed().isEmpty())
        return;

    QJsonParseError error{};
    QJsonDocument document;
    if (!truncated)
        document = QJsonDocument::fromJson(line.toByteArray(), &error);
    if (truncated || error.error != QJsonParseError::NoError || !document.isObject()) {
        // Log the first few and then a reminder now and then: a broken worker must not flood
        // the journal.
        ++malformedReports_;
        if (malformedReports_ <= 5 || malformedReports_ % 1000 == 0) {
            const QString why =
                truncated ? QStringLiteral("longer than %1 bytes").arg(stdoutLines_.maxLineBytes())
                : error.error != QJsonParseError::NoError ? error.errorString()
                                                          : QStringLiteral("not a JSON object");
            const QByteArrayView excerpt = line.first(std::min<qsizetype>(line.size(), 200));
            qCWarning(lcWorker).noquote()
                << QStringLiteral("%1: malformed report line #%2 (%3): %4")
                       .arg(spec_.name)
                       .arg(malformedReports_)
                       .arg(why, QString::fromUtf8(excerpt));
        }
        return;
    }

    const QJsonObject report = document.object();
    if (const int version = protocol::versionOf(report);
        version > protocol::kVersion && !newerProtocolSaid_) {
        newerProtocolSaid_ = true; // its lines are read as far as this version knows them
        qCWarning(lcWorker).noquote()
            << QStringLiteral("%1 speaks worker protocol v%2, this supervisor v%3: reports of "
                              "types it does not know are ignored")
                   .arg(spec_.name)
                   .arg(version)
                   .arg(protocol::kVersion);
    }
    if (protocol::reportOf(report) == protocol::Report::Stats) {
        for (auto it = report.begin(); it != report.end(); ++it) {
            if (it.key() != protocol::kTypeKey && it.key() != protocol::kVersionKey)
                reported_.insert(it.key(), it.value().toVariant());
        }
        emit reportedChanged();
    }
    if (state_ == State::Starting) {
        graceTimer_.stop();
        setState(State::Running);
    }
    emit reportReceived(report);
}

void WorkerProcess::logStderrLine(QByteArrayView line, bool truncated)
{
    if (line.isEmpty())
        return;
    QString text = QString::fromUtf8(line);
    if (truncated)
        text += QStringLiteral(" […]");
    if (looksLikeWarning(line))
        qCWarning(workerLog()).noquote().nospace() << spec_.name << ": " << text;
    else
        qCInfo(workerLog()).noquote().nospace() << spec_.name << ": " << text;
}

} // namespace zerotee
