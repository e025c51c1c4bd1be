// FramePublisher policies against real FrameSubscribers: over socketpairs for the exact
// bookkeeping, and against consumer child processes for SIGKILL, SIGSTOP and reconnects.
#include "FramePublisher.h"
#include "FrameSubscriber.h"
#include "PublisherPollLoop.h"
#include "TestSupport.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <grp.h>
#include <gtest/gtest.h>
#include <map>
#include <mutex>
#include <poll.h>
#include <set>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

using namespace zerotee;
using namespace zerotee::test;
using namespace std::chrono_literals;
using Clock = FramePublisher::Clock;

namespace {

std::pair<UniqueFd, UniqueFd> socketPair()
{
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) < 0)
        throw std::runtime_error("socketpair");
    return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

BufferLayout layoutFor(int fd, uint64_t size)
{
    BufferLayout layout;
    layout.memories.push_back({fd, 0, size, size});
    layout.planes.push_back({0, 64, 0, size});
    layout.width = 64;
    layout.height = uint32_t(size / 64);
    return layout;
}

// A publisher with socketpair clients, pumped by hand.
struct Bench {
    explicit Bench(FramePublisher::Options options = {})
        : publisher(std::move(options), callbacks())
    {
        publisher.setCaps("video/x-raw, format=(string)GRAY8, width=(int)64, height=(int)64");
        for (int i = 0; i < 8; ++i) {
            memfds.push_back(makeMemfd(4096, uint8_t(i)));
            ids.push_back(uint32_t(publisher.registerBuffer(layoutFor(memfds.back().get(), 4096))));
        }
    }

    FramePublisher::Callbacks callbacks()
    {
        FramePublisher::Callbacks c;
        c.bufferReleased = [this](FramePublisher::BufferId id) { released.push_back(id); };
        c.clientGone = [this](const ClientStats &s, DisconnectReason r, const std::string &) {
            gone.emplace_back(s.id, r);
        };
        c.upstreamRequest = [this](FramePublisher::ClientId, wire::UpstreamKind kind, uint64_t) {
            upstream.push_back(kind);
        };
        return c;
    }

    struct Consumer {
        std::unique_ptr<FrameSubscriber> subscriber;
        FramePublisher::ClientId id = 0;
        std::vector<SubscriberEvent> events;
        std::vector<wire::Frame> frames;
        std::map<uint32_t, BufferRegistration> buffers;
        int error = 0;
    };

    Consumer &connect(FrameSubscriber::Options options = {})
    {
        auto [mine, theirs] = socketPair();
        auto consumer = std::make_unique<Consumer>();
        consumer->subscriber = std::make_unique<FrameSubscriber>(options);
        EXPECT_EQ(consumer->subscriber->attach(std::move(theirs)), 0);
        int id = publisher.addClient(std::move(mine), Clock::now());
        EXPECT_GT(id, 0);
        consumer->id = FramePublisher::ClientId(id);
        consumers.push_back(std::move(consumer));
        pump();
        return *consumers.back();
    }

    // Moves bytes both ways until nothing changes.
    void pump()
    {
        for (int round = 0; round < 4; ++round) {
            for (const auto &item : publisher.pollItems()) {
                publisher.handleReadable(item.client, Clock::now());
                if (item.wantWrite)
                    publisher.handleWritable(item.client, Clock::now());
            }
            for (auto &c : consumers) {
                if (c->subscriber->state() == FrameSubscriber::State::Disconnected)
                    continue;
                std::vector<SubscriberEvent> events;
                int ret = c->subscriber->handleReadable(events);
                if (ret < 0)
                    c->error = ret;
                for (auto &e : events) {
                    if (auto *f = std::get_if<SubscriberEvent::FrameArrived>(&e.value))
                        c->frames.push_back(f->frame);
                    if (auto *r = std::get_if<SubscriberEvent::Registered>(&e.value))
                        c->buffers[r->registration.layout.bufferId] = std::move(r->registration);
                    c->events.push_back(std::move(e));
                }
            }
        }
    }

    unsigned publish(unsigned index, uint64_t ptsNs = wire::kNoTimestamp, uint32_t flags = 0)
    {
        FrameInfo info;
        info.ptsNs = ptsNs;
        info.payloadSize = 4096;
        info.flags = flags;
        unsigned holders = publisher.publish(ids[index], info, Clock::now());
        pump();
        return holders;
    }

    void releaseAll(Consumer &c)
    {
        for (const wire::Frame &f : c.frames)
            c.subscriber->release(f.bufferId, f.generation, f.sequence);
        c.frames.clear();
        pump();
    }

    FramePublisher publisher;
    std::vector<UniqueFd> memfds;
    std::vector<uint32_t> ids;
    std::vector<std::unique_ptr<Consumer>> consumers;
    std::vector<FramePublisher::BufferId> released;
    std::vector<std::pair<uint32_t, DisconnectReason>> gone;
    std::vector<wire::UpstreamKind> upstream;
};

} // namespace

