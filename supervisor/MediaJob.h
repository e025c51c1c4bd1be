#pragma once

#include <QByteArray>
#include <QObject>
#include <QStringList>
#include <functional>

class QProcess;

namespace zerotee {

/// One short-lived media program run for an HTTP request (zerotee-clip, zerotee-snapshot):
/// started, bounded in time, and its outcome handed to @p done exactly once — its stdout on
/// success, else why it failed (its last stderr line, or the timeout). Deletes itself after.
/// The supervisor's event loop never waits for it.
///
/// Thread context: thread-bound to the main thread.
class MediaJob : public QObject {
    Q_OBJECT

public:
    struct Outcome {
        bool ok = false;
        QByteArray output; ///< stdout
        QString error;     ///< when !ok
    };
    using Done = std::function<void(const Outcome &)>;

    /// Starts @p program with @p arguments; @p done runs on the main loop when it ends or after
    /// @p timeoutMs (the program is killed).
    static void start(const QString &program, const QStringList &arguments, int timeoutMs,
                      Done done);

private:
    MediaJob(Done done) : done_(std::move(done)) {}
    void finish(const Outcome &outcome);

    Done done_;
    QProcess *process_ = nullptr;
    bool finished_ = false;
};

} // namespace zerotee
