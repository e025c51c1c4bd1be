// End-to-end tests of zeroteesink and zeroteesrc: real pipelines, real sockets, real processes.

#include "FrameSubscriber.h"
#include "PipelineTestSupport.h"
#include "TestSupport.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <poll.h>
#include <random>
#include <sys/mman.h>
#include <thread>
#include <unistd.h>

using namespace std::chrono_literals;
using namespace zerotee::test;

namespace {

const std::string kCaps320 = "video/x-raw,format=NV12,width=320,height=240,framerate=30/1";
const std::string kCaps640 = "video/x-raw,format=NV12,width=640,height=480,framerate=30/1";

std::string producerLine(const std::string &socket, const std::string &beforeSink = "",
                         const std::string &caps = kCaps320)
{
    return "videotestsrc is-live=true pattern=snow ! capsfilter name=cf caps=\"" + caps + "\" ! " +
           beforeSink + "zeroteesink name=sink socket-path=" + socket;
}

std::string consumerLine(const std::string &socket)
{
    return "zeroteesrc name=src socket-path=" + socket + " ! fakesink name=out";
}

// Every frame the consumer saw is bit-identical to the producer's frame with the same offset.
void expectBitExact(const FrameRecorder &producer, const FrameRecorder &consumer, size_t atLeast)
{
    auto produced = producer.hashes();
    auto consumed = consumer.hashes();
    ASSERT_GE(consumed.size(), atLeast);
    for (const auto &[offset, hash] : consumed) {
        auto it = produced.find(offset);
        ASSERT_NE(it, produced.end()) << "frame " << offset << " was never produced";
        EXPECT_NE(hash, 0u);
        EXPECT_EQ(it->second, hash) << "frame " << offset << " differs";
    }
}

class ZeroteeElements : public ::testing::Test {
protected:
    static void SetUpTestSuite() { initGStreamer(); }
    void SetUp() override
    {
        GstElementFactory *factory = gst_element_factory_find("zeroteesink");
        ASSERT_TRUE(factory) << "the zerotee plugin is not in GST_PLUGIN_PATH_1_0";
        gst_object_unref(factory);
    }

    // Plays @p producer (its zeroteesink named "sink") and connects @p witness to it.
    void playWithWitness(Pipeline &producer, zerotee::FrameSubscriber &witness)
    {
        ASSERT_TRUE(producer.get());
        ASSERT_NE(gst_element_set_state(producer.get(), GST_STATE_PLAYING),
                  GST_STATE_CHANGE_FAILURE);
        ASSERT_TRUE(waitFor([&] { return witness.connect(socket_) == 0; }, 5s));
        ASSERT_TRUE(
            waitFor([&] { return statField(producer.element("sink"), "clients") == 1; }, 5s));
    }

