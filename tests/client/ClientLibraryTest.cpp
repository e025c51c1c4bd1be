// libzerotee-client through its C API (and the C++ wrapper) against real producers: a
// gst-launch-1.0 `videotestsrc ! zeroteesink` child, and a scripted producer socket for the
// answers a real one gives rarely (refusal, another protocol version). Each test checks
// /proc/self/fd for leaks; the sanitizer build runs these under ASan.
#include "MessageChannel.h"
#include "TestSupport.h"
#include "UnixSocket.h"
#include "zerotee/client.h"
#include "zerotee/client.hpp"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <filesystem>
#include <functional>
#include <gtest/gtest.h>
#include <poll.h>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char **environ;

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using zerotee::test::countOpenFds;

int runChildRole(const std::string &, int, char **)
{
    return 2; // no child roles here
}

namespace {

// A producer process: gst-launch-1.0 with a zeroteesink on @p socket.
class Producer {
public:
    Producer(const std::string &socket, const std::string &source,
             const std::string &sinkProps = "")
        : socket_(socket)
    {
        std::string line = "gst-launch-1.0 -q " + source + " ! zeroteesink socket-path=" + socket +
                           " " + sinkProps;
        std::vector<std::string> words;
        for (size_t start = 0; start < line.size();) {
            size_t end = line.find(' ', start);
            if (end == std::string::npos)
                end = line.size();
            if (end > start)
                words.push_back(line.substr(start, end - start));
            start = end + 1;
        }
        std::vector<char *> argv;
        for (std::string &w : words)
            argv.push_back(w.data());
        argv.push_back(nullptr);
        if (::posix_spawnp(&pid_, "gst-launch-1.0", nullptr, nullptr, argv.data(), environ) != 0)
            pid_ = -1;
    }
    ~Producer() { kill(SIGKILL); }

    bool waitForSocket(std::chrono::milliseconds timeout = 10s) const
    {
        const auto deadline = Clock::now() + timeout;
        struct stat st {};
        while (Clock::now() < deadline) {
            if (::stat(socket_.c_str(), &st) == 0 && S_ISSOCK(st.st_mode))
                return true;
            std::this_thread::sleep_for(20ms);
        }
        return false;
    }
    void kill(int sig)
    {
        if (pid_ <= 0)
            return;
        ::kill(pid_, sig);
        int status;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
    }

private:
    std::string socket_;
    pid_t pid_ = -1;
};

const char *kWhite720 = "videotestsrc pattern=white is-live=true ! "
                        "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1";
const char *kWhiteSmall = "videotestsrc pattern=white is-live=true ! "
                          "video/x-raw,format=NV12,width=320,height=240,framerate=30/1";

double meanOfPlane(const zt_plane &plane, uint32_t width, uint32_t rows)
{
    uint64_t sum = 0;
    for (uint32_t y = 0; y < rows; ++y)
        for (uint32_t x = 0; x < width; ++x)
            sum += plane.data[size_t(y) * plane.stride + x];
    return double(sum) / (double(width) * rows);
}

class ClientLibrary : public ::testing::Test {
protected:
    void SetUp() override
    {
        char pattern[] = "/tmp/zt-client-test.XXXXXX";
        ASSERT_TRUE(::mkdtemp(pattern));
        dir_ = pattern;
        socket_ = dir_ + "/cam0.sock";
        fdsBefore_ = countOpenFds();
        zt_options_init(&options_);
        options_.name = "client-test";
    }
    void TearDown() override
    {
        producer_.reset();
        EXPECT_EQ(countOpenFds(), fdsBefore_) << "fd leak";
        std::error_code ec;
        std::filesystem::remove_all(dir_, ec);
    }

    // Starts a producer of @p source and opens a subscriber on it with options_.
    zt_subscriber *start(const char *source)
    {
        producer_ = std::make_unique<Producer>(socket_, source);
        if (!producer_->waitForSocket()) {
            ADD_FAILURE() << "the producer did not come up";
            return nullptr;
        }
        zt_subscriber *sub = nullptr;
        EXPECT_EQ(zt_subscriber_open(socket_.c_str(), &options_, &sub), ZT_OK) << zt_last_error();
        return sub;
    }

