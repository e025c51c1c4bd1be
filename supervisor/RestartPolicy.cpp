#include "RestartPolicy.h"

#include <algorithm>
#include <cmath>

namespace zerotee {

void RestartPolicy::recordStart(qint64 nowMs)
{
    lastStartMs_ = nowMs;
}

void RestartPolicy::reset()
{
    crashTimes_.clear();
    consecutive_ = 0;
    lastStartMs_ = -1;
}

int RestartPolicy::nextDelayMs() const
{
    // Computed in double so a long crash history cannot overflow before the cap applies.
    const double delay =
        settings_.initialBackoffMs * std::pow(std::max(1.0, settings_.backoffFactor), consecutive_);
    return int(std::min<double>(delay, std::max(settings_.maxBackoffMs, 0)));
}

RestartPolicy::Decision RestartPolicy::recordCrash(qint64 nowMs)
{
    if (lastStartMs_ >= 0 && nowMs - lastStartMs_ >= settings_.stableAfterMs) {
        // It ran long enough to count as healthy: this crash starts a new history.
        crashTimes_.clear();
        consecutive_ = 0;
    }

    crashTimes_.push_back(nowMs);
    while (!crashTimes_.empty() && nowMs - crashTimes_.front() > settings_.crashLoopWindowMs)
        crashTimes_.pop_front();

    if (!settings_.restartOnCrash)
        return {.restart = false, .reason = QStringLiteral("restart on crash is disabled")};

    if (settings_.crashLoopCount > 0 && int(crashTimes_.size()) >= settings_.crashLoopCount) {
        const qint64 windowS = (settings_.crashLoopWindowMs + 999) / 1000;
        return {
            .restart = false,
            .reason =
                QStringLiteral("crashed %1 times in %2 s").arg(crashTimes_.size()).arg(windowS)};
    }

    Decision decision{.restart = true, .delayMs = nextDelayMs()};
    ++consecutive_;
    return decision;
}

} // namespace zerotee
