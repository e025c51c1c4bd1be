// MessageChannel over real sockets: fd order and count across a real child process, partial
// reads and writes, and every way a peer can send garbage. Each test checks /proc/self/fd.
#include "MessageChannel.h"
#include "TestSupport.h"

#include <cerrno>
#include <cstring>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace zerotee;
using namespace zerotee::test;
using namespace std::chrono_literals;

namespace {

std::pair<UniqueFd, UniqueFd> socketPair()
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
        throw std::runtime_error("socketpair");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

wire::RegisterBuffer registrationFor(uint32_t id, unsigned memories)
{
    wire::RegisterBuffer reg{};
    reg.bufferId = id;
    reg.memoryType = uint8_t(wire::MemoryType::Memfd);
    reg.memoryCount = uint8_t(memories);
    for (unsigned i = 0; i < memories; ++i)
        reg.memories[i] = {0, 4096, 4096};
    return reg;
}

// Receives until @p count messages arrived or @p timeout passed.
int receiveAll(MessageChannel &channel, std::vector<ReceivedMessage> &out, size_t count,
               std::chrono::milliseconds timeout = 5000ms)
{
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < count && std::chrono::steady_clock::now() < deadline) {
        pollfd pfd{channel.fd(), POLLIN, 0};
        ::poll(&pfd, 1, 50);
        if (int ret = channel.receive(out); ret < 0)
            return ret;
    }
    return out.size() >= count ? 0 : -ETIMEDOUT;
}

int waitForError(MessageChannel &channel)
{
    std::vector<ReceivedMessage> out;
    for (int i = 0; i < 100; ++i) {
        pollfd pfd{channel.fd(), POLLIN, 0};
        ::poll(&pfd, 1, 20);
        if (int ret = channel.receive(out); ret < 0)
            return ret;
    }
    return 0;
}

} // namespace

// Child role: sends `count` registrations over the inherited socket, message i carrying
// `fdsPer` memfds whose first bytes are i*fdsPer + j; prints its fd count before and after.
int runChildRole(const std::string &role, int argc, char **argv)
{
    if (role != "send-fds" || argc != 3)
        return 2;
    int before = countOpenFds();
    MessageChannel channel{UniqueFd(std::atoi(argv[0]))};
    int count = std::atoi(argv[1]);
    int fdsPer = std::atoi(argv[2]);
    for (int i = 0; i < count; ++i) {
        std::vector<UniqueFd> memfds;
        std::vector<int> raw;
        for (int j = 0; j < fdsPer; ++j) {
            memfds.push_back(makeMemfd(4096, uint8_t(i * fdsPer + j)));
            raw.push_back(memfds.back().get());
        }
        if (channel.queue(registrationFor(uint32_t(i), unsigned(fdsPer)), raw) < 0)
            return 3;
        // Flush as we go, waiting while the socket is full: exercises short writes too.
        while (channel.flush() == -EAGAIN) {
            pollfd pfd{channel.fd(), POLLOUT, 0};
            ::poll(&pfd, 1, 1000);
        }
    }
    channel.close();
    std::printf("fds before=%d after=%d\n", before - 1, countOpenFds());
    std::fflush(stdout);
    return 0;
}

TEST(MessageChannel, FdsArriveInOrderFromAChildProcessWithoutLeaks)
{
    const int before = countOpenFds();
    {
        auto [mine, theirs] = socketPair();
        const int count = 200, fdsPer = int(wire::kMaxFdsPerMessage);
        ChildProcess child(
            "send-fds",
            {std::to_string(theirs.get()), std::to_string(count), std::to_string(fdsPer)},
            {theirs.get()});
        theirs.reset();

        MessageChannel channel(std::move(mine));
        std::vector<ReceivedMessage> messages;
        ASSERT_EQ(receiveAll(channel, messages, count), 0);
        ASSERT_EQ(messages.size(), size_t(count));
        for (int i = 0; i < count; ++i) {
            ASSERT_EQ(messages[i].type(), wire::MessageType::RegisterBuffer);
            wire::RegisterBuffer reg;
            ASSERT_EQ(messages[i].decode(reg), 0);
            EXPECT_EQ(reg.bufferId, uint32_t(i));
            ASSERT_EQ(messages[i].fds.size(), size_t(fdsPer));
            for (int j = 0; j < fdsPer; ++j)
                EXPECT_EQ(firstByte(messages[i].fds[j].get()), (i * fdsPer + j) & 0xff);
        }
        ASSERT_EQ(child.wait(10s), 0);
        // The child closed everything it opened (its inherited socket counted as "before").
        std::string out = child.output();
        int childBefore = -1, childAfter = -2;
        ASSERT_EQ(std::sscanf(out.c_str(), "fds before=%d after=%d", &childBefore, &childAfter), 2)
            << out;
        EXPECT_EQ(childBefore, childAfter);
        EXPECT_EQ(channel.receive(messages), -ECONNRESET);
    }
    EXPECT_EQ(countOpenFds(), before);
}

