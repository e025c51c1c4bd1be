// libFuzzer target: arbitrary bytes arriving on a bus socket, at either end.
// The first input byte picks the receiving side: even = producer (FramePublisher, after a
// valid hello), odd = consumer (FrameSubscriber, any state). The rest goes down the socket.
#include "FramePublisher.h"
#include "FrameSubscriber.h"

#include <cstddef>
#include <cstdint>
#include <sys/socket.h>
#include <unistd.h>

using namespace zerotee;

namespace {

std::pair<UniqueFd, UniqueFd> socketPair()
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
        __builtin_trap();
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

void feed(int fd, const uint8_t *data, size_t size)
{
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n <= 0)
            return;
        data += n;
        size -= size_t(n);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    bool producerSide = (data[0] & 1) == 0;
    auto [mine, theirs] = socketPair();
    if (producerSide) {
        FramePublisher publisher({}, {});
        publisher.setCaps("video/x-raw");
        int id = publisher.addClient(std::move(mine), FramePublisher::Clock::now());
        if (id < 0)
            return 0;
        feed(theirs.get(), data + 1, size - 1);
        publisher.handleReadable(FramePublisher::ClientId(id), FramePublisher::Clock::now());
        publisher.handleTimeouts(FramePublisher::Clock::now());
    } else {
        FrameSubscriber subscriber({});
        if (subscriber.attach(std::move(mine)) < 0)
            return 0;
        feed(theirs.get(), data + 1, size - 1);
        std::vector<SubscriberEvent> events;
        subscriber.handleReadable(events);
        subscriber.handleReadable(events);
    }
    return 0;
}