    std::string dir_;
    std::string socket_;
    zt_options options_{};
    int fdsBefore_ = 0;
    std::unique_ptr<Producer> producer_;
};

} // namespace

TEST_F(ClientLibrary, ReceivesWhiteNv12FramesAsViewsOfTheSharedBuffer)
{
    options_.policy = ZT_POLICY_ALL;
    options_.quota = 2;
    zt_subscriber *sub = start(kWhite720);
    ASSERT_TRUE(sub);

    uint64_t lastSequence = 0;
    for (int i = 0; i < 30; ++i) {
        zt_frame frame;
        ASSERT_EQ(zt_subscriber_next(sub, 2000, &frame), ZT_OK) << zt_last_error();
        EXPECT_NE(frame.lease, 0u);
        EXPECT_EQ(frame.width, 1280u);
        EXPECT_EQ(frame.height, 720u);
        EXPECT_STREQ(frame.format, "NV12");
        EXPECT_EQ(frame.drm_fourcc, 0x3231564eu); // DRM_FORMAT_NV12
        ASSERT_EQ(frame.plane_count, 2u);
        EXPECT_GE(frame.planes[0].stride, 1280u);
        EXPECT_GE(frame.planes[0].size, uint64_t(frame.planes[0].stride) * 720);
        EXPECT_EQ(frame.planes[1].offset, frame.planes[0].offset + frame.planes[0].size);
        EXPECT_EQ(frame.memory_type, uint32_t(ZT_MEMORY_MEMFD));
        EXPECT_GE(frame.fd, 0);
        EXPECT_NE(frame.pts_ns, ZT_NO_TIMESTAMP);
        EXPECT_GT(frame.sequence, lastSequence);
        lastSequence = frame.sequence;
        // Y of white is 235 and chroma is neutral (128), read in place.
        EXPECT_DOUBLE_EQ(meanOfPlane(frame.planes[0], 1280, 720), 235.0);
        EXPECT_DOUBLE_EQ(meanOfPlane(frame.planes[1], 1280, 360), 128.0);
        // The plane really is the producer's memfd: the same bytes through the fd.
        uint8_t viaFd = 0;
        ASSERT_EQ(::pread(frame.planes[0].fd, &viaFd, 1, off_t(frame.planes[0].fd_offset)), 1);
        EXPECT_EQ(viaFd, frame.planes[0].data[0]);
        ASSERT_EQ(zt_frame_release(sub, &frame), ZT_OK);
        EXPECT_EQ(frame.lease, 0u);
    }
    zt_subscriber_info info;
    ASSERT_EQ(zt_subscriber_get_info(sub, &info), ZT_OK);
    EXPECT_EQ(info.connected, 1);
    EXPECT_EQ(info.quota, 2u);
    EXPECT_EQ(info.policy, ZT_POLICY_ALL);
    EXPECT_EQ(info.frames, 30u);
    EXPECT_EQ(info.held, 0u);
    char caps[512];
    EXPECT_GT(zt_subscriber_caps(sub, caps, sizeof(caps)), 0);
    EXPECT_NE(std::strstr(caps, "NV12"), nullptr) << caps;
    zt_subscriber_close(sub);
}

TEST_F(ClientLibrary, WrongPathIsNotFoundWithThePathInTheMessage)
{
    zt_subscriber *sub = reinterpret_cast<zt_subscriber *>(0x1);
    EXPECT_EQ(zt_subscriber_open((dir_ + "/nothing.sock").c_str(), &options_, &sub),
              ZT_ERROR_NOT_FOUND);
    EXPECT_EQ(sub, nullptr);
    EXPECT_NE(std::strstr(zt_last_error(), "nothing.sock"), nullptr) << zt_last_error();
    EXPECT_EQ(zt_subscriber_open(nullptr, &options_, &sub), ZT_ERROR_INVALID);
    options_.policy = ZT_POLICY_FPS_CAP; // without max_fps
    Producer producer(socket_, kWhiteSmall);
    ASSERT_TRUE(producer.waitForSocket());
    EXPECT_EQ(zt_subscriber_open(socket_.c_str(), &options_, &sub), ZT_ERROR_INVALID);
    EXPECT_NE(std::strstr(zt_last_error(), "max_fps"), nullptr) << zt_last_error();
    zt_policy policy;
    EXPECT_EQ(zt_policy_from_name("fps-cap", &policy), ZT_OK);
    EXPECT_EQ(policy, ZT_POLICY_FPS_CAP);
    EXPECT_EQ(zt_policy_from_name("fastest", &policy), ZT_ERROR_INVALID);
    EXPECT_NE(std::strstr(zt_last_error(), "fastest"), nullptr);
}