TEST(MessageChannel, PartialMessagesAreReassembled)
{
    const int before = countOpenFds();
    {
        auto [a, b] = socketPair();
        MessageChannel receiver(std::move(b));
        wire::Frame frame{3, 1, 42, 1, 2, 3, 4, 5, 0, 0};
        wire::Header header{wire::kMagic, uint16_t(wire::MessageType::Frame), 0, sizeof(frame)};
        std::vector<uint8_t> bytes(sizeof(header) + sizeof(frame));
        std::memcpy(bytes.data(), &header, sizeof(header));
        std::memcpy(bytes.data() + sizeof(header), &frame, sizeof(frame));

        std::vector<ReceivedMessage> out;
        for (size_t i = 0; i < bytes.size(); ++i) {
            ASSERT_EQ(::write(a.get(), &bytes[i], 1), 1);
            ASSERT_EQ(receiver.receive(out), 0);
            ASSERT_EQ(out.size(), i + 1 == bytes.size() ? 1u : 0u) << "after byte " << i;
        }
        wire::Frame decoded;
        ASSERT_EQ(out[0].decode(decoded), 0);
        EXPECT_EQ(decoded.sequence, 42u);

        // A registration whose fds ride on the first byte and whose rest comes later.
        UniqueFd memfd = makeMemfd(4096, 0x5a);
        wire::RegisterBuffer reg = registrationFor(9, 1);
        wire::Header regHeader{wire::kMagic, uint16_t(wire::MessageType::RegisterBuffer), 1,
                               sizeof(reg)};
        std::vector<uint8_t> regBytes(sizeof(regHeader) + sizeof(reg));
        std::memcpy(regBytes.data(), &regHeader, sizeof(regHeader));
        std::memcpy(regBytes.data() + sizeof(regHeader), &reg, sizeof(reg));
        iovec iov{regBytes.data(), 5};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        int raw = memfd.get();
        std::memcpy(CMSG_DATA(cmsg), &raw, sizeof(int));
        ASSERT_EQ(::sendmsg(a.get(), &msg, 0), 5);
        out.clear();
        ASSERT_EQ(receiver.receive(out), 0);
        EXPECT_TRUE(out.empty());
        ASSERT_EQ(::write(a.get(), regBytes.data() + 5, regBytes.size() - 5),
                  ssize_t(regBytes.size() - 5));
        ASSERT_EQ(receiveAll(receiver, out, 1), 0);
        ASSERT_EQ(out[0].fds.size(), 1u);
        EXPECT_EQ(firstByte(out[0].fds[0].get()), 0x5a);
    }
    EXPECT_EQ(countOpenFds(), before);
}

