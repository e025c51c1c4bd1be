// listenUnixSocket: the path a consumer can see always names a listening socket; a stale socket
// file is replaced, a live producer's never; nothing is left behind.

#include "UnixSocket.h"
#include "TestSupport.h"

#include <atomic>
#include <cerrno>
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

// No child roles: every test runs in this process.
int runChildRole(const std::string &, int, char **)
{
    return 2;
}

namespace {

using zerotee::UniqueFd;

std::vector<std::string> directoryEntries(const std::string &path)
{
    std::vector<std::string> names;
    if (DIR *dir = ::opendir(path.c_str())) {
        while (dirent *entry = ::readdir(dir))
            if (std::string(entry->d_name) != "." && std::string(entry->d_name) != "..")
                names.push_back(entry->d_name);
        ::closedir(dir);
    }
    return names;
}

// A consumer that connects as soon as it sees the socket file (the client library and
// zeroteesrc do) was refused when it came between the producer's bind() and listen().
TEST(UnixSocket, AVisiblePathAlwaysAcceptsConnections)
{
    zerotee::test::TempDir dir;
    constexpr int kRounds = 300;
    auto pathOf = [&dir](int round) { return dir.file("bus" + std::to_string(round) + ".sock"); };
    const int fdsBefore = zerotee::test::countOpenFds();
    std::atomic<int> round{0};
    std::atomic<bool> done{false};
    std::atomic<int> connected{0}, refused{0};
    std::thread consumer([&] {
        while (!done) {
            int error = 0;
            UniqueFd fd = zerotee::connectUnixSocket(pathOf(round), &error);
            if (fd)
                connected++;
            else if (error == -ECONNREFUSED)
                refused++;
        }
    });
    // Every listener stays open until the consumer stops, so a refusal can only come from a
    // path that was visible before its socket listened.
    std::vector<UniqueFd> listeners;
    for (int i = 0; i < kRounds; ++i) {
        round = i;
        int error = 0;
        listeners.push_back(zerotee::listenUnixSocket(pathOf(i), &error));
        ASSERT_TRUE(listeners.back()) << strerror(-error);
        std::this_thread::sleep_for(std::chrono::microseconds(100));
    }
    done = true;
    consumer.join();
    listeners.clear();
    EXPECT_GT(connected.load(), 0);
    EXPECT_EQ(refused.load(), 0) << "a consumer that saw the socket file was refused";
    EXPECT_EQ(directoryEntries(dir.path()).size(), size_t(kRounds)) << "temporary names left";
    EXPECT_EQ(zerotee::test::countOpenFds(), fdsBefore);
}

TEST(UnixSocket, AStaleFileIsReplacedALiveSocketIsNot)
{
    zerotee::test::TempDir dir;
    const std::string path = dir.file("bus.sock");
    {
        // A crashed producer's file: bound, never accepting again.
        UniqueFd stale(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path.c_str());
        ASSERT_EQ(::bind(stale.get(), reinterpret_cast<const sockaddr *>(&addr), sizeof(addr)), 0);
    }
    int error = 0;
    UniqueFd live = zerotee::listenUnixSocket(path, &error);
    ASSERT_TRUE(live) << strerror(-error);
    struct stat st;
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 0777, 0660u);

    UniqueFd second = zerotee::listenUnixSocket(path, &error);
    EXPECT_FALSE(second);
    EXPECT_EQ(error, -EADDRINUSE);
    UniqueFd client = zerotee::connectUnixSocket(path, &error);
    EXPECT_TRUE(client) << "the live producer's socket was replaced: " << strerror(-error);
    EXPECT_EQ(directoryEntries(dir.path()), std::vector<std::string>{"bus.sock"});
}

} // namespace