TEST(FramePublisher, HandshakeCapsRegistrationOnceAndRelease)
{
    Bench bench;
    auto &c = bench.connect({.name = "rec", .policy = wire::DeliveryPolicy::All, .quota = 3});
    ASSERT_EQ(c.subscriber->state(), FrameSubscriber::State::Streaming);
    EXPECT_EQ(c.subscriber->welcome().quota, 3u);
    ASSERT_GE(c.events.size(), 2u);
    auto *caps = std::get_if<SubscriberEvent::CapsChanged>(&c.events[1].value);
    ASSERT_NE(caps, nullptr);
    EXPECT_NE(caps->caps.caps.find("GRAY8"), std::string::npos);

    EXPECT_EQ(bench.publish(0), 1u);
    ASSERT_EQ(c.frames.size(), 1u);
    ASSERT_EQ(c.buffers.count(bench.ids[0]), 1u);
    EXPECT_EQ(firstByte(c.buffers[bench.ids[0]].fds[0].get()), 0)
        << "the consumer reads the same memory";
    bench.releaseAll(c);
    EXPECT_EQ(bench.released, std::vector<FramePublisher::BufferId>{bench.ids[0]});

    // The same buffer again: no second registration.
    uint64_t registrations = bench.publisher.stats().registrationsSent;
    EXPECT_EQ(bench.publish(0), 1u);
    EXPECT_EQ(bench.publisher.stats().registrationsSent, registrations);
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(c.frames[0].sequence, 2u);
}

// An encoded stream: keyframe K in buffer 0, deltas in 1 and 2. A consumer that joins gets K,
// D1, D2 at once (flagged as replay), then live frames; the cache holds its buffers like a
// lease and gives them back at the next keyframe; a consumer that misses a frame gets nothing
// until the next keyframe.
TEST(FramePublisher, GopCacheReplaysToJoinersAndMissesWaitForAKeyframe)
{
    Bench bench;
    bench.publisher.setGopCache(4);
    const uint32_t delta = wire::FrameDeltaUnit;
    EXPECT_EQ(bench.publish(0, 1000, 0), 1u) << "no consumer yet: only the cache holds it";
    EXPECT_EQ(bench.publish(1, 2000, delta), 1u);
    EXPECT_EQ(bench.publish(2, 3000, delta), 1u);
    EXPECT_EQ(bench.publisher.stats().gopCached, 3u);

    auto &late = bench.connect({.name = "viewer", .quota = 2});
    ASSERT_EQ(late.frames.size(), 3u) << "the whole GOP, whatever the quota";
    for (unsigned i = 0; i < 3; ++i) {
        EXPECT_EQ(late.frames[i].bufferId, bench.ids[i]);
        EXPECT_TRUE(late.frames[i].flags & wire::FrameReplay);
        EXPECT_EQ(late.frames[i].ptsNs, 1000u * (i + 1));
    }
    EXPECT_FALSE(late.frames[0].flags & wire::FrameDeltaUnit);
    bench.releaseAll(late);
    EXPECT_TRUE(bench.released.empty()) << "the cache still holds them";

    EXPECT_EQ(bench.publish(3, 4000, delta), 2u);
    ASSERT_EQ(late.frames.size(), 1u);
    EXPECT_FALSE(late.frames[0].flags & wire::FrameReplay) << "live frames are not replays";
    bench.releaseAll(late);

    // A new keyframe: the old GOP's buffers come back, the new GOP starts.
    EXPECT_EQ(bench.publish(4, 5000, 0), 2u);
    std::set<FramePublisher::BufferId> back(bench.released.begin(), bench.released.end());
    EXPECT_EQ(back, (std::set<FramePublisher::BufferId>{bench.ids[0], bench.ids[1], bench.ids[2],
                                                        bench.ids[3]}));
    EXPECT_EQ(bench.publisher.stats().gopCached, 1u);

    // Quota 2, nothing released: the third frame is missed, and so is every delta after it.
    EXPECT_EQ(bench.publish(5, 6000, delta), 2u);
    EXPECT_EQ(bench.publish(6, 7000, delta), 1u) << "quota used up: a miss";
    bench.releaseAll(late);
    EXPECT_EQ(bench.publish(7, 8000, delta), 1u) << "after a miss: no delta";
    EXPECT_TRUE(late.frames.empty());
    EXPECT_EQ(bench.publisher.clientStats()[0].skippedToKeyframe, 1u);
    // The GOP cache is full (4): no partial GOP is kept.
    EXPECT_EQ(bench.publisher.stats().gopCached, 4u);
    bench.publish(0, 9000, delta);
    EXPECT_EQ(bench.publisher.stats().gopCached, 0u);
    EXPECT_TRUE(late.frames.empty());
    // A consumer that joins with nothing cached starts at the next keyframe too.
    auto &fresh = bench.connect({.name = "fresh", .quota = 4});
    bench.publish(2, 9500, delta);
    EXPECT_TRUE(fresh.frames.empty());
    bench.publish(1, 10000, 0);
    ASSERT_EQ(late.frames.size(), 1u) << "the next keyframe resumes it";
    EXPECT_FALSE(late.frames[0].flags & wire::FrameDeltaUnit);
    ASSERT_EQ(fresh.frames.size(), 1u);
    EXPECT_EQ(fresh.frames[0].bufferId, bench.ids[1]);

    bench.publisher.setGopCache(0);
    EXPECT_EQ(bench.publisher.stats().gopCached, 0u);
}