TEST(MessageChannel, ShortWritesKeepTheRestQueued)
{
    auto [a, b] = socketPair();
    int small = 4096;
    ::setsockopt(a.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    MessageChannel sender(std::move(a));
    MessageChannel receiver(std::move(b));

    const int count = 300;
    for (int i = 0; i < count; ++i)
        ASSERT_EQ(
            sender.queue(wire::MessageType::Caps,
                         wire::encodeCaps(uint32_t(i), std::string(4000, char('a' + i % 26)))),
            0);
    EXPECT_EQ(sender.flush(), -EAGAIN) << "4096-byte send buffer cannot take 1.2 MB";
    EXPECT_TRUE(sender.hasPending());

    std::vector<ReceivedMessage> out;
    while (out.size() < size_t(count)) {
        ASSERT_GE(receiver.receive(out), 0);
        int ret = sender.flush();
        ASSERT_TRUE(ret == 0 || ret == -EAGAIN);
    }
    EXPECT_FALSE(sender.hasPending());
    EXPECT_EQ(sender.pendingBytes(), 0u);
    for (int i = 0; i < count; ++i) {
        wire::CapsMessage caps;
        ASSERT_EQ(out[i].decode(caps), 0);
        EXPECT_EQ(caps.generation, uint32_t(i));
        EXPECT_EQ(caps.caps, std::string(4000, char('a' + i % 26)));
    }
}

TEST(MessageChannel, GarbageIsAProtocolError)
{
    auto [a, b] = socketPair();
    MessageChannel receiver(std::move(b));
    const char garbage[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ASSERT_GT(::write(a.get(), garbage, sizeof(garbage)), 0);
    EXPECT_EQ(waitForError(receiver), -EBADMSG);
}

TEST(MessageChannel, OversizedPayloadIsRefusedFromTheHeader)
{
    auto [a, b] = socketPair();
    MessageChannel receiver(std::move(b));
    wire::Header header{wire::kMagic, uint16_t(wire::MessageType::Caps), 0, 1u << 30};
    ASSERT_EQ(::write(a.get(), &header, sizeof(header)), ssize_t(sizeof(header)));
    EXPECT_EQ(waitForError(receiver), -EBADMSG);
}

TEST(MessageChannel, TruncatedMessageThenCloseIsAnErrorAndCleanCloseIsHangup)
{
    {
        auto [a, b] = socketPair();
        MessageChannel receiver(std::move(b));
        wire::Header header{wire::kMagic, uint16_t(wire::MessageType::Frame), 0,
                            sizeof(wire::Frame)};
        ASSERT_EQ(::write(a.get(), &header, sizeof(header)), ssize_t(sizeof(header)));
        a.reset();
        EXPECT_EQ(waitForError(receiver), -EBADMSG);
    }
    {
        auto [a, b] = socketPair();
        MessageChannel receiver(std::move(b));
        a.reset();
        EXPECT_EQ(waitForError(receiver), -ECONNRESET);
    }
}

TEST(MessageChannel, FdsNoMessageClaimsAreClosed)
{
    const int before = countOpenFds();
    {
        auto [a, b] = socketPair();
        MessageChannel receiver(std::move(b));
        // A Goodbye (which takes no fds) carrying two fds anyway.
        wire::Goodbye bye{0, 0};
        wire::Header header{wire::kMagic, uint16_t(wire::MessageType::Goodbye), 0, sizeof(bye)};
        std::vector<uint8_t> bytes(sizeof(header) + sizeof(bye));
        std::memcpy(bytes.data(), &header, sizeof(header));
        std::memcpy(bytes.data() + sizeof(header), &bye, sizeof(bye));
        UniqueFd m1 = makeMemfd(16, 1), m2 = makeMemfd(16, 2);
        int raw[2] = {m1.get(), m2.get()};
        iovec iov{bytes.data(), bytes.size()};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(raw))];
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(raw));
        std::memcpy(CMSG_DATA(cmsg), raw, sizeof(raw));
        ASSERT_GT(::sendmsg(a.get(), &msg, 0), 0);
        m1.reset();
        m2.reset();
        EXPECT_EQ(waitForError(receiver), -EBADMSG);
    }
    EXPECT_EQ(countOpenFds(), before);
}

TEST(MessageChannel, TooManyFdsInOneSendAreATruncationErrorWithoutLeaks)
{
    const int before = countOpenFds();
    {
        auto [a, b] = socketPair();
        MessageChannel receiver(std::move(b));
        std::vector<UniqueFd> memfds;
        std::vector<int> raw;
        for (int i = 0; i < 64; ++i) {
            memfds.push_back(makeMemfd(16, uint8_t(i)));
            raw.push_back(memfds.back().get());
        }
        wire::RegisterBuffer reg = registrationFor(1, 1);
        wire::Header header{wire::kMagic, uint16_t(wire::MessageType::RegisterBuffer), 1,
                            sizeof(reg)};
        std::vector<uint8_t> bytes(sizeof(header) + sizeof(reg));
        std::memcpy(bytes.data(), &header, sizeof(header));
        std::memcpy(bytes.data() + sizeof(header), &reg, sizeof(reg));
        iovec iov{bytes.data(), bytes.size()};
        std::vector<char> control(CMSG_SPACE(sizeof(int) * raw.size()));
        msghdr msg{};
        msg.msg_iov = &iov;
        msg.msg_iovlen = 1;
        msg.msg_control = control.data();
        msg.msg_controllen = control.size();
        cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int) * raw.size());
        std::memcpy(CMSG_DATA(cmsg), raw.data(), sizeof(int) * raw.size());
        ASSERT_GT(::sendmsg(a.get(), &msg, 0), 0);
        memfds.clear();
        EXPECT_EQ(waitForError(receiver), -EBADMSG);
    }
    EXPECT_EQ(countOpenFds(), before);
}

TEST(MessageChannel, QueueRefusesTooManyFdsAndTooLargePayloads)
{
    auto [a, b] = socketPair();
    MessageChannel sender(std::move(a));
    std::vector<int> fds(wire::kMaxFdsPerMessage + 1, a.get());
    EXPECT_EQ(sender.queue(wire::MessageType::RegisterBuffer, std::span<const uint8_t>(), fds),
              -EINVAL);
    std::vector<uint8_t> big(wire::kMaxPayload + 1);
    EXPECT_EQ(sender.queue(wire::MessageType::Caps, big), -EINVAL);
    EXPECT_FALSE(sender.hasPending());
}
