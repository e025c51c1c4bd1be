#include "UnixSocket.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

namespace zerotee {

namespace {

int fillAddress(const std::string &path, sockaddr_un *addr)
{
    std::memset(addr, 0, sizeof(*addr));
    addr->sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr->sun_path))
        return -ENAMETOOLONG;
    std::memcpy(addr->sun_path, path.data(), path.size());
    return 0;
}

UniqueFd newSocket()
{
    return UniqueFd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
}

// True when someone accepts connections on @p addr (a live producer we must not steal from).
bool isLive(const sockaddr_un &addr)
{
    UniqueFd probe(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!probe)
        return false;
    return ::connect(probe.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) == 0 ||
           errno == EAGAIN;
}

// Binds @p path itself: between bind() and listen() a connect() to it is refused.
UniqueFd listenDirectly(const std::string &path, const sockaddr_un &addr, int *error)
{
    UniqueFd fd = newSocket();
    if (!fd) {
        *error = -errno;
        return {};
    }
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) < 0) {
        if (errno != EADDRINUSE) {
            *error = -errno;
            return {};
        }
        if (isLive(addr)) {
            *error = -EADDRINUSE;
            return {};
        }
        // A socket file left by a crashed producer: replace it.
        ::unlink(path.c_str());
        if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) < 0) {
            *error = -errno;
            return {};
        }
    }
    ::chmod(path.c_str(), 0660);
    if (::listen(fd.get(), 64) < 0) {
        *error = -errno;
        ::unlink(path.c_str());
        return {};
    }
    *error = 0;
    return fd;
}

} // namespace

UniqueFd listenUnixSocket(const std::string &path, int *error)
{
    sockaddr_un addr;
    if (int ret = fillAddress(path, &addr); ret < 0) {
        *error = ret;
        return {};
    }
    // Bound and listening under a temporary name first, then linked to @p path: the path never
    // names a socket that refuses connections (a consumer that saw the file and connected
    // between bind() and listen() got ECONNREFUSED). link(), unlike rename(), fails on an
    // existing path, so a live producer's socket is never replaced.
    static std::atomic<unsigned> counter{0};
    const size_t slash = path.rfind('/');
    const std::string temporary =
        (slash == std::string::npos ? std::string() : path.substr(0, slash + 1)) + ".listen-" +
        std::to_string(::getpid()) + "-" + std::to_string(counter++);
    sockaddr_un temporaryAddr;
    if (fillAddress(temporary, &temporaryAddr) < 0)
        return listenDirectly(path, addr, error); // no room for the longer name
    UniqueFd fd = newSocket();
    if (!fd) {
        *error = -errno;
        return {};
    }
    ::unlink(temporary.c_str()); // left by a crashed process that had this pid
    if (::bind(fd.get(), reinterpret_cast<const sockaddr *>(&temporaryAddr),
               sizeof(temporaryAddr)) < 0) {
        *error = -errno;
        return {};
    }
    ::chmod(temporary.c_str(), 0660);
    if (::listen(fd.get(), 64) < 0) {
        *error = -errno;
        ::unlink(temporary.c_str());
        return {};
    }
    int ret = ::link(temporary.c_str(), path.c_str());
    int linkErrno = ret < 0 ? errno : 0;
    if (linkErrno == EEXIST && !isLive(addr)) {
        // A socket file left by a crashed producer: replace it.
        ::unlink(path.c_str());
        ret = ::link(temporary.c_str(), path.c_str());
        linkErrno = ret < 0 ? errno : 0;
    }
    ::unlink(temporary.c_str());
    if (ret == 0) {
        *error = 0;
        return fd;
    }
    if (linkErrno == EEXIST) {
        *error = -EADDRINUSE;
        return {};
    }
    return listenDirectly(path, addr, error); // a file system without hard links
}

UniqueFd connectUnixSocket(const std::string &path, int *error)
{
    sockaddr_un addr;
    if (int ret = fillAddress(path, &addr); ret < 0) {
        *error = ret;
        return {};
    }
    UniqueFd fd = newSocket();
    if (!fd || ::connect(fd.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)) < 0) {
        *error = -errno;
        return {};
    }
    *error = 0;
    return fd;
}

UniqueFd acceptConnection(int listenFd)
{
    return UniqueFd(::accept4(listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
}

int readPeerCredentials(int socketFd, PeerCredentials *out)
{
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(socketFd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return -errno;
    out->pid = cred.pid;
    out->uid = cred.uid;
    out->gid = cred.gid;
    // Supplementary groups, so that allowing a group admits its members whatever their primary
    // group; ERANGE says how much room the list needs.
    out->groups.assign(32, 0);
    for (int attempt = 0; attempt < 2; ++attempt) {
        socklen_t bytes = socklen_t(out->groups.size() * sizeof(gid_t));
        if (::getsockopt(socketFd, SOL_SOCKET, SO_PEERGROUPS, out->groups.data(), &bytes) == 0) {
            out->groups.resize(bytes / sizeof(gid_t));
            return 0;
        }
        if (errno != ERANGE)
            break;
        out->groups.assign(bytes / sizeof(gid_t) + 1, 0);
    }
    out->groups.clear(); // not a socket with a peer's groups (e.g. a socketpair's peer)
    return 0;
}

int makePrivateDirectory(const std::string &path)
{
    if (path.empty())
        return -EINVAL;
    for (size_t pos = 1; pos <= path.size(); ++pos) {
        if (pos != path.size() && path[pos] != '/')
            continue;
        std::string part = path.substr(0, pos);
        if (::mkdir(part.c_str(), 0700) < 0 && errno != EEXIST)
            return -errno;
    }
    struct stat st;
    if (::stat(path.c_str(), &st) < 0)
        return -errno;
    if (!S_ISDIR(st.st_mode))
        return -ENOTDIR;
    return 0;
}

uint64_t monotonicNowNs()
{
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

} // namespace zerotee