TEST(FramePublisher, QuotaExhaustionDropsOnlyForThatConsumer)
{
    Bench bench;
    auto &slow = bench.connect({.name = "slow", .quota = 2});
    auto &fast = bench.connect({.name = "fast", .quota = 2});
    for (unsigned i = 0; i < 5; ++i) {
        bench.publish(i);
        bench.releaseAll(fast);
    }
    EXPECT_EQ(slow.frames.size(), 2u);
    auto stats = bench.publisher.clientStats();
    ASSERT_EQ(stats.size(), 2u);
    EXPECT_EQ(stats[0].droppedQuota, 3u);
    EXPECT_EQ(stats[1].droppedQuota, 0u);
    EXPECT_EQ(stats[1].framesSent, 5u);
}

TEST(FramePublisher, LatestPolicySkipsByDesignAndFpsCapThins)
{
    Bench bench;
    auto &latest =
        bench.connect({.name = "ai", .policy = wire::DeliveryPolicy::Latest, .quota = 5});
    auto &capped =
        bench.connect({.name = "sub", .policy = wire::DeliveryPolicy::FpsCap, .fpsCap = 10});
    EXPECT_EQ(latest.subscriber->welcome().quota, 2u)
        << "latest holds the frame in work and the one a sink keeps as its last sample";
    const uint64_t frameNs = 33'333'333;
    uint64_t cappedFrames = 0;
    for (unsigned i = 0; i < 30; ++i) {
        bench.publish(i % 8, 1'000'000'000 + i * frameNs);
        cappedFrames += capped.frames.size();
        bench.releaseAll(capped);
        if (i % 3 == 2)
            bench.releaseAll(latest);
    }
    auto stats = bench.publisher.clientStats();
    EXPECT_EQ(stats[0].droppedQuota, 0u);
    EXPECT_EQ(stats[0].framesSent, 20u) << "two of every three: the quota of two, then released";
    EXPECT_EQ(stats[0].skippedByPolicy, 10u);
    EXPECT_EQ(cappedFrames, 10u) << "one second of 30 fps capped to 10";
    EXPECT_EQ(stats[1].skippedByPolicy, 20u);
}

TEST(FramePublisher, LeaseExpiryEvictsAndReclaims)
{
    Bench bench({.leaseTimeout = 50ms});
    auto &holder = bench.connect({.name = "stuck", .quota = 3});
    bench.publish(0);
    bench.publish(1);
    EXPECT_TRUE(bench.publisher.isHeld(bench.ids[0]));
    bench.publisher.handleTimeouts(Clock::now());
    EXPECT_TRUE(bench.gone.empty()) << "not yet";
    EXPECT_LE(bench.publisher.nextDeadline(), Clock::now() + 50ms);
    // The publisher takes the time from its caller: 60 ms later, without sleeping.
    bench.publisher.handleTimeouts(Clock::now() + 60ms);
    ASSERT_EQ(bench.gone.size(), 1u);
    EXPECT_EQ(bench.gone[0].second, DisconnectReason::LeaseExpired);
    EXPECT_FALSE(bench.publisher.isHeld(bench.ids[0]));
    EXPECT_FALSE(bench.publisher.isHeld(bench.ids[1]));
    EXPECT_EQ(bench.released.size(), 2u);
    EXPECT_EQ(bench.publisher.stats().evictions, 1u);
    bench.pump();
    EXPECT_EQ(holder.subscriber->state(), FrameSubscriber::State::Disconnected);
    bool toldWhy = false;
    for (auto &e : holder.events)
        if (auto *err = std::get_if<SubscriberEvent::ProducerError>(&e.value))
            toldWhy = err->error.code == wire::ErrorCode::LeaseExpired;
    EXPECT_TRUE(toldWhy);
}

TEST(FramePublisher, AdmissionDegradesThenRefuses)
{
    // 9 buffers, 4 for the capture: two consumers of quota 2, then room for one frame.
    Bench bench({.poolCapacity = 9, .captureReserve = 4, .defaultQuota = 2});
    bench.connect({.name = "a"});
    bench.connect({.name = "b"});
    auto &degraded = bench.connect({.name = "c"});
    EXPECT_EQ(degraded.subscriber->welcome().quota, 1u);
    EXPECT_EQ(degraded.subscriber->welcome().policy, uint8_t(wire::DeliveryPolicy::Latest));
    EXPECT_TRUE(degraded.subscriber->welcome().flags & wire::WelcomeDegraded);
    auto &refused = bench.connect({.name = "d"});
    EXPECT_EQ(refused.subscriber->state(), FrameSubscriber::State::Disconnected);
    EXPECT_EQ(bench.publisher.stats().clientsRefused, 1u);
    EXPECT_EQ(bench.publisher.stats().clients, 3u);
    // It was told why, with the numbers and the setting to change.
    ASSERT_TRUE(refused.subscriber->lastProducerError().has_value());
    EXPECT_EQ(refused.subscriber->lastProducerError()->code, wire::ErrorCode::PoolExhausted);
    EXPECT_EQ(refused.subscriber->lastProducerError()->text,
              "pool full: 9 buffers, 4 kept for the capture, 5 promised to 3 consumers; to admit "
              "more, raise the producer's pool-size (or max-pool-mib for a pool it grows)");
    // Once it hung up, the producer let go of the refused connection.
    bench.pump();
    EXPECT_EQ(bench.publisher.pollItems().size(), 3u);
}

TEST(FramePublisher, RefusalWaitsForThePeerToReadIt)
{
    // The producer half-closes after the Error and keeps the socket until the peer hangs up or
    // the linger passes: the peer reads the reason, then end-of-file, never a reset.
    FramePublisher publisher(
        {.poolCapacity = 4, .captureReserve = 4, .refusalLinger = std::chrono::milliseconds(200)},
        {});
    auto [mine, theirs] = socketPair();
    wire::Hello hello{};
    hello.version = wire::kVersion;
    hello.role = uint8_t(wire::Role::Consumer);
    MessageChannel peer(std::move(theirs));
    ASSERT_EQ(peer.queue(hello), 0);
    // More than the hello: unread bytes at close would reset the connection.
    ASSERT_EQ(peer.queue(wire::Goodbye{0, 0}), 0);
    ASSERT_EQ(peer.flush(), 0);
    int id = publisher.addClient(std::move(mine), Clock::now());
    ASSERT_GT(id, 0);
    publisher.handleReadable(FramePublisher::ClientId(id), Clock::now());
    ASSERT_EQ(publisher.pollItems().size(), 1u) << "kept until the peer reads the reason";
    std::vector<ReceivedMessage> messages;
    EXPECT_EQ(peer.receive(messages), 0);
    ASSERT_EQ(messages.size(), 1u);
    char byte;
    EXPECT_EQ(::recv(peer.fd(), &byte, 1, MSG_DONTWAIT), 0) << "end-of-file after the Error";
    wire::ErrorMessage error;
    ASSERT_EQ(messages[0].decode(error), 0);
    EXPECT_EQ(error.code, wire::ErrorCode::PoolExhausted);
    EXPECT_EQ(publisher.stats().clientsRefused, 1u);
    // A peer that never hangs up is let go after the linger.
    publisher.handleTimeouts(Clock::now() + std::chrono::milliseconds(250));
    EXPECT_TRUE(publisher.pollItems().empty());
}

TEST(FramePublisher, ConsumersReceiveMemfdsReadOnly)
{
    Bench bench;
    auto &consumer = bench.connect({.name = "reader"});
    bench.publisher.publish(bench.ids[0], FrameInfo{.payloadSize = 4096}, Clock::now());
    bench.pump();
    ASSERT_EQ(consumer.buffers.count(bench.ids[0]), 1u);
    int fd = consumer.buffers[bench.ids[0]].fds[0].get();
    EXPECT_EQ(::fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
    void *writable = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    EXPECT_EQ(writable, MAP_FAILED) << "a consumer cannot map the producer's frame writable";
    if (writable != MAP_FAILED)
        ::munmap(writable, 4096);
    EXPECT_EQ(::write(fd, "x", 1), -1);
    EXPECT_EQ(firstByte(fd), 0) << "it still reads the frame";
}

TEST(FramePublisher, MalformedInputClosesOnlyThatConnection)
{
    Bench bench;
    auto &good = bench.connect({.name = "good"});
    // A second client that speaks garbage after a valid hello.
    auto [mine, theirs] = socketPair();
    int id = bench.publisher.addClient(std::move(mine), Clock::now());
    ASSERT_GT(id, 0);
    wire::Hello hello{};
    hello.version = wire::kVersion;
    hello.role = uint8_t(wire::Role::Consumer);
    MessageChannel raw(std::move(theirs));
    raw.queue(hello);
    raw.flush();
    bench.pump();
    const char garbage[] = "\x01\x02\x03\x04garbage-garbage";
    ASSERT_GT(::write(raw.fd(), garbage, sizeof(garbage)), 0);
    bench.pump();
    ASSERT_EQ(bench.gone.size(), 1u);
    EXPECT_EQ(bench.gone[0].first, uint32_t(id));
    EXPECT_EQ(bench.gone[0].second, DisconnectReason::ProtocolError);

    // A release for a frame it does not hold is malformed too.
    auto &liar = bench.connect({.name = "liar"});
    bench.publish(0);
    bench.releaseAll(good);
    liar.subscriber->release(bench.ids[3], 1, 999);
    bench.pump();
    ASSERT_EQ(bench.gone.size(), 2u);
    EXPECT_EQ(bench.gone[1].second, DisconnectReason::ProtocolError);
    EXPECT_FALSE(bench.publisher.isHeld(bench.ids[0])) << "the liar's lease was reclaimed";

    EXPECT_EQ(bench.publish(1), 1u) << "the good consumer is unaffected";
    EXPECT_EQ(good.frames.size(), 1u);
}

TEST(FramePublisher, HelloTimeoutAndWrongVersion)
{
    Bench bench({.helloTimeout = 20ms});
    auto [mine, theirs] = socketPair();
    bench.publisher.addClient(std::move(mine), Clock::now());
    bench.publisher.handleTimeouts(Clock::now() + 30ms);
    EXPECT_TRUE(bench.publisher.pollItems().empty());

    auto [mine2, theirs2] = socketPair();
    bench.publisher.addClient(std::move(mine2), Clock::now());
    MessageChannel raw(std::move(theirs2));
    wire::Hello hello{};
    hello.version = 99;
    hello.role = uint8_t(wire::Role::Consumer);
    raw.queue(hello);
    raw.flush();
    bench.pump();
    std::vector<ReceivedMessage> out;
    // The refusal is on the socket once pump() returned; poll rather than sleep for it.
    pollfd readable{raw.fd(), POLLIN, 0};
    ASSERT_EQ(::poll(&readable, 1, 1000), 1);
    raw.receive(out);
    ASSERT_GE(out.size(), 1u);
    wire::ErrorMessage error;
    ASSERT_EQ(out[0].decode(error), 0);
    EXPECT_EQ(error.code, wire::ErrorCode::Version);
    EXPECT_NE(error.text.find("99"), std::string::npos);
}

TEST(FramePublisher, CapsChangeReregistersAndUpstreamRequestsArrive)
{
    Bench bench;
    auto &c = bench.connect({.name = "c", .quota = 4});
    bench.publish(0);
    bench.releaseAll(c);
    bench.publisher.setCaps("video/x-raw, format=(string)GRAY8, width=(int)32, height=(int)128");
    bench.pump();
    EXPECT_EQ(c.subscriber->generation(), 2u);
    uint64_t before = bench.publisher.stats().registrationsSent;
    bench.publish(0);
    EXPECT_EQ(bench.publisher.stats().registrationsSent, before + 1);
    ASSERT_EQ(c.frames.size(), 1u);
    EXPECT_EQ(c.frames[0].generation, 2u);

    ASSERT_EQ(c.subscriber->requestUpstream(wire::UpstreamKind::KeyframeNow), 0);
    bench.pump();
    ASSERT_EQ(bench.upstream.size(), 1u);
}

TEST(FramePublisher, ConsumerThatStopsReadingIsDroppedThenEvicted)
{
    Bench bench({.leaseTimeout = 100ms, .maxPendingBytes = 1u << 30});
    auto [mine, theirs] = socketPair();
    int small = 4096;
    ::setsockopt(mine.get(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    FrameSubscriber deaf({.name = "deaf", .quota = 16});
    ASSERT_EQ(deaf.attach(std::move(theirs)), 0);
    int id = bench.publisher.addClient(std::move(mine), Clock::now());
    bench.publisher.handleReadable(FramePublisher::ClientId(id), Clock::now());
    std::vector<SubscriberEvent> events;
    // It reads the welcome, then never again; it releases nothing, but its quota is large:
    // what stops delivery is its full socket.
    for (int i = 0; i < 2000 && bench.publisher.stats().droppedSocket == 0; ++i) {
        bench.publisher.publish(bench.ids[i % 8], {}, Clock::now());
        if (i == 0)
            deaf.handleReadable(events);
        // Give leases back by hand so only the socket limits delivery.
        bench.publisher.unregisterBuffer(bench.ids[i % 8]);
        bench.ids[i % 8] =
            uint32_t(bench.publisher.registerBuffer(layoutFor(bench.memfds[i % 8].get(), 4096)));
    }
    EXPECT_GT(bench.publisher.stats().droppedSocket, 0u);
    bench.publisher.handleTimeouts(Clock::now() + 120ms);
    ASSERT_FALSE(bench.gone.empty());
    EXPECT_TRUE(bench.gone[0].second == DisconnectReason::TooSlow ||
                bench.gone[0].second == DisconnectReason::LeaseExpired);
}

TEST(FramePublisher, ThousandAttachDetachCyclesLeaveNoFds)
{
    Bench bench;
    auto cycle = [&] {
        auto &c = bench.connect({.name = "cycle"});
        bench.publish(0);
        if (bench.consumers.size() % 2)
            bench.releaseAll(c); // half release, half just vanish holding a frame
        c.subscriber->disconnect();
        bench.pump();
        bench.consumers.clear();
    };
    auto rssKb = [] {
        std::ifstream status("/proc/self/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind("VmRSS:", 0) == 0)
                return std::stol(line.substr(6));
        return 0L;
    };
    for (int i = 0; i < 50; ++i)
        cycle(); // warm-up: allocator caches, vectors at their size
    const int fdsBefore = countOpenFds();
    const long rssBefore = rssKb();
    for (int i = 0; i < 1000; ++i)
        cycle();
    EXPECT_EQ(countOpenFds(), fdsBefore);
    if (kRssIsMeaningful) {
        EXPECT_LT(rssKb() - rssBefore, 512) << "RSS " << rssBefore << " -> " << rssKb() << " KiB";
    }
    EXPECT_EQ(bench.publisher.stats().clients, 0u);
    EXPECT_EQ(bench.publisher.stats().buffersHeld, 0u);
}

// ---- real processes -------------------------------------------------------------------

namespace {

// A producer publishing 30 fps from a ring of memfds, with the I/O on its own thread. Quiet:
// like zeroteesink, the capture thread reads every client before each publish and the I/O
// thread leaves releases to it while frames flow (PublisherPollLoop::setQuietWhileStreaming).
class LiveProducer {
public:
    LiveProducer(const std::string &path, FramePublisher::Options options, bool quiet = false)
        : publisher_(options, callbacks()), quiet_(quiet)
    {
        int error = 0;
        UniqueFd listen = listenUnixSocket(path, &error);
        if (!listen)
            throw std::runtime_error("listen: " + std::to_string(error));
        loop_ = std::make_unique<PublisherPollLoop>(publisher_, std::move(listen), mutex_);
        loop_->setQuietWhileStreaming(quiet_);
        publisher_.setCaps("video/x-raw, format=(string)GRAY8, width=(int)64, height=(int)64");
        for (int i = 0; i < 16; ++i) {
            memfds_.push_back(makeMemfd(4096, uint8_t(i)));
            int id = publisher_.registerBuffer(layoutFor(memfds_.back().get(), 4096));
            free_.push_back(uint32_t(id));
        }
        io_ = std::thread([this] {
            while (!stop_)
                loop_->runOnce(20);
        });
        capture_ = std::thread([this] { captureLoop(); });
    }

    ~LiveProducer()
    {
        stop_ = true;
        loop_->wakeup();
        capture_.join();
        io_.join();
    }

    uint64_t published() const { return published_; }
    /// Frame ticks the capture thread slept through (woken late by the scheduler, not held up
    /// by the publisher: the time a publish takes is worstPublish()).
    uint64_t ticksSkipped() const { return ticksSkipped_; }
    uint64_t stalls() const { return stalls_; }
    std::chrono::microseconds worstPublish() const
    {
        return std::chrono::microseconds(worstUs_.load());
    }
    PublisherStats stats()
    {
        std::lock_guard lock(mutex_);
        return publisher_.stats();
    }
    std::vector<ClientStats> clients()
    {
        std::lock_guard lock(mutex_);
        return publisher_.clientStats();
    }

private:
    FramePublisher::Callbacks callbacks()
    {
        FramePublisher::Callbacks c;
        c.bufferReleased = [this](FramePublisher::BufferId id) { free_.push_back(id); };
        return c;
    }

    void captureLoop()
    {
        auto next = Clock::now();
        while (!stop_) {
            next += 33333us;
            std::this_thread::sleep_until(next);
            auto start = Clock::now();
            // Woken a frame late or more (the VM paused the process): start the schedule again
            // instead of publishing the missed ticks back to back, as a live source drops late
            // frames. Three frames in a burst would use up any consumer's quota of two before it
            // could release one, whatever the stopped consumer does.
            if (start - next > 33333us) {
                ticksSkipped_ += uint64_t((start - next) / 33333us);
                next = start;
            }
            {
                std::lock_guard lock(mutex_);
                if (quiet_)
                    publisher_.readPending(start);
                if (free_.empty()) {
                    stalls_++;
                    continue;
                }
                uint32_t id = free_.front();
                free_.pop_front();
                FrameInfo info;
                info.ptsNs = monotonicNowNs();
                info.payloadSize = 4096;
                info.cameraSequence = published_;
                if (publisher_.publish(id, info, start) == 0)
                    free_.push_back(id);
                published_++;
            }
            if (quiet_)
                loop_->notePublished(monotonicNowNs());
            loop_->wakeup();
            auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
            if (took.count() > worstUs_)
                worstUs_ = took.count();
        }
    }

    std::mutex mutex_;
    FramePublisher publisher_;
    const bool quiet_;
    std::unique_ptr<PublisherPollLoop> loop_;
    std::vector<UniqueFd> memfds_;
    std::deque<uint32_t> free_;
    std::atomic<bool> stop_{false};
    std::atomic<uint64_t> published_{0};
    std::atomic<uint64_t> ticksSkipped_{0};
    std::atomic<uint64_t> stalls_{0};
    std::atomic<int64_t> worstUs_{0};
    std::thread io_;
    std::thread capture_;
};

std::vector<uint64_t> cameraSequencesIn(const std::string &output)
{
    std::vector<uint64_t> seqs;
    size_t pos = 0;
    while ((pos = output.find("frame ", pos)) != std::string::npos) {
        pos += 6;
        seqs.push_back(std::stoull(output.substr(pos)));
    }
    return seqs;
}

} // namespace

// Child role: a consumer that connects (and reconnects), reads each frame's first byte through
// its own mapping of the fd, releases it, and prints "frame CAMSEQ" lines.
// Child role: as nobody, connects once and prints what the producer says: "welcomed", or
// "error CODE TEXT" and "then closed" once the connection ends.
int runAsNobody(const std::string &path)
{
    if (::setgroups(0, nullptr) < 0 || ::setgid(65534) < 0 || ::setuid(65534) < 0)
        return 3;
    FrameSubscriber subscriber({.name = "nobody"});
    if (int ret = subscriber.connect(path); ret < 0) {
        std::printf("connect %s\n", std::strerror(-ret));
        return 0;
    }
    for (auto start = Clock::now(); Clock::now() - start < 3s;) {
        pollfd pfd{subscriber.fd(), POLLIN, 0};
        ::poll(&pfd, 1, 100);
        std::vector<SubscriberEvent> events;
        int ret = subscriber.handleReadable(events);
        for (auto &e : events) {
            if (std::holds_alternative<SubscriberEvent::Welcomed>(e.value)) {
                std::printf("welcomed\n");
                return 0;
            }
            if (auto *error = std::get_if<SubscriberEvent::ProducerError>(&e.value))
                std::printf("error %u %s\n", unsigned(error->error.code),
                            error->error.text.c_str());
        }
        if (ret < 0) {
            std::printf("then closed\n");
            return 0;
        }
    }
    return 0;
}

int runChildRole(const std::string &role, int argc, char **argv)
{
    if (role == "as-nobody" && argc == 1)
        return runAsNobody(argv[0]);
    if (role != "consume" || argc != 2)
        return 2;
    std::string path = argv[0];
    auto deadline = Clock::now() + std::chrono::seconds(std::atoi(argv[1]));
    FrameSubscriber subscriber({.name = "child", .quota = 2});
    std::map<uint32_t, BufferRegistration> buffers;
    while (Clock::now() < deadline) {
        if (subscriber.state() == FrameSubscriber::State::Disconnected) {
            buffers.clear();
            if (subscriber.connect(path) < 0) {
                std::this_thread::sleep_for(50ms);
                continue;
            }
            std::printf("connected\n");
            std::fflush(stdout);
        }
        pollfd pfd{subscriber.fd(), POLLIN, 0};
        ::poll(&pfd, 1, 100);
        std::vector<SubscriberEvent> events;
        if (subscriber.handleReadable(events) < 0) {
            std::printf("disconnected\n");
            std::fflush(stdout);
        }
        for (auto &e : events) {
            if (auto *r = std::get_if<SubscriberEvent::Registered>(&e.value))
                buffers[r->registration.layout.bufferId] = std::move(r->registration);
            if (auto *f = std::get_if<SubscriberEvent::FrameArrived>(&e.value)) {
                int byte = firstByte(buffers.at(f->frame.bufferId).fds[0].get());
                std::printf("frame %llu byte %d\n", (unsigned long long)f->frame.cameraSequence,
                            byte);
                subscriber.release(f->frame.bufferId, f->frame.generation, f->frame.sequence);
            }
        }
        std::fflush(stdout);
    }
    return 0;
}

// Both I/O modes: the poll loop reading every release, and quiet reading while streaming.
class FramePublisherProcesses : public ::testing::TestWithParam<bool> {};
INSTANTIATE_TEST_SUITE_P(IoModes, FramePublisherProcesses, ::testing::Values(false, true),
                         [](const auto &param) { return param.param ? "Quiet" : "PollsReleases"; });

TEST_P(FramePublisherProcesses, SigkilledConsumerIsReclaimedAtOnce)
{
    TempDir dir;
    LiveProducer producer(dir.file("bus.sock"), {.leaseTimeout = 5000ms}, GetParam());
    ChildProcess victim("consume", {dir.file("bus.sock"), "30"});
    ChildProcess survivor("consume", {dir.file("bus.sock"), "30"});
    ASSERT_TRUE(victim.waitForOutput("frame", 5s));
    ASSERT_TRUE(survivor.waitForOutput("frame", 5s));
    victim.signal(SIGKILL);
    EXPECT_EQ(victim.wait(2s), 128 + SIGKILL);
    // Hang-up is seen at once, long before the 5 s lease would expire.
    auto start = Clock::now();
    while (producer.stats().clients != 1 && Clock::now() - start < 2s)
        std::this_thread::sleep_for(10ms);
    EXPECT_EQ(producer.stats().clients, 1u);
    EXPECT_LT(Clock::now() - start, 1s);
    EXPECT_EQ(producer.stats().evictions, 0u) << "a hang-up, not a lease eviction";
    std::this_thread::sleep_for(300ms);
    EXPECT_LE(producer.stats().buffersHeld, 2u) << "only the survivor's quota is held";
    EXPECT_EQ(producer.stalls(), 0u);
}

TEST_P(FramePublisherProcesses, StoppedConsumerIsEvictedOthersKeepFullRateAndItReconnects)
{
    TempDir dir;
    LiveProducer producer(dir.file("bus.sock"), {.leaseTimeout = 1000ms}, GetParam());
    ChildProcess stopped("consume", {dir.file("bus.sock"), "30"});
    ChildProcess a("consume", {dir.file("bus.sock"), "30"});
    ChildProcess b("consume", {dir.file("bus.sock"), "30"});
    ASSERT_TRUE(stopped.waitForOutput("frame", 5s));
    ASSERT_TRUE(a.waitForOutput("frame", 5s));
    ASSERT_TRUE(b.waitForOutput("frame", 5s));

    // The scenario: stopped for 10 s.
    const uint64_t publishedBefore = producer.published();
    const uint64_t skippedBefore = producer.ticksSkipped();
    stopped.signal(SIGSTOP);
    std::this_thread::sleep_for(10s);
    const uint64_t publishedDuring = producer.published() - publishedBefore;
    const uint64_t skippedDuring = producer.ticksSkipped() - skippedBefore;
    EXPECT_GE(publishedDuring + skippedDuring, 290u) << "the producer kept ~30 fps";
    EXPECT_LE(skippedDuring, 15u) << "the machine kept the capture thread waiting too often";
    EXPECT_EQ(producer.stats().evictions, 1u) << "evicted after the 1 s lease";
    EXPECT_EQ(producer.stalls(), 0u) << "the capture never ran out of buffers";
    EXPECT_LT(producer.worstPublish(), 20ms);
    stopped.signal(SIGCONT);

    // After SIGCONT it finds its connection closed and connects again.
    auto reconnected = [&] {
        std::string out = stopped.output();
        return out.find("connected", out.find("connected") + 1) != std::string::npos;
    };
    for (auto start = Clock::now(); !reconnected() && Clock::now() - start < 5s;)
        std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(reconnected());
    size_t framesAtReconnect = cameraSequencesIn(stopped.output()).size();
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(producer.stats().clients, 3u);
    EXPECT_GT(cameraSequencesIn(stopped.output()).size(), framesAtReconnect + 5);

    // The others saw every frame: no gaps in their camera sequence numbers.
    for (ChildProcess *child : {&a, &b}) {
        std::vector<uint64_t> seqs = cameraSequencesIn(child->output());
        ASSERT_GT(seqs.size(), 300u);
        uint64_t gaps = 0;
        for (size_t i = 1; i < seqs.size(); ++i)
            gaps += seqs[i] != seqs[i - 1] + 1;
        EXPECT_EQ(gaps, 0u);
    }
    for (const ClientStats &c : producer.clients())
        EXPECT_EQ(c.droppedSocket, 0u);
}

TEST(FramePublisher, PeerOfAnotherUidIsToldItsUidAndWhatAdmitsIt)
{
    if (::geteuid() != 0)
        GTEST_SKIP() << "needs root to run a consumer as nobody";
    TempDir dir;
    ::chmod(dir.path().c_str(), 0711);
    for (bool allowed : {false, true}) {
        FramePublisher::Options options{.poolCapacity = 16};
        if (allowed)
            options.allowedUids = {65534};
        LiveProducer producer(dir.file("bus.sock"), options, false);
        ::chmod(dir.file("bus.sock").c_str(), 0666);
        ChildProcess nobody("as-nobody", {dir.file("bus.sock")});
        EXPECT_EQ(nobody.wait(5s), 0);
        std::string out = nobody.output();
        if (allowed) {
            EXPECT_NE(out.find("welcomed"), std::string::npos) << out;
        } else {
            EXPECT_NE(out.find("error 3 uid 65534 ("), std::string::npos) << out;
            EXPECT_NE(out.find("may not use this bus; to admit it, name "), std::string::npos)
                << out;
            EXPECT_NE(out.find("then closed"), std::string::npos) << out;
            EXPECT_EQ(producer.stats().clientsRefused, 1u);
        }
    }
}
