#pragma once

// Helpers for the AI worker's system tests: child processes (producer, worker) whose stdout
// the test reads line by line, and a temporary directory.

#include <QJsonObject>

#include <chrono>
#include <string>
#include <sys/types.h>
#include <vector>

namespace zerotee::test {

/// A child process; stdout is a non-blocking pipe, stderr goes to a file. Killed (SIGKILL)
/// and reaped on destruction if still running.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string> &argv, const std::string &stderrPath);
    ~ChildProcess();
    ChildProcess(const ChildProcess &) = delete;
    ChildProcess &operator=(const ChildProcess &) = delete;

    pid_t pid() const { return pid_; }
    int stdoutFd() const { return stdout_; }
    /// Reads what is available and returns complete lines.
    std::vector<std::string> readLines();
    /// Sends @p signal and waits up to @p timeout; the exit status (as waitpid), -1 on timeout.
    int stop(int signal, std::chrono::milliseconds timeout);
    /// Waits up to @p timeout for the child to exit by itself; status as stop().
    int wait(std::chrono::milliseconds timeout);

private:
    pid_t pid_ = -1;
    int stdout_ = -1;
    std::string partial_;
};

/// A private directory under $TMPDIR, removed with its files on destruction.
class TempDir {
public:
    TempDir();
    ~TempDir();
    const std::string &path() const { return path_; }
    std::string file(const std::string &name) const { return path_ + "/" + name; }

private:
    std::string path_;
};

/// Runs a test producer: videotestsrc (`pattern`) as NV12 at @p width x @p height, 30 fps,
/// into zeroteesink at @p socketPath. Waits until the socket exists.
std::unique_ptr<ChildProcess> startProducer(const std::string &socketPath,
                                            const std::string &pattern, int width, int height,
                                            const std::string &stderrPath);

/// The line as a JSON object (empty if it is not one).
QJsonObject parseLine(const std::string &line);

/// Points GStreamer at the freshly built plugin when the test runs outside CTest.
void ensurePluginPath();

} // namespace zerotee::test
