#include "PollLoop.h"

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

int PublisherPollLoop::runOnce(int maxTimeoutMs)
{
    using Clock = FramePublisher::Clock;
    std::vector<pollfd> fds;
    std::vector<FramePublisher::ClientId> ids;
    int timeoutMs = maxTimeoutMs;
    {
        std::lock_guard lock(mutex_);
        fds.push_back({wakeup_.get(), POLLIN, 0});
        fds.push_back({listen_.get(), POLLIN, 0});
        for (const auto &item : publisher_.pollItems()) {
            fds.push_back({item.fd, short(POLLIN | (item.wantWrite ? POLLOUT : 0)), 0});
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
        // Read first: a peer's last messages (releases, goodbye) may precede its hang-up.
        if (revents & (POLLIN | POLLHUP | POLLERR))
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