TEST_F(ClientLibrary, WholeQuotaHeldIsAnErrorAtOnceAndReleasingTwiceIsInvalid)
{
    options_.policy = ZT_POLICY_ALL;
    options_.quota = 2;
    zt_subscriber *sub = start(kWhiteSmall);
    ASSERT_TRUE(sub);
    zt_frame a, b, c;
    ASSERT_EQ(zt_subscriber_next(sub, 2000, &a), ZT_OK) << zt_last_error();
    ASSERT_EQ(zt_subscriber_next(sub, 2000, &b), ZT_OK) << zt_last_error();
    const auto start = Clock::now();
    EXPECT_EQ(zt_subscriber_next(sub, 5000, &c), ZT_ERROR_QUOTA);
    EXPECT_LT(Clock::now() - start, 100ms) << "must not wait with the whole quota held";
    EXPECT_NE(std::strstr(zt_last_error(), "quota"), nullptr) << zt_last_error();

    zt_frame copy = a;
    EXPECT_EQ(zt_frame_release(sub, &a), ZT_OK);
    EXPECT_EQ(zt_frame_release(sub, &a), ZT_ERROR_INVALID);
    EXPECT_EQ(zt_frame_release(sub, &copy), ZT_ERROR_INVALID);
    EXPECT_NE(std::strstr(zt_last_error(), "released twice"), nullptr) << zt_last_error();
    ASSERT_EQ(zt_subscriber_next(sub, 2000, &c), ZT_OK) << zt_last_error();
    EXPECT_EQ(zt_frame_release(sub, &b), ZT_OK);
    // Closing with a frame held keeps it readable until it is released, which frees the rest.
    zt_subscriber_close(sub);
    EXPECT_EQ(c.planes[0].data[0], 235);
    EXPECT_EQ(zt_frame_release(sub, &c), ZT_OK);
}

TEST_F(ClientLibrary, ReconnectsWhenTheProducerRestarts)
{
    auto producer = std::make_unique<Producer>(socket_, kWhiteSmall);
    ASSERT_TRUE(producer->waitForSocket());
    zerotee::client::Subscriber sub(socket_, zerotee::client::Options().policy("latest"));
    {
        zerotee::client::Frame frame = sub.next(2s);
        EXPECT_EQ(frame.width(), 320u);
    }
    // A frame held across the crash stays readable (its lease simply died with the connection).
    zerotee::client::Frame held = sub.next(2s);
    producer->kill(SIGKILL);
    ::unlink(socket_.c_str());
    producer = std::make_unique<Producer>(socket_, kWhiteSmall);
    ASSERT_TRUE(producer->waitForSocket());
    EXPECT_EQ(held.plane(0).data[0], 235);
    held.release();
    int frames = 0;
    const auto deadline = Clock::now() + 10s;
    while (frames < 5 && Clock::now() < deadline) {
        zerotee::client::Frame frame = sub.tryNext(500ms);
        if (frame)
            frames++;
    }
    EXPECT_EQ(frames, 5);
    EXPECT_GE(sub.info().reconnects, 1u);
    EXPECT_EQ(sub.info().connected, 1);
}

TEST_F(ClientLibrary, WithoutReconnectAGoneProducerIsDisconnected)
{
    options_.reconnect = 0;
    zt_subscriber *sub = start(kWhiteSmall);
    ASSERT_TRUE(sub);
    zt_frame frame;
    ASSERT_EQ(zt_subscriber_next(sub, 2000, &frame), ZT_OK);
    ASSERT_EQ(zt_frame_release(sub, &frame), ZT_OK);
    producer_->kill(SIGKILL);
    int ret = ZT_OK;
    for (int i = 0; i < 100 && ret == ZT_OK; ++i) {
        ret = zt_subscriber_next(sub, 2000, &frame);
        if (ret == ZT_OK)
            zt_frame_release(sub, &frame);
    }
    EXPECT_EQ(ret, ZT_ERROR_DISCONNECTED) << zt_last_error();
    zt_subscriber_close(sub);
}

