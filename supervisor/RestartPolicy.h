#pragma once

#include <QString>
#include <QtGlobal>

#include <deque>

namespace zerotee {

/// Decides whether and when a crashed worker is started again.
///
/// Exponential backoff (initial delay × factor per consecutive crash, capped), crash-loop
/// detection (too many crashes inside a sliding window → give up) and a reset once a worker has
/// run stably for a while. Pure logic: every call takes the current monotonic time in ms, so it
/// is tested without processes or timers.
///
/// Thread context: not thread-safe; owned and used by one WorkerProcess.
class RestartPolicy {
public:
    struct Settings {
        bool restartOnCrash = true;
        int initialBackoffMs = 500;
        double backoffFactor = 2.0;
        int maxBackoffMs = 30'000;
        /// This many crashes within crashLoopWindowMs is a crash loop.
        int crashLoopCount = 5;
        int crashLoopWindowMs = 60'000;
        /// A run at least this long forgets the earlier crashes and the backoff.
        int stableAfterMs = 10'000;
    };

    struct Decision {
        bool restart = false;
        int delayMs = 0;
        /// Why the worker is given up on (empty when restart is true), e.g.
        /// "crashed 5 times in 60 s".
        QString reason;
    };

    RestartPolicy() = default;
    explicit RestartPolicy(const Settings &settings) : settings_(settings) {}

    const Settings &settings() const { return settings_; }

    /// A (re)start happened at @p nowMs; the stable-run clock counts from here.
    void recordStart(qint64 nowMs);
    /// The worker exited unexpectedly at @p nowMs: restart after a delay, or give up.
    Decision recordCrash(qint64 nowMs);
    /// Forgets all history (a manual start after Failed, for example).
    void reset();

    /// Consecutive crashes counted for the backoff (0 after a reset or a stable run).
    int consecutiveCrashes() const { return consecutive_; }
    /// The delay the next crash would get.
    int nextDelayMs() const;

private:
    Settings settings_;
    std::deque<qint64> crashTimes_;
    qint64 lastStartMs_ = -1;
    int consecutive_ = 0;
};

} // namespace zerotee
