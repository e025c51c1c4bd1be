// System test: zerotee-ai's motion detector against a real producer (videotestsrc
// pattern=ball through zeroteesink). The truth comes independently from the same frames: this
// test subscribes to the bus itself (policy all), thresholds each frame's full-resolution luma
// plane and keeps the ball's centroid per capture timestamp; the worker's reported boxes are
// then compared with the truth of the frame they name by pts_ns.
#include "AiSystemSupport.h"
#include "FrameSubscriber.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <QJsonArray>
#include <QJsonDocument>
#include <csignal>
#include <map>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>

using namespace zerotee;
using namespace zerotee::test;

namespace {

constexpr int kWidth = 640;
constexpr int kHeight = 360;

/// Follows the stream with policy all and records where the ball is in every frame.
class BallTruth {
public:
    BallTruth() : subscriber_({.name = "truth", .policy = wire::DeliveryPolicy::All, .quota = 2}) {}
    ~BallTruth()
    {
        for (auto &[id, m] : maps_)
            ::munmap(const_cast<uint8_t *>(m.data), m.size);
    }

    int connect(const std::string &path) { return subscriber_.connect(path); }
    int fd() const { return subscriber_.fd(); }

    void handleReadable()
    {
        if (subscriber_.wantsWrite())
            subscriber_.handleWritable();
        std::vector<SubscriberEvent> events;
        subscriber_.handleReadable(events);
        for (SubscriberEvent &event : events) {
            if (auto *reg = std::get_if<SubscriberEvent::Registered>(&event.value)) {
                Map m;
                m.layout = reg->registration.layout;
                m.size = m.layout.memories[0].fdSize;
                void *data = ::mmap(nullptr, m.size, PROT_READ, MAP_SHARED,
                                    reg->registration.fds[0].get(), 0);
                ASSERT_NE(data, MAP_FAILED);
                m.data = static_cast<const uint8_t *>(data);
                maps_[m.layout.bufferId] = m;
            } else if (auto *frame = std::get_if<SubscriberEvent::FrameArrived>(&event.value)) {
                record(frame->frame);
                subscriber_.release(frame->frame.bufferId, frame->frame.generation,
                                    frame->frame.sequence);
            }
        }
        if (subscriber_.wantsWrite())
            subscriber_.handleWritable();
    }

    /// Ball centre (normalized) per pts.
    const std::map<uint64_t, cv::Point2d> &centres() const { return centres_; }

private:
    struct Map {
        const uint8_t *data = nullptr;
        size_t size = 0;
        wire::RegisterBuffer layout{};
    };

    void record(const wire::Frame &frame)
    {
        const Map &m = maps_.at(frame.bufferId);
        const uint8_t *y = m.data + m.layout.memories[0].fdOffset + m.layout.planes[0].offset;
        const cv::Mat luma(int(m.layout.height), int(m.layout.width), CV_8UC1,
                           const_cast<uint8_t *>(y), m.layout.planes[0].stride);
        cv::Mat bright;
        cv::threshold(luma, bright, 128, 255, cv::THRESH_BINARY);
        const cv::Moments moments = cv::moments(bright, true);
        if (moments.m00 < 100)
            return; // no ball in view
        centres_[frame.ptsNs] = {moments.m10 / moments.m00 / luma.cols,
                                 moments.m01 / moments.m00 / luma.rows};
    }

    FrameSubscriber subscriber_;
    std::map<uint32_t, Map> maps_;
    std::map<uint64_t, cv::Point2d> centres_;
};

} // namespace

