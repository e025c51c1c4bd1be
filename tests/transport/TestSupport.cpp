#include "TestSupport.h"

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <poll.h>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

namespace zerotee::test {

std::string selfPath;

int countOpenFds()
{
    int count = 0;
    DIR *dir = ::opendir("/proc/self/fd");
    while (dirent *entry = ::readdir(dir))
        if (entry->d_name[0] != '.')
            count++;
    ::closedir(dir);
    return count - 1; // the DIR's own fd
}

UniqueFd makeMemfd(size_t size, uint8_t fill)
{
    UniqueFd fd(::memfd_create("zerotee-test", MFD_CLOEXEC | MFD_ALLOW_SEALING));
    if (!fd || ::ftruncate(fd.get(), off_t(size)) < 0)
        throw std::runtime_error("memfd");
    std::vector<uint8_t> bytes(size, fill);
    if (::pwrite(fd.get(), bytes.data(), size, 0) != ssize_t(size))
        throw std::runtime_error("memfd write");
    ::fcntl(fd.get(), F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW);
    return fd;
}

int firstByte(int fd)
{
    uint8_t byte;
    return ::pread(fd, &byte, 1, 0) == 1 ? byte : -1;
}

TempDir::TempDir()
{
    char pattern[] = "/tmp/zerotee-test.XXXXXX";
    if (!::mkdtemp(pattern))
        throw std::runtime_error("mkdtemp");
    path_ = pattern;
}

TempDir::~TempDir()
{
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
}

ChildProcess::ChildProcess(const std::string &role, const std::vector<std::string> &args,
                           std::vector<int> inheritFds)
{
    int pipeFds[2];
    if (::pipe2(pipeFds, O_CLOEXEC) < 0)
        throw std::runtime_error("pipe");
    stdout_.reset(pipeFds[0]);
    pid_ = ::fork();
    if (pid_ == 0) {
        ::dup2(pipeFds[1], STDOUT_FILENO);
        for (int fd : inheritFds)
            ::fcntl(fd, F_SETFD, 0);
        std::vector<std::string> all = {selfPath, "--child", role};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char *> argv;
        for (auto &a : all)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        ::execv(selfPath.c_str(), argv.data());
        ::_exit(127);
    }
    ::close(pipeFds[1]);
}

ChildProcess::~ChildProcess()
{
    if (pid_ > 0 && !reaped_) {
        ::kill(pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

void ChildProcess::signal(int sig)
{
    if (pid_ > 0 && !reaped_)
        ::kill(pid_, sig);
}

int ChildProcess::wait(std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        int status = 0;
        pid_t ret = ::waitpid(pid_, &status, WNOHANG);
        if (ret == pid_) {
            reaped_ = true;
            drain(0);
            if (WIFEXITED(status))
                return WEXITSTATUS(status);
            return 128 + WTERMSIG(status);
        }
        if (std::chrono::steady_clock::now() > deadline)
            return -1;
        drain(10);
    }
}

void ChildProcess::drain(int timeoutMs)
{
    pollfd pfd{stdout_.get(), POLLIN, 0};
    while (::poll(&pfd, 1, timeoutMs) > 0) {
        char chunk[4096];
        ssize_t got = ::read(stdout_.get(), chunk, sizeof(chunk));
        if (got <= 0)
            return;
        buffer_.append(chunk, size_t(got));
        timeoutMs = 0;
    }
}

std::string ChildProcess::output()
{
    drain(0);
    return buffer_;
}

bool ChildProcess::waitForOutput(const std::string &text, std::chrono::milliseconds timeout)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (buffer_.find(text) == std::string::npos) {
        if (std::chrono::steady_clock::now() > deadline)
            return false;
        drain(10);
    }
    return true;
}

} // namespace zerotee::test