TEST_F(ClientLibrary, PollableFdSignalsFrames)
{
    zt_subscriber *sub = start(kWhiteSmall);
    ASSERT_TRUE(sub);
    const int fd = zt_subscriber_fd(sub);
    ASSERT_GE(fd, 0);
    int frames = 0;
    const auto deadline = Clock::now() + 5s;
    while (frames < 10 && Clock::now() < deadline) {
        pollfd pfd{fd, POLLIN, 0};
        ASSERT_GE(::poll(&pfd, 1, 1000), 0);
        zt_frame frame;
        int ret = zt_subscriber_next(sub, 0, &frame); // never waits
        if (ret == ZT_OK) {
            frames++;
            zt_frame_release(sub, &frame);
        } else {
            ASSERT_EQ(ret, ZT_ERROR_TIMEOUT) << zt_last_error();
        }
    }
    EXPECT_EQ(frames, 10);
    EXPECT_EQ(zt_subscriber_fd(sub), fd);
    zt_subscriber_close(sub);
}

TEST_F(ClientLibrary, CloseWakesAWaiterInAnotherThread)
{
    zt_subscriber *sub = start("videotestsrc is-live=true ! "
                               "video/x-raw,format=NV12,width=64,height=64,framerate=1/1");
    ASSERT_TRUE(sub);
    zt_frame frame;
    // Drain what is there, then wait in another thread for a frame that comes in ~1 s.
    while (zt_subscriber_next(sub, 0, &frame) == ZT_OK)
        zt_frame_release(sub, &frame);
    int result = ZT_OK;
    std::thread waiter([&] {
        zt_frame f;
        result = zt_subscriber_next(sub, 10000, &f);
        if (result == ZT_OK)
            zt_frame_release(sub, &f);
    });
    std::this_thread::sleep_for(50ms);
    const auto start = Clock::now();
    zt_subscriber_close(sub); // returns once the waiter has left
    waiter.join();
    EXPECT_LT(Clock::now() - start, 2s);
    EXPECT_TRUE(result == ZT_ERROR_CLOSED || result == ZT_OK) << zt_status_name(result);
}

TEST_F(ClientLibrary, EncodedAccessUnitsAreBytesWithFlags)
{
    options_.policy = ZT_POLICY_ALL;
    zt_subscriber *sub =
        start("videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
              "x264enc tune=zerolatency speed-preset=ultrafast key-int-max=10 ! "
              "video/x-h264,stream-format=byte-stream,alignment=au");
    ASSERT_TRUE(sub);
    int keyframes = 0, deltas = 0;
    for (int i = 0; i < 25; ++i) {
        zt_frame frame;
        ASSERT_EQ(zt_subscriber_next(sub, 3000, &frame), ZT_OK) << zt_last_error();
        EXPECT_STREQ(frame.format, "video/x-h264");
        EXPECT_EQ(frame.plane_count, 0u);
        ASSERT_NE(frame.data, nullptr);
        ASSERT_GT(frame.size, 4u);
        // Annex B: every access unit starts with a start code.
        EXPECT_EQ(frame.data[0], 0);
        EXPECT_EQ(frame.data[1], 0);
        EXPECT_TRUE(frame.data[2] == 1 || (frame.data[2] == 0 && frame.data[3] == 1));
        (frame.flags & ZT_FRAME_DELTA_UNIT ? deltas : keyframes)++;
        zt_frame_release(sub, &frame);
    }
    EXPECT_GE(keyframes, 2);
    EXPECT_GE(deltas, 10);
    zt_subscriber_close(sub);
}