TEST(AiMotionSystem, BoxesFollowTheBall)
{
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    const std::string socket = dir.file("cam.sock");
    auto producer = startProducer(socket, "ball", kWidth, kHeight, dir.file("producer.log"));
    ASSERT_GT(producer->pid(), 0);

    BallTruth truth;
    ASSERT_EQ(truth.connect(socket), 0);
    ChildProcess worker({ZEROTEE_AI_BIN, "--socket", socket, "--fps", "5"}, dir.file("ai.log"));

    struct Box {
        cv::Rect2d box;
        int64_t eventId;
    };
    std::multimap<uint64_t, Box> detections;
    std::vector<QJsonObject> events, stats;
    const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(8);
    while (std::chrono::steady_clock::now() < end) {
        pollfd fds[2] = {{truth.fd(), POLLIN, 0}, {worker.stdoutFd(), POLLIN, 0}};
        ::poll(fds, 2, 50);
        truth.handleReadable();
        for (const std::string &line : worker.readLines()) {
            const QJsonObject object = parseLine(line);
            const QString type = object.value(QStringLiteral("type")).toString();
            if (type == u"detection") {
                const QJsonArray b = object.value(QStringLiteral("box")).toArray();
                detections.emplace(
                    uint64_t(object.value(QStringLiteral("pts_ns")).toInteger()),
                    Box{{b[0].toDouble(), b[1].toDouble(), b[2].toDouble(), b[3].toDouble()},
                        object.value(QStringLiteral("event_id")).toInteger()});
            } else if (type == u"event") {
                events.push_back(object);
            } else if (type == u"stats") {
                stats.push_back(object);
            }
        }
    }
    const int status = worker.stop(SIGTERM, std::chrono::seconds(5));
    for (const std::string &line : worker.readLines())
        if (parseLine(line).value(QStringLiteral("type")).toString() == u"event")
            events.push_back(parseLine(line));
    ASSERT_TRUE(WIFEXITED(status)) << "worker did not exit on SIGTERM";
    EXPECT_EQ(WEXITSTATUS(status), 0);

    // Every reported box is compared with where the ball really was in that frame.
    int matched = 0, close = 0, inside = 0;
    double worst = 0;
    std::map<uint64_t, int> boxesPerFrame;
    for (const auto &[pts, d] : detections) {
        boxesPerFrame[pts]++;
        auto it = truth.centres().find(pts);
        if (it == truth.centres().end())
            continue;
        matched++;
        const cv::Point2d centre(d.box.x + d.box.width / 2, d.box.y + d.box.height / 2);
        const double error =
            std::max(std::abs(centre.x - it->second.x), std::abs(centre.y - it->second.y));
        worst = std::max(worst, error);
        if (error < 0.02)
            close++;
        if (it->second.inside(cv::Rect2d(d.box.x - 0.005, d.box.y - 0.005, d.box.width + 0.01,
                                         d.box.height + 0.01)))
            inside++;
    }
    const auto single = std::count_if(boxesPerFrame.begin(), boxesPerFrame.end(),
                                      [](const auto &entry) { return entry.second == 1; });
    std::printf("truth frames %zu, detections %zu in %zu frames, matched %d, close %d, inside %d, "
                "single-box frames %ld, worst centre error %.4f\n",
                truth.centres().size(), detections.size(), boxesPerFrame.size(), matched, close,
                inside, long(single), worst);

    EXPECT_GT(truth.centres().size(), 150u); // the truth saw (nearly) every frame
    EXPECT_GE(matched, 25);                  // ~5 fps for ~7 s after the warm-up
    EXPECT_GE(close, matched * 9 / 10);
    EXPECT_GE(inside, matched * 9 / 10);
    EXPECT_GE(single, long(boxesPerFrame.size()) * 9 / 10);

    // One moving ball, one event, started and (on SIGTERM) ended.
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().value(QStringLiteral("state")).toString(), QStringLiteral("start"));
    EXPECT_EQ(events.back().value(QStringLiteral("state")).toString(), QStringLiteral("end"));
    EXPECT_LE(events.size(), 4u) << "the ball should not split into many events";

    ASSERT_GE(stats.size(), 5u);
    const QJsonObject last = stats[stats.size() - 2]; // a full interval, not the final partial one
    EXPECT_EQ(last.value(QStringLiteral("detector")).toString(), QStringLiteral("motion"));
    EXPECT_NEAR(last.value(QStringLiteral("analysis_fps")).toDouble(), 5.0, 1.5);
    EXPECT_GT(last.value(QStringLiteral("frames_skipped_by_design")).toInteger(), 15);
    EXPECT_TRUE(last.value(QStringLiteral("last_detections")).isArray());
    std::printf("stats: %s\n", QJsonDocument(last).toJson(QJsonDocument::Compact).constData());
}
