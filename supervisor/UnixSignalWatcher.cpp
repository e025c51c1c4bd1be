#include "UnixSignalWatcher.h"

#include <QSocketNotifier>
#include <csignal>
#include <sys/socket.h>
#include <unistd.h>

namespace zerotee {

namespace {
int signalPipe[2] = {-1, -1};
}

UnixSignalWatcher::UnixSignalWatcher(std::initializer_list<int> numbers, QObject *parent)
    : QObject(parent)
{
    ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, signalPipe);
    notifier_ = std::make_unique<QSocketNotifier>(signalPipe[1], QSocketNotifier::Read);
    connect(notifier_.get(), &QSocketNotifier::activated, this, [this] {
        unsigned char number;
        while (::read(signalPipe[1], &number, 1) == 1)
            emit received(number);
    });
    for (int sig : numbers) {
        struct sigaction action {};
        action.sa_handler = [](int number) {
            unsigned char byte = static_cast<unsigned char>(number);
            [[maybe_unused]] ssize_t ret = ::write(signalPipe[0], &byte, 1);
        };
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        ::sigaction(sig, &action, nullptr);
    }
}

UnixSignalWatcher::~UnixSignalWatcher()
{
    notifier_.reset();
    ::close(signalPipe[0]);
    ::close(signalPipe[1]);
    signalPipe[0] = signalPipe[1] = -1;
}

} // namespace zerotee
