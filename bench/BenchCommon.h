#pragma once

// Shared bits of the frame-bus benchmark programs: the stamp layout, the clock, argument
// parsing helpers. Header-only; benchmark code, not part of any library.

#include <glib.h>

#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <pthread.h>
#include <string>
#include <sys/resource.h>
#include <thread>

namespace zerotee::bench {

/// The 16-byte header the producer writes into the first bytes of the Y plane of every frame
/// and each consumer reads back (native byte order: same machine).
struct Stamp {
    uint64_t publishNs; // CLOCK_MONOTONIC at the moment the frame reaches the sink's pad
    uint64_t frame;     // 0, 1, 2, ... in push order
};
static_assert(sizeof(Stamp) == 16);

inline uint64_t monotonicNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

inline uint64_t processCpuNs()
{
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

/// Voluntary + involuntary context switches of the whole process (all threads) so far.
inline uint64_t processContextSwitches()
{
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return uint64_t(ru.ru_nvcsw) + uint64_t(ru.ru_nivcsw);
}

inline bool parseSize(const char *text, int *width, int *height)
{
    return std::sscanf(text, "%dx%d", width, height) == 2 && *width > 0 && *height > 0;
}

[[noreturn]] inline void usageError(const char *usage, const char *what)
{
    std::fprintf(stderr, "error: %s\nusage: %s\n", what, usage);
    std::exit(2);
}

inline std::string jsonEscape(const std::string &s)
{
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (static_cast<unsigned char>(c) < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
        } else {
            out += c;
        }
    }
    return out;
}

/// Signals that drive the benchmark programs: SIGTERM/SIGINT (stop), SIGUSR1 (window start),
/// SIGUSR2 (window end). They are blocked in every thread and taken by one sigwait() thread,
/// so they never interrupt a streaming thread's poll() (shmsrc turns EINTR into a fatal
/// "Poll failed on fd: Interrupted system call"). Call blockBenchSignals() first in main(),
/// before any thread exists; the handler runs in the default GMainContext.
inline sigset_t benchSignals()
{
    sigset_t set;
    sigemptyset(&set);
    for (int sig : {SIGTERM, SIGINT, SIGUSR1, SIGUSR2})
        sigaddset(&set, sig);
    return set;
}

inline void blockBenchSignals()
{
    sigset_t set = benchSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

using SignalHandler = void (*)(int sig, void *data);

inline void startSignalThread(SignalHandler handler, void *data)
{
    std::thread([handler, data] {
        sigset_t set = benchSignals();
        for (;;) {
            int sig = 0;
            if (sigwait(&set, &sig) != 0)
                continue;
            struct Call {
                SignalHandler handler;
                void *data;
                int sig;
            };
            g_idle_add(
                [](gpointer p) -> gboolean {
                    auto *c = static_cast<Call *>(p);
                    c->handler(c->sig, c->data);
                    delete c;
                    return G_SOURCE_REMOVE;
                },
                new Call{handler, data, sig});
        }
    }).detach();
}

} // namespace zerotee::bench