    TempDir dir_;
    std::string socket_ = dir_.file("bus.sock");
};

TEST_F(ZeroteeElements, FramesArriveBitExactWithoutCopy)
{
    {
        Pipeline producer(producerLine(socket_));
        ASSERT_TRUE(producer.get());
        FrameRecorder produced(producer.element("sink"), "sink");
        ASSERT_TRUE(producer.setState(GST_STATE_PLAYING));

        Pipeline consumer(consumerLine(socket_));
        FrameRecorder consumed(consumer.element("out"), "sink");
        ASSERT_TRUE(consumer.setState(GST_STATE_PLAYING));

        ASSERT_TRUE(waitFor([&] { return consumed.count() >= 30; }, 15s));
        ASSERT_TRUE(producer.setState(GST_STATE_PAUSED));
        expectBitExact(produced, consumed, 30);

        GstElement *sink = producer.element("sink");
        EXPECT_TRUE(produced.allMemfd()) << "upstream did not draw into the memfd pool";
        EXPECT_TRUE(consumed.allMemfd());
        EXPECT_EQ(statField(sink, "pixel-bytes-copied"), 0u);
        EXPECT_EQ(statField(sink, "bytes-copied"), 0u);
        EXPECT_GE(statField(sink, "buffers-registered"), 1u);
        EXPECT_LE(statField(sink, "buffers-registered"), 12u); // the pool's size
        EXPECT_GE(statField(consumer.element("src"), "frames-received"), 30u);
        EXPECT_EQ(producer.takeError(), "");
        EXPECT_EQ(consumer.takeError(), "");
    }
    EXPECT_FALSE(g_file_test(socket_.c_str(), G_FILE_TEST_EXISTS)) << "socket left behind";
}

TEST_F(ZeroteeElements, UpstreamRefusingThePoolIsCopiedAndCounted)
{
    Pipeline producer(producerLine(socket_, "identity drop-allocation=true ! "));
    ASSERT_TRUE(producer.get());
    FrameRecorder produced(producer.element("sink"), "sink");
    ASSERT_TRUE(producer.setState(GST_STATE_PLAYING));
    Pipeline consumer(consumerLine(socket_));
    FrameRecorder consumed(consumer.element("out"), "sink");
    ASSERT_TRUE(consumer.setState(GST_STATE_PLAYING));

    ASSERT_TRUE(waitFor([&] { return consumed.count() >= 20; }, 15s));
    ASSERT_TRUE(producer.setState(GST_STATE_PAUSED));
    expectBitExact(produced, consumed, 20);
    EXPECT_FALSE(produced.anyFdBacked());
    EXPECT_TRUE(consumed.allMemfd());
    GstElement *sink = producer.element("sink");
    EXPECT_GE(statField(sink, "pixel-bytes-copied"), 20u * 320 * 240 * 3 / 2);
    EXPECT_EQ(statField(sink, "pixel-bytes-copied"), statField(sink, "bytes-copied"));
}

TEST_F(ZeroteeElements, DmabufMemoryArrivesAsDmabuf)
{
    // appsrc feeds memfds wrapped as GstDmaBufMemory: the DMABUF code path end to end.
    Pipeline producer("appsrc name=in is-live=true format=time caps=\"" + kCaps320 +
                      "\" ! zeroteesink name=sink socket-path=" + socket_);
    ASSERT_TRUE(producer.get());
    FrameRecorder produced(producer.element("sink"), "sink");
    // A live pipeline whose sink completes PLAYING only with the first buffer: do not wait.
    ASSERT_NE(gst_element_set_state(producer.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    Pipeline consumer(consumerLine(socket_));
    FrameRecorder consumed(consumer.element("out"), "sink");
    ASSERT_NE(gst_element_set_state(consumer.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstElement *sink = producer.element("sink");
    ASSERT_TRUE(waitFor([&] { return statField(sink, "clients") == 1; }, 5s));

    GstAllocator *allocator = gst_dmabuf_allocator_new();
    const gsize size = 320 * 240 * 3 / 2;
    std::mt19937 random(42);
    constexpr int kFrames = 20;
    GstElement *appsrc = producer.element("in");
    for (int i = 0; i < kFrames; ++i) {
        zerotee::UniqueFd fd(memfd_create("test-dmabuf", MFD_CLOEXEC));
        ASSERT_TRUE(fd);
        std::vector<uint8_t> pixels(size);
        for (auto &byte : pixels)
            byte = uint8_t(random());
        ASSERT_EQ(::pwrite(fd.get(), pixels.data(), size, 0), ssize_t(size));
        GstBuffer *buffer = gst_buffer_new();
        gst_buffer_append_memory(buffer, gst_dmabuf_allocator_alloc(allocator, fd.release(), size));
        // Stamped "now" like a camera: zeroteesrc skips frames captured before its own
        // pipeline started, which a stamp of 0 (the producer's start) would be.
        ASSERT_EQ(pushBuffer(appsrc, buffer, runningTimeNow(appsrc), GST_SECOND / 30, i),
                  GST_FLOW_OK);
        std::this_thread::sleep_for(20ms);
    }
    gst_object_unref(allocator);

    ASSERT_TRUE(waitFor([&] { return consumed.count() >= kFrames; }, 5s))
        << "received " << consumed.count();
    expectBitExact(produced, consumed, kFrames);
    EXPECT_TRUE(consumed.allDmabuf());
    EXPECT_EQ(statField(sink, "pixel-bytes-copied"), 0u);
}

// A stalled source that delivers its backlog at once gives raw frames closer together than the
// frame rate allows; with no buffer duration, zeroteesrc judges by the caps' rate (30 fps: frames
// under 16.7 ms after the last one it passed are skipped), so encoders never see equal times.
TEST_F(ZeroteeElements, BacklogBurstIsThinnedByTheCapsFrameRate)
{
    Pipeline producer("appsrc name=in is-live=true format=time caps=\"" + kCaps320 +
                      "\" ! zeroteesink name=sink socket-path=" + socket_);
    ASSERT_TRUE(producer.get());
    ASSERT_NE(gst_element_set_state(producer.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    Pipeline consumer(consumerLine(socket_));
    std::mutex mutex;
    std::vector<GstClockTime> received;
    GstPad *pad = gst_element_get_static_pad(consumer.element("out"), "sink");
    auto collect = [](GstPad *, GstPadProbeInfo *info, gpointer data) {
        auto *state = static_cast<std::pair<std::mutex *, std::vector<GstClockTime> *> *>(data);
        std::lock_guard lock(*state->first);
        state->second->push_back(GST_BUFFER_PTS(GST_PAD_PROBE_INFO_BUFFER(info)));
        return GST_PAD_PROBE_OK;
    };
    std::pair<std::mutex *, std::vector<GstClockTime> *> state{&mutex, &received};
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, collect, &state, nullptr);
    gst_object_unref(pad);
    ASSERT_NE(gst_element_set_state(consumer.get(), GST_STATE_PLAYING), GST_STATE_CHANGE_FAILURE);
    GstElement *sink = producer.element("sink");
    ASSERT_TRUE(waitFor([&] { return statField(sink, "clients") == 1; }, 5s));

    GstElement *appsrc = producer.element("in");
    const GstClockTime start = runningTimeNow(appsrc);
    // Capture times in ms: on time, then a backlog 2-5 ms apart, then on time again.
    const int kAtMs[] = {0, 33, 67, 72, 77, 82, 87, 100, 133, 167};
    const auto pushStart = std::chrono::steady_clock::now();
    for (int i = 0; i < int(std::size(kAtMs)); ++i) {
        // Pushed when "captured": the sink never lets a capture time be later than arrival.
        std::this_thread::sleep_until(pushStart + std::chrono::milliseconds(kAtMs[i]));
        // No duration: the consumer must use the caps' rate.
        ASSERT_EQ(pushFrame(appsrc, 320 * 240 * 3 / 2, uint8_t(i),
                            start + GstClockTime(kAtMs[i]) * GST_MSECOND, GST_CLOCK_TIME_NONE, i),
                  GST_FLOW_OK);
    }
    // Passed: 0, 33, 67, 87 (72-82 are under 16.7 ms after 67), 133 (100 is 13 ms after 87), 167.
    ASSERT_TRUE(waitFor(
        [&] {
            std::lock_guard lock(mutex);
            return received.size() >= 6;
        },
        5s));
    std::this_thread::sleep_for(200ms);
    std::lock_guard lock(mutex);
    ASSERT_EQ(received.size(), 6u);
    for (size_t i = 1; i < received.size(); ++i)
        EXPECT_GE(received[i] - received[i - 1], 16 * GST_MSECOND) << "frame " << i;
}

// The frames a subscriber receives (each released at once) until camera sequence @p last, or 5 s.
static std::vector<zerotee::wire::Frame> receiveUntil(zerotee::FrameSubscriber &subscriber,
                                                      uint64_t last)
{
    std::vector<zerotee::wire::Frame> frames;
    auto sawLast = [&] { return !frames.empty() && frames.back().cameraSequence == last; };
    for (auto deadline = std::chrono::steady_clock::now() + 5s;
         !sawLast() && std::chrono::steady_clock::now() < deadline;) {
        pollfd pfd{subscriber.fd(), POLLIN, 0};
        ::poll(&pfd, 1, 50);
        std::vector<zerotee::SubscriberEvent> events;
        if (subscriber.handleReadable(events) < 0)
            break;
        for (auto &e : events)
            if (auto *f = std::get_if<zerotee::SubscriberEvent::FrameArrived>(&e.value)) {
                frames.push_back(f->frame);
                subscriber.release(f->frame.bufferId, f->frame.generation, f->frame.sequence);
            }
    }
    return frames;
}

TEST_F(ZeroteeElements, EncodedTimesMayLeadTheirArrivalByLessThanAFrameGrid)
{
    // zerotee-encoder's frame grid may stamp a frame up to 3/4 of an interval later than it
    // was captured: an access unit can reach the stream's sink before its time. Those times are
    // kept (stamping them with the arrival would give the encoder's jitter to every recording);
    // a lead of a second is a clock running ahead and is stamped with the arrival.
    Pipeline producer("appsrc name=in is-live=true format=time "
                      "caps=\"video/x-h264,stream-format=byte-stream,alignment=au\" ! "
                      "zeroteesink name=sink quota=8 socket-path=" +
                      socket_);
    zerotee::FrameSubscriber subscriber({.name = "witness"});
    ASSERT_NO_FATAL_FAILURE(playWithWitness(producer, subscriber));

    GstElement *appsrc = producer.element("in");
    const int kFrames = 6;
    for (int i = 0; i < kFrames; ++i) {
        const GstClockTime lead = i == kFrames - 1 ? GST_SECOND : 20 * GST_MSECOND;
        ASSERT_EQ(
            pushFrame(appsrc, 2000, uint8_t(i), runningTimeNow(appsrc) + lead, GST_SECOND / 30, i),
            GST_FLOW_OK);
        std::this_thread::sleep_for(33ms);
    }
    std::vector<zerotee::wire::Frame> frames = receiveUntil(subscriber, kFrames - 1);
    ASSERT_EQ(frames.size(), size_t(kFrames));
    for (int i = 0; i < kFrames - 1; ++i)
        EXPECT_GT(frames[i].ptsNs, frames[i].publishNs) << "frame " << i << " kept its time";
    EXPECT_LE(frames.back().ptsNs, frames.back().publishNs) << "a second ahead: arrival";
    EXPECT_EQ(producer.takeError(), "");
}

TEST_F(ZeroteeElements, NonLiveSourceAheadOfTheClockIsStampedAtArrival)
{
    // A non-live source (here appsrc; in the field tcpclientsrc ! rawvideoparse) stamps frames
    // on a grid: a backlog pushed at once is a second "ahead" of the clock. Capture times on
    // the bus must never be later than the frames' publication, or a restarted capture would
    // step back by the backlog and consumers would see time run backwards.
    Pipeline producer("appsrc name=in format=time caps=\"" + kCaps320 +
                      "\" ! zeroteesink name=sink socket-path=" + socket_);
    zerotee::FrameSubscriber subscriber({.name = "witness"});
    ASSERT_NO_FATAL_FAILURE(playWithWitness(producer, subscriber));

    GstElement *appsrc = producer.element("in");
    const int kFrames = 30;
    std::atomic<bool> pushedAll{false};
    std::thread pusher([&] {
        for (int i = 0; i < kFrames; ++i) {
            pushFrame(appsrc, 320 * 240 * 3 / 2, uint8_t(i), GstClockTime(i) * GST_SECOND / 30,
                      GST_SECOND / 30, i);
            std::this_thread::sleep_for(3ms); // 1 s of the grid in 0.1 s
        }
        pushedAll = true;
    });

    std::vector<zerotee::wire::Frame> frames = receiveUntil(subscriber, kFrames - 1);
    pusher.join();
    ASSERT_TRUE(pushedAll);
    // The bus may skip frames for a consumer that falls behind; most must arrive.
    ASSERT_GE(frames.size(), size_t(kFrames / 2));
    for (size_t i = 0; i < frames.size(); ++i) {
        EXPECT_LE(frames[i].ptsNs, frames[i].publishNs) << "frame " << frames[i].cameraSequence;
        if (i > 0) {
            EXPECT_GE(frames[i].ptsNs, frames[i - 1].ptsNs) << "frame " << frames[i].cameraSequence;
        }
    }
    EXPECT_EQ(producer.takeError(), "");
}

TEST_F(ZeroteeElements, ConsumerSurvivesProducerRestart)
{
    auto producer = std::make_unique<Pipeline>(producerLine(socket_));
    ASSERT_TRUE(producer->setState(GST_STATE_PLAYING));
    Pipeline consumer(consumerLine(socket_));
    FrameRecorder consumed(consumer.element("out"), "sink");
    ASSERT_TRUE(consumer.setState(GST_STATE_PLAYING));
    ASSERT_TRUE(waitFor([&] { return consumed.count() >= 5; }, 10s));

    producer.reset(); // stops the sink and removes the socket
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(consumer.currentState(), GST_STATE_PLAYING);
    EXPECT_EQ(consumer.takeError(), "");
    size_t before = consumed.count();
    size_t discontBefore = consumed.discontCount();

    producer = std::make_unique<Pipeline>(producerLine(socket_));
    FrameRecorder produced(producer->element("sink"), "sink");
    ASSERT_TRUE(producer->setState(GST_STATE_PLAYING));
    ASSERT_TRUE(waitFor([&] { return consumed.count() >= before + 10; }, 10s));
    EXPECT_EQ(consumer.currentState(), GST_STATE_PLAYING);
    EXPECT_EQ(consumer.takeError(), "");
    EXPECT_EQ(statField(consumer.element("src"), "reconnects"), 1u);
    EXPECT_GT(consumed.discontCount(), discontBefore) << "no DISCONT after the reconnect";
}

TEST_F(ZeroteeElements, ConsumerFollowsCapsChange)
{
    Pipeline producer(producerLine(socket_));
    FrameRecorder produced(producer.element("sink"), "sink");
    ASSERT_TRUE(producer.setState(GST_STATE_PLAYING));
    Pipeline consumer(consumerLine(socket_));
    FrameRecorder consumed(consumer.element("out"), "sink");
    ASSERT_TRUE(consumer.setState(GST_STATE_PLAYING));
    ASSERT_TRUE(waitFor([&] { return consumed.count() >= 5; }, 10s));
    EXPECT_EQ(consumed.lastWidth(), 320);

    GstCaps *caps = gst_caps_from_string(kCaps640.c_str());
    g_object_set(producer.element("cf"), "caps", caps, nullptr);
    gst_caps_unref(caps);
    ASSERT_TRUE(waitFor([&] { return consumed.lastWidth() == 640; }, 10s));
    size_t after = consumed.count();
    ASSERT_TRUE(waitFor([&] { return consumed.count() >= after + 5; }, 10s));
    ASSERT_TRUE(producer.setState(GST_STATE_PAUSED));
    EXPECT_EQ(consumed.lastWidth(), 640);
    expectBitExact(produced, consumed, 10);
    EXPECT_EQ(consumer.takeError(), "");
}

TEST_F(ZeroteeElements, KeyframeRequestReachesProducerUpstream)
{
    Pipeline producer(producerLine(socket_));
    std::atomic<int> requests{0};
    GstPad *capsOut = gst_element_get_static_pad(producer.element("cf"), "src");
    gst_pad_add_probe(
        capsOut, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
        [](GstPad *, GstPadProbeInfo *info, gpointer data) {
            if (gst_video_event_is_force_key_unit(GST_PAD_PROBE_INFO_EVENT(info)))
                (*static_cast<std::atomic<int> *>(data))++;
            return GST_PAD_PROBE_OK;
        },
        &requests, nullptr);
    gst_object_unref(capsOut);
    ASSERT_TRUE(producer.setState(GST_STATE_PLAYING));
    Pipeline consumer(consumerLine(socket_));
    FrameRecorder consumed(consumer.element("out"), "sink");
    ASSERT_TRUE(consumer.setState(GST_STATE_PLAYING));
    ASSERT_TRUE(waitFor([&] { return consumed.count() >= 3; }, 10s));

    GstPad *srcPad = gst_element_get_static_pad(consumer.element("src"), "src");
    gst_pad_send_event(srcPad,
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(srcPad);
    EXPECT_TRUE(waitFor([&] { return requests.load() > 0; }, 5s));
}

TEST_F(ZeroteeElements, KilledConsumerIsReclaimed)
{
    Pipeline producer(producerLine(socket_));
    ASSERT_TRUE(producer.setState(GST_STATE_PLAYING));
    GstElement *sink = producer.element("sink");

    ChildProcess child("consumer", {socket_});
    ASSERT_TRUE(child.waitForOutput("playing", 10s));
    ASSERT_TRUE(waitFor(
        [&] { return statField(sink, "clients") == 1 && statField(sink, "frames-sent") >= 10; },
        10s));

    child.signal(SIGKILL);
    EXPECT_EQ(child.wait(5s), 128 + SIGKILL);
    EXPECT_TRUE(waitFor([&] { return statField(sink, "clients") == 0; }, 3s));
    uint64_t published = statField(sink, "frames-published");
    EXPECT_TRUE(waitFor([&] { return statField(sink, "frames-published") >= published + 10; }, 5s))
        << "the producer stalled after its consumer died";
    EXPECT_EQ(producer.currentState(), GST_STATE_PLAYING);
    EXPECT_EQ(producer.takeError(), "");
}

TEST_F(ZeroteeElements, ThousandAttachDetachCyclesDoNotGrowTheProducer)
{
    // A fast small stream: each cycle waits for one frame.
    Pipeline producer(
        producerLine(socket_, "", "video/x-raw,format=NV12,width=64,height=64,framerate=500/1"));
    ASSERT_TRUE(producer.setState(GST_STATE_PLAYING));
    GstElement *sink = producer.element("sink");
    auto rssKb = [] {
        std::ifstream status("/proc/self/status");
        std::string line;
        while (std::getline(status, line))
            if (line.rfind("VmRSS:", 0) == 0)
                return std::stol(line.substr(6));
        return 0L;
    };
    // One cycle: connect, take a frame (registrations included), give it back, leave; half
    // leave politely, half just close while holding the frame.
    auto cycle = [&](int i) {
        zerotee::FrameSubscriber subscriber({.name = "cycle"});
        if (subscriber.connect(socket_) < 0)
            return false;
        for (auto deadline = std::chrono::steady_clock::now() + 2s;
             std::chrono::steady_clock::now() < deadline;) {
            pollfd pfd{subscriber.fd(), POLLIN, 0};
            ::poll(&pfd, 1, 50);
            std::vector<zerotee::SubscriberEvent> events;
            if (subscriber.handleReadable(events) < 0)
                return false;
            for (auto &e : events)
                if (auto *f = std::get_if<zerotee::SubscriberEvent::FrameArrived>(&e.value)) {
                    if (i % 2 == 0)
                        subscriber.release(f->frame.bufferId, f->frame.generation,
                                           f->frame.sequence);
                    if (i % 2 == 0)
                        subscriber.disconnect();
                    return true;
                }
        }
        return false;
    };
    for (int i = 0; i < 50; ++i)
        ASSERT_TRUE(cycle(i));
    ASSERT_TRUE(waitFor([&] { return statField(sink, "clients") == 0; }, 3s));
    // Pool memfds (and the publisher's copies of them) grow to the pool's bound as frames are
    // held: bounded, not a leak. Everything else must stay exactly as it was.
    auto countFds = [](bool memfds) {
        int count = 0;
        for (const auto &entry : std::filesystem::directory_iterator("/proc/self/fd")) {
            std::error_code ec;
            std::string target = std::filesystem::read_symlink(entry.path(), ec).string();
            count += (target.rfind("/memfd:", 0) == 0) == memfds;
        }
        return count;
    };
    const int fdsBefore = countFds(false);
    const long rssBefore = rssKb();
    for (int i = 0; i < 1000; ++i)
        ASSERT_TRUE(cycle(i)) << "cycle " << i;
    ASSERT_TRUE(waitFor([&] { return statField(sink, "clients") == 0; }, 3s));
    // The pool may have grown to its bound meanwhile; give the I/O thread a moment to settle.
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(countFds(false), fdsBefore);
    EXPECT_LE(countFds(true), 2 * 16) << "pool-size 16: the pool's memfds and their registrations";
    if (kRssIsMeaningful) {
        EXPECT_LT(rssKb() - rssBefore, 2048) << "RSS " << rssBefore << " -> " << rssKb() << " KiB";
    }
    EXPECT_GE(statField(sink, "clients-accepted"), 1050u);
    EXPECT_EQ(producer.takeError(), "");
}

} // namespace

// Child roles: `consumer SOCKET` plays `zeroteesrc ! fakesink` until killed.
int runChildRole(const std::string &role, int argc, char **argv)
{
    if (role != "consumer" || argc != 1)
        return 2;
    initGStreamer();
    Pipeline consumer(consumerLine(argv[0]));
    if (!consumer.get() || !consumer.setState(GST_STATE_PLAYING))
        return 1;
    std::printf("playing\n");
    std::fflush(stdout);
    std::this_thread::sleep_for(60s);
    return 0;
}