TEST_F(ClientLibrary, FindsABusByCameraName)
{
    ::setenv("ZEROTEE_RUNTIME_DIR", dir_.c_str(), 1);
    char path[256];
    EXPECT_EQ(zt_find_bus("cam0", nullptr, path, sizeof(path)), ZT_ERROR_NOT_FOUND);
    Producer producer(socket_, kWhiteSmall);
    ASSERT_TRUE(producer.waitForSocket());
    ASSERT_EQ(zt_find_bus("cam0", nullptr, path, sizeof(path)), ZT_OK) << zt_last_error();
    EXPECT_EQ(std::string(path), socket_);
    EXPECT_EQ(zerotee::client::Subscriber::findBus("cam0", "raw"), socket_);
    EXPECT_EQ(zt_find_bus("cam0", "main", path, sizeof(path)), ZT_ERROR_NOT_FOUND);
    EXPECT_EQ(std::string(path), dir_ + "/cam0.main.sock");
    EXPECT_EQ(zt_find_bus("../etc", nullptr, path, sizeof(path)), ZT_ERROR_INVALID);
    EXPECT_EQ(zt_find_bus("cam0", nullptr, path, 4), ZT_ERROR_INVALID);
    ::unsetenv("ZEROTEE_RUNTIME_DIR");
}

namespace {

// A producer that answers the hello with @p answer and closes: what refusals and a producer of
// another version look like from the consumer's side.
void scriptedProducer(const std::string &path,
                      const std::function<void(zerotee::MessageChannel &)> &answer)
{
    int error = 0;
    zerotee::UniqueFd listener = zerotee::listenUnixSocket(path, &error);
    ASSERT_TRUE(listener) << error;
    pollfd pfd{listener.get(), POLLIN, 0};
    ASSERT_EQ(::poll(&pfd, 1, 5000), 1);
    zerotee::MessageChannel channel(zerotee::acceptConnection(listener.get()));
    std::vector<zerotee::ReceivedMessage> messages;
    for (int i = 0; i < 100 && messages.empty(); ++i) {
        pollfd in{channel.fd(), POLLIN, 0};
        ::poll(&in, 1, 50);
        channel.receive(messages);
    }
    ASSERT_FALSE(messages.empty());
    EXPECT_EQ(messages[0].type(), zerotee::wire::MessageType::Hello);
    answer(channel);
    while (channel.flush() == -EAGAIN)
        std::this_thread::sleep_for(5ms);
    std::this_thread::sleep_for(100ms);
}

} // namespace

TEST_F(ClientLibrary, RefusalAndVersionMismatchAreClearErrors)
{
    std::thread refusing([&] {
        scriptedProducer(socket_, [](zerotee::MessageChannel &channel) {
            channel.queue(zerotee::wire::MessageType::Error,
                          zerotee::wire::encodeError(zerotee::wire::ErrorCode::PoolExhausted,
                                                     "the pool has no room for quota 8"));
        });
    });
    std::this_thread::sleep_for(100ms);
    zt_subscriber *sub = nullptr;
    EXPECT_EQ(zt_subscriber_open(socket_.c_str(), &options_, &sub), ZT_ERROR_REFUSED);
    EXPECT_NE(std::strstr(zt_last_error(), "no room for quota 8"), nullptr) << zt_last_error();
    refusing.join();
    ::unlink(socket_.c_str());

    std::thread otherVersion([&] {
        scriptedProducer(socket_, [](zerotee::MessageChannel &channel) {
            zerotee::wire::Welcome welcome{};
            welcome.version = zerotee::wire::kVersion + 1;
            welcome.quota = 2;
            channel.queue(welcome);
        });
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(zt_subscriber_open(socket_.c_str(), &options_, &sub), ZT_ERROR_VERSION);
    EXPECT_NE(std::strstr(zt_last_error(), "version"), nullptr) << zt_last_error();
    otherVersion.join();
    ::unlink(socket_.c_str());

    std::thread versionError([&] {
        scriptedProducer(socket_, [](zerotee::MessageChannel &channel) {
            channel.queue(zerotee::wire::MessageType::Error,
                          zerotee::wire::encodeError(zerotee::wire::ErrorCode::Version,
                                                     "version 1 is not supported"));
        });
    });
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(zt_subscriber_open(socket_.c_str(), &options_, &sub), ZT_ERROR_VERSION);
    versionError.join();
}
