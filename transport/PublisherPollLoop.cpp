#include "PublisherPollLoop.h"

#include "UnixSocket.h"

#include <algorithm>
#include <cerrno>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

namespace zerotee {

PublisherPollLoop::PublisherPollLoop(FramePublisher &publisher, UniqueFd listenSocket,
                                     std::mutex &mutex)
    : publisher_(publisher), listen_(std::move(listenSocket)),
      wakeup_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)), mutex_(mutex)
{
}

PublisherPollLoop::~PublisherPollLoop() = default;

void PublisherPollLoop::wakeup()
{
    uint64_t one = 1;
    [[maybe_unused]] ssize_t ret = ::write(wakeup_.get(), &one, sizeof(one));
}

void PublisherPollLoop::notePublished(uint64_t monotonicNs)
{
    // Two frame intervals (at most 250 ms) from now: a late frame does not end quiet reading.
    constexpr uint64_t kMaxIntervalNs = 250'000'000;
    uint64_t previous = lastPublishNs_.exchange(monotonicNs);
    uint64_t quietUntil = 0;
    if (previous != 0 && monotonicNs > previous)
        quietUntil = monotonicNs + 2 * std::min(monotonicNs - previous, kMaxIntervalNs);
    quietUntilNs_.store(quietUntil);
}

bool PublisherPollLoop::isQuiet(uint64_t nowNs) const
{
    return quietWhileStreaming_ && quietUntilNs_.load() > nowNs;
}

int PublisherPollLoop::runOnce(int maxTimeoutMs)
{
    using Clock = FramePublisher::Clock;
    std::vector<pollfd> fds;
    std::vector<FramePublisher::ClientId> ids;
    int timeoutMs = maxTimeoutMs;
    // Decided once per wait: a quiet wait lasts until something else wakes the loop, at most
    // the lease deadline or maxTimeoutMs; the next wait polls releases again if frames stopped.
    const bool quiet = isQuiet(monotonicNowNs());
    {
        std::lock_guard lock(mutex_);
        fds.push_back({wakeup_.get(), POLLIN, 0});
        fds.push_back({listen_.get(), POLLIN, 0});
        for (const auto &item : publisher_.pollItems()) {
            short events = (quiet && item.admitted) ? 0 : POLLIN; // hang-ups are always seen
            if (item.wantWrite)
                events |= POLLOUT;
            fds.push_back({item.fd, events, 0});
            ids.push_back(item.client);
        }
        Clock::time_point deadline = publisher_.nextDeadline();
        if (deadline != Clock::time_point::max()) {
            auto untilMs = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
            timeoutMs = std::clamp<int>(int(untilMs.count()), 0, maxTimeoutMs);
        }
    }

    int ready = ::poll(fds.data(), fds.size(), timeoutMs);
    if (ready < 0)
        return errno == EINTR ? 0 : -errno;

    if (fds[0].revents & POLLIN) {
        uint64_t value;
        [[maybe_unused]] ssize_t ret = ::read(wakeup_.get(), &value, sizeof(value));
    }

    std::lock_guard lock(mutex_);
    Clock::time_point now = Clock::now();
    if (fds[1].revents & POLLIN) {
        while (UniqueFd client = acceptConnection(listen_.get()))
            publisher_.addClient(std::move(client), now);
    }
    for (size_t i = 2; i < fds.size(); ++i) {
        FramePublisher::ClientId id = ids[i - 2];
        short revents = fds[i].revents;
        // Read first: a peer's last messages (releases, goodbye) may precede its hang-up. A
        // quiet wait reads everyone, so no deadline is judged on releases left unread.
        if (quiet || (revents & (POLLIN | POLLHUP | POLLERR)))
            publisher_.handleReadable(id, now);
        if (revents & POLLOUT)
            publisher_.handleWritable(id, now);
        if (revents & (POLLHUP | POLLERR))
            publisher_.handleHangup(id);
    }
    publisher_.handleTimeouts(now);
    return 0;
}

} // namespace zerotee
