#include "AiSystemSupport.h"

#include <QJsonDocument>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace zerotee::test {

ChildProcess::ChildProcess(const std::vector<std::string> &argv, const std::string &stderrPath)
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) != 0)
        return;
    const int errFd = ::open(stderrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    std::vector<char *> args;
    for (const std::string &arg : argv)
        args.push_back(const_cast<char *>(arg.c_str()));
    args.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(pipeFds[1], STDOUT_FILENO);
        if (errFd >= 0)
            ::dup2(errFd, STDERR_FILENO);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::close(pipeFds[1]);
    if (errFd >= 0)
        ::close(errFd);
    stdout_ = pipeFds[0];
    ::fcntl(stdout_, F_SETFL, ::fcntl(stdout_, F_GETFL) | O_NONBLOCK);
}

ChildProcess::~ChildProcess()
{
    if (pid_ > 0)
        stop(SIGKILL, std::chrono::seconds(5));
    if (stdout_ >= 0)
        ::close(stdout_);
}

std::vector<std::string> ChildProcess::readLines()
{
    char buffer[65536];
    ssize_t n;
    while ((n = ::read(stdout_, buffer, sizeof buffer)) > 0)
        partial_.append(buffer, size_t(n));
    std::vector<std::string> lines;
    size_t start = 0, end;
    while ((end = partial_.find('\n', start)) != std::string::npos) {
        lines.push_back(partial_.substr(start, end - start));
        start = end + 1;
    }
    partial_.erase(0, start);
    return lines;
}

int ChildProcess::stop(int signal, std::chrono::milliseconds timeout)
{
    if (pid_ <= 0)
        return -1;
    ::kill(pid_, signal);
    return wait(timeout);
}

int ChildProcess::wait(std::chrono::milliseconds timeout)
{
    if (pid_ <= 0)
        return -1;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    int status = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            pid_ = -1;
            return status;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return -1;
}

TempDir::TempDir()
{
    const char *base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/zerotee-ai-test-XXXXXX";
    if (::mkdtemp(pattern.data()))
        path_ = pattern;
}

TempDir::~TempDir()
{
    std::error_code ignored;
    if (!path_.empty())
        std::filesystem::remove_all(path_, ignored);
}

std::unique_ptr<ChildProcess> startProducer(const std::string &socketPath,
                                            const std::string &pattern, int width, int height,
                                            const std::string &stderrPath)
{
    ensurePluginPath();
    const std::string caps = "video/x-raw,format=NV12,width=" + std::to_string(width) +
                             ",height=" + std::to_string(height) + ",framerate=30/1";
    auto producer = std::make_unique<ChildProcess>(
        std::vector<std::string>{"gst-launch-1.0", "-q", "videotestsrc", "is-live=true",
                                 "pattern=" + pattern, "!", "capsfilter", "caps=" + caps, "!",
                                 "zeroteesink", "socket-path=" + socketPath},
        stderrPath);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!std::filesystem::exists(socketPath) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return producer;
}

QJsonObject parseLine(const std::string &line)
{
    return QJsonDocument::fromJson(QByteArray::fromStdString(line)).object();
}

void ensurePluginPath()
{
    if (!std::getenv("GST_PLUGIN_PATH_1_0") && !std::getenv("GST_PLUGIN_PATH"))
        ::setenv("GST_PLUGIN_PATH_1_0", ZEROTEE_GST_PLUGIN_DIR, 1);
}

} // namespace zerotee::test
