#pragma once

// Helpers shared by the transport tests: fd counting, memfds, and child processes that re-exec
// this test binary in a named role (the libcamera way: the child is real, not a fork clone).

#include "UniqueFd.h"

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

// AddressSanitizer's quarantine keeps freed memory resident, so RSS grows without any leak;
// under ASan, LeakSanitizer checks leaks exactly instead of this RSS bound.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kRssIsMeaningful = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kRssIsMeaningful = false;
#else
constexpr bool kRssIsMeaningful = true;
#endif
#else
constexpr bool kRssIsMeaningful = true;
#endif

namespace zerotee::test {

/// Number of entries in /proc/self/fd.
int countOpenFds();

/// A sealed-for-size memfd of @p size bytes filled with @p fill.
UniqueFd makeMemfd(size_t size, uint8_t fill);

/// First byte of an fd's content (read with pread).
int firstByte(int fd);

/// A unique temporary directory, removed with its contents on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string &path() const { return path_; }
    std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// A child process running this same test binary as `argv[0] --child ROLE args...`.
/// Its stdout is captured through a pipe.
class ChildProcess {
public:
    ChildProcess(const std::string &role, const std::vector<std::string> &args,
                 std::vector<int> inheritFds = {});
    ~ChildProcess();

    pid_t pid() const { return pid_; }
    void signal(int sig);
    /// Waits up to @p timeout; returns the exit status (WEXITSTATUS), 128+signal, or -1 on timeout.
    int wait(std::chrono::milliseconds timeout);
    /// Everything the child wrote to stdout so far (reads until EOF after wait()).
    std::string output();
    /// Waits until the child prints a line containing @p text; false on timeout.
    bool waitForOutput(const std::string &text, std::chrono::milliseconds timeout);

private:
    void drain(int timeoutMs);

    pid_t pid_ = -1;
    UniqueFd stdout_;
    std::string buffer_;
    bool reaped_ = false;
};

/// Set by the test main from argv[0].
extern std::string selfPath;

} // namespace zerotee::test
