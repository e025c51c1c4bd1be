// zerotee-bench-wakefloor: what this machine's scheduler alone costs in publish-to-receive
// latency, with no frames, no GStreamer and no transport: a producer process sends a 16-byte
// stamp to N consumer processes over AF_UNIX stream sockets at the frame rate, and each consumer
// does what a bus consumer does per frame (poll, read, answer with a release-sized message that
// the producer reads back). The latency run of bench/framebus.sh prints it beside the two
// transports, so their p99 can be read against what the kernel and the hypervisor allow.
//
// Prints one JSON line: {"consumers":N,"frames":F,"p50_us":..,"p99_us":..,"max_us":..}.

#include "BenchCommon.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace zerotee::bench;

namespace {

const char *kUsage = "zerotee-bench-wakefloor [--consumers N] [--fps F] [--seconds S]";

// Reads exactly @p size bytes (stream sockets may split a message); false on EOF or error.
bool readFully(int fd, void *data, size_t size)
{
    auto *p = static_cast<char *>(data);
    while (size > 0) {
        ssize_t n = ::read(fd, p, size);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        p += n;
        size -= size_t(n);
    }
    return true;
}

// The consumer: until the producer hangs up, wait for a stamp, note its latency, send a release.
// The latencies go back over a pipe at the end, as microseconds.
[[noreturn]] void consume(int sock, int resultPipe)
{
    std::vector<float> latencyUs;
    Stamp stamp{};
    for (;;) {
        pollfd pfd{sock, POLLIN, 0};
        if (::poll(&pfd, 1, -1) < 0 && errno != EINTR)
            break;
        if (!readFully(sock, &stamp, sizeof stamp))
            break;
        latencyUs.push_back(float(monotonicNs() - stamp.publishNs) / 1000.0f);
        char release[28] = {}; // the size of the bus's release message
        if (::write(sock, release, sizeof release) != ssize_t(sizeof release))
            break;
    }
    size_t bytes = latencyUs.size() * sizeof(float);
    const char *p = reinterpret_cast<const char *>(latencyUs.data());
    while (bytes > 0) {
        ssize_t n = ::write(resultPipe, p, bytes);
        if (n <= 0)
            break;
        p += n;
        bytes -= size_t(n);
    }
    _exit(0);
}

} // namespace

int main(int argc, char **argv)
{
    int consumers = 4;
    double fps = 30;
    double seconds = 30;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char * {
            if (i + 1 >= argc)
                usageError(kUsage, (a + " needs a value").c_str());
            return argv[++i];
        };
        if (a == "--consumers")
            consumers = std::atoi(next());
        else if (a == "--fps")
            fps = std::atof(next());
        else if (a == "--seconds")
            seconds = std::atof(next());
        else
            usageError(kUsage, ("unknown argument " + a).c_str());
    }
    if (consumers < 1 || consumers > 64 || fps <= 0 || seconds <= 0)
        usageError(kUsage, "--consumers must be 1..64, --fps and --seconds positive");

    struct Child {
        pid_t pid;
        int sock;
        int results;
    };
    std::vector<Child> children;
    for (int i = 0; i < consumers; ++i) {
        int sv[2], pipefd[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 ||
            ::pipe2(pipefd, O_CLOEXEC) < 0) {
            std::perror("socketpair/pipe");
            return 1;
        }
        pid_t pid = ::fork();
        if (pid == 0) {
            for (const Child &c : children) {
                ::close(c.sock);
                ::close(c.results);
            }
            ::close(sv[0]);
            ::close(pipefd[0]);
            consume(sv[1], pipefd[1]);
        }
        ::close(sv[1]);
        ::close(pipefd[1]);
        children.push_back({pid, sv[0], pipefd[0]});
    }

    // Publish on an absolute schedule, like a camera; read the releases after each round.
    const uint64_t periodNs = uint64_t(1e9 / fps);
    const uint64_t frames = uint64_t(seconds * fps);
    uint64_t next = monotonicNs();
    for (uint64_t frame = 0; frame < frames; ++frame) {
        next += periodNs;
        timespec ts{time_t(next / 1000000000ull), long(next % 1000000000ull)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
        }
        Stamp stamp{monotonicNs(), frame};
        for (const Child &c : children)
            if (::write(c.sock, &stamp, sizeof stamp) != ssize_t(sizeof stamp))
                std::perror("write");
        for (const Child &c : children) {
            char release[28];
            if (!readFully(c.sock, release, sizeof release))
                std::perror("read release");
        }
    }

    std::vector<float> all;
    for (const Child &c : children) {
        ::shutdown(c.sock, SHUT_RDWR);
        float buf[1024];
        ssize_t n;
        while ((n = ::read(c.results, buf, sizeof buf)) > 0)
            all.insert(all.end(), buf, buf + size_t(n) / sizeof(float));
        ::waitpid(c.pid, nullptr, 0);
    }
    if (all.empty()) {
        std::fprintf(stderr, "no latencies collected\n");
        return 1;
    }
    std::sort(all.begin(), all.end());
    auto at = [&](double q) {
        return all[std::min(all.size() - 1, size_t(q * double(all.size())))];
    };
    std::printf("{\"consumers\":%d,\"frames\":%llu,\"samples\":%zu,\"p50_us\":%.1f,\"p99_us\":%.1f,"
                "\"max_us\":%.1f}\n",
                consumers, (unsigned long long)frames, all.size(), double(at(0.5)),
                double(at(0.99)), double(all.back()));
    return 0;
}
