#pragma once

#include "OutputLineBuffer.h"
#include "ProcessSampler.h"
#include "RestartPolicy.h"
#include "WorkerSpec.h"

#include <QElapsedTimer>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <QProcess>
#include <QTimer>
#include <QVariantMap>

#include <memory>

Q_DECLARE_LOGGING_CATEGORY(lcWorker)

namespace zerotee {

/// One worker process and its life cycle.
///
/// State machine (the `state` property):
///
///   Stopped ──start──▶ Starting ──first report or grace──▶ Running
///   Starting/Running ──stop──▶ Stopping ──exit──▶ Stopped
///   Starting/Running ──unexpected exit──▶ Crashed ──▶ BackingOff ──timer──▶ Starting
///                                                 └──▶ Failed (crash loop; failureReason says why)
///
/// The child is launched with QProcess; between fork and exec it asks for SIGKILL when the
/// supervisor dies (PR_SET_PDEATHSIG, then re-checks getppid() because the supervisor may already
/// be gone), moves into its own process group (a terminal's Ctrl-C reaches only the supervisor,
/// which stops workers in order) and marks every fd ≥ 3 close-on-exec, so it inherits stdio and
/// nothing else; workers reach the bus by its socket path.
///
/// A graceful stop sends SIGINT (our workers and `gst-launch-1.0 -e` turn it into EOS and finalize
/// their files), then SIGTERM after StopTimeouts::interruptMs, then SIGKILL to the process group
/// after StopTimeouts::terminateMs.
///
/// Structured channel: each stdout line is one JSON object. `{"type":"stats",…}` objects are
/// merged into `reported`; every object is emitted as reportReceived(). stderr lines are logged
/// through the category `zerotee.worker.<name>` with the worker's name in front.
///
/// start(), stop() and restart() are safe in every state. QProcess reaps the child, so no zombie
/// is left, also after SIGKILL or when this object is destroyed with the worker running.
///
/// Thread context: thread-bound to the main thread. PR_SET_PDEATHSIG fires when the thread that
/// forked the child exits, so the object must live on a thread that lasts as long as the
/// supervisor.
class WorkerProcess : public QObject {
    Q_OBJECT
    Q_PROPERTY(QString name READ name CONSTANT)
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(QString failureReason READ failureReason NOTIFY stateChanged)
    Q_PROPERTY(QVariantMap reported READ reported NOTIFY reportedChanged)
    Q_PROPERTY(qint64 pid READ pid NOTIFY statsChanged)
    Q_PROPERTY(int restarts READ restarts NOTIFY statsChanged)
    Q_PROPERTY(double cpuPercent READ cpuPercent NOTIFY statsChanged)
    Q_PROPERTY(qint64 rssBytes READ rssBytes NOTIFY statsChanged)

public:
    enum class State { Stopped, Starting, Running, Stopping, Crashed, BackingOff, Failed };
    Q_ENUM(State)

    /// @p spec must have a program (see WorkerCommandBuilder::complete()).
    explicit WorkerProcess(WorkerSpec spec, QObject *parent = nullptr);
    /// Kills a still running worker (SIGKILL to its group) and reaps it.
    ~WorkerProcess() override;

    const WorkerSpec &spec() const { return spec_; }
    QString name() const { return spec_.name; }
    State state() const { return state_; }
    /// Why the worker is Failed, or what the last crash was; empty otherwise.
    QString failureReason() const { return failureReason_; }

    /// 0 when no process is running.
    qint64 pid() const { return pid_; }
    /// Automatic restarts after crashes plus explicit restart() calls.
    int restarts() const { return restarts_; }
    /// Milliseconds since the current process started; 0 when none runs.
    qint64 uptimeMs() const;
    double cpuPercent() const { return sampler_.cpuPercent(); }
    qint64 rssBytes() const { return sampler_.rssBytes(); }
    /// Exit code of the last exit, or -1 if it was killed by a signal or never ran.
    int lastExitCode() const { return lastExitCode_; }
    /// Signal that killed the last process, or 0.
    int lastExitSignal() const { return lastExitSignal_; }
    /// "exit code 1", "killed by signal 9", or empty if it never exited.
    QString lastExitDescription() const;

    /// Everything the worker reported in "stats" lines, merged (latest value wins).
    QVariantMap reported() const { return reported_; }
    /// Malformed or over-long report lines seen since the object was created.
    int malformedReports() const { return malformedReports_; }

    /// Status for the control API: name, kind, state, failure_reason, pid, uptime_s,
    /// restarts, cpu_percent, rss_bytes, last_exit_code, last_exit_signal, reported (the
    /// same snake_case keys as the rest of the control API).
    QJsonObject status() const;

    /// How often CPU and memory are sampled while running (default 1000 ms).
    void setStatsInterval(int ms) { statsTimer_.setInterval(ms); }

    /// "stopped", "starting", "running", "stopping", "crashed", "backing-off", "failed".
    static QString stateName(State state);

public slots:
    /// Starts the worker; from BackingOff it starts at once; from Failed or Stopped it also
    /// forgets the crash history. While Stopping, it starts again once stopped.
    void start();
    /// Graceful stop (SIGINT → SIGTERM → SIGKILL); from BackingOff just cancels the restart.
    void stop();
    /// Stops gracefully if running, then starts again.
    void restart();
    /// SIGKILL to the worker's process group now (used when a shutdown deadline has passed).
    void kill();

public:
    /// Writes one line to the worker's stdin (workers whose spec accepts input, e.g. the
    /// recorder's event triggers). False when it is not running or takes no input.
    bool sendLine(const QByteArray &line);

signals:
    void stateChanged(zerotee::WorkerProcess::State state);
    /// Every JSON object the worker wrote on stdout.
    void reportReceived(const QJsonObject &report);
    void reportedChanged();
    /// pid, CPU, RSS or restarts changed.
    void statsChanged();

private:
    void setState(State state);
    void launch();
    void beginStop();
    void signalWorker(int signal);
    void escalateStop();
    void sampleStats();

    void onStarted();
    void onFinished(int exitCode, QProcess::ExitStatus status);
    void onErrorOccurred(QProcess::ProcessError error);
    void readStdout();
    void readStderr();
    void handleReportLine(QByteArrayView line, bool truncated);
    void logStderrLine(QByteArrayView line, bool truncated);

    const QLoggingCategory &workerLog() const { return *workerCategory_; }

    enum class StopStep { None, Interrupt, Terminate, Kill };

    WorkerSpec spec_;
    State state_ = State::Stopped;
    QString failureReason_;

    // QLoggingCategory keeps the pointer to its name, so the name lives as long as it does.
    QByteArray workerCategoryName_;
    std::unique_ptr<QLoggingCategory> workerCategory_;

    QProcess *process_ = nullptr; // child QObject, reused for every run
    RestartPolicy policy_;
    ProcessSampler sampler_;
    OutputLineBuffer stdoutLines_;
    OutputLineBuffer stderrLines_;

    QTimer graceTimer_;      // Starting → Running without a report
    QTimer backoffTimer_;    // BackingOff → Starting
    QTimer escalationTimer_; // SIGINT → SIGTERM → SIGKILL
    QTimer statsTimer_;
    QElapsedTimer runClock_; // valid while a process runs
    StopStep stopStep_ = StopStep::None;
    bool startWhenStopped_ = false;

    QVariantMap reported_;
    qint64 pid_ = 0;
    int restarts_ = 0;
    int lastExitCode_ = -1;
    int lastExitSignal_ = 0;
    int malformedReports_ = 0;
    bool newerProtocolSaid_ = false; // a worker speaking a newer protocol is said once
};

} // namespace zerotee
