// Unit tests of the AI worker's parts that need no bus: decoders, NMS, event tracking,
// options, regions and the motion detector on synthetic frames.
#include "AiOptions.h"
#include "CascadeDetector.h"
#include "EventTracker.h"
#include "MotionDetector.h"
#include "Nms.h"
#include "RegionFilter.h"
#include "SsdDecoder.h"
#include "YoloDecoder.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <QJsonDocument>
#include <QJsonObject>
#include <fstream>

using namespace zerotee::ai;
using zerotee::ParseOutcome;

namespace {

constexpr uint64_t kSecond = 1000000000ull;

Detection detection(const std::string &label, float score, cv::Rect2d box, int classId = 0)
{
    Detection d;
    d.label = label;
    d.score = score;
    d.box = box;
    d.classId = classId;
    return d;
}

/// A [1, rows, cols] float tensor.
cv::Mat tensor3(int rows, int cols, const std::vector<float> &values)
{
    const int sizes[] = {1, rows, cols};
    cv::Mat out(3, sizes, CV_32F);
    EXPECT_EQ(values.size(), size_t(rows) * size_t(cols));
    std::copy(values.begin(), values.end(), out.ptr<float>());
    return out;
}

} // namespace

TEST(YoloDecoder, V5LayoutObjectnessTimesClassInInputPixels)
{
    // cx cy w h obj c0 c1, in 64x64 input pixels
    const cv::Mat out = tensor3(3, 7, {32, 24, 16, 16, 0.95f, 0.1f, 0.9f,   //
                                       10, 50, 8,  8,  0.3f,  0.9f, 0.1f,   // 0.27: below threshold
                                       48, 48, 8,  8,  0.9f,  0.6f, 0.2f}); // 0.54: class 0
    YoloDecoder decoder({OutputLayout::YoloAuto, 0.5f, {64, 64}}, LabelMap({"person", "cat"}));
    std::vector<Detection> found;
    std::string error;
    ASSERT_TRUE(decoder.decode(out, found, error)) << error;
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].label, "cat");
    EXPECT_NEAR(found[0].score, 0.855f, 1e-4);
    EXPECT_NEAR(found[0].box.x, 0.375, 1e-6);
    EXPECT_NEAR(found[0].box.y, 0.25, 1e-6);
    EXPECT_NEAR(found[0].box.width, 0.25, 1e-6);
    EXPECT_EQ(found[1].label, "person");
    EXPECT_NEAR(found[1].score, 0.54f, 1e-4);
}

TEST(YoloDecoder, V8LayoutAttributesFirstNoObjectness)
{
    // [1, 4+2, 8]: attributes first; boxes normalized already.
    std::vector<float> values(6 * 8, 0.0f);
    auto set = [&](int box, std::array<float, 6> a) {
        for (int i = 0; i < 6; ++i)
            values[size_t(i) * 8 + size_t(box)] = a[size_t(i)];
    };
    set(2, {0.5f, 0.5f, 0.2f, 0.4f, 0.1f, 0.8f});
    set(5, {0.1f, 0.1f, 0.1f, 0.1f, 0.45f, 0.3f}); // below
    YoloDecoder decoder({OutputLayout::YoloAuto, 0.5f, {320, 320}}, LabelMap());
    std::vector<Detection> found;
    std::string error;
    ASSERT_TRUE(decoder.decode(tensor3(6, 8, values), found, error)) << error;
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].label, "class1");
    EXPECT_FLOAT_EQ(found[0].score, 0.8f);
    EXPECT_NEAR(found[0].box.x, 0.4, 1e-6);
    EXPECT_NEAR(found[0].box.y, 0.3, 1e-6);
    EXPECT_NEAR(found[0].box.height, 0.4, 1e-6);

    // The same tensor decoded with an explicit v8 layout gives the same answer.
    YoloDecoder v8({OutputLayout::YoloV8, 0.5f, {320, 320}}, LabelMap());
    ASSERT_TRUE(v8.decode(tensor3(6, 8, values), found, error));
    EXPECT_EQ(found.size(), 1u);
}

TEST(YoloDecoder, BoxesAreClippedToTheFrameAndBadShapesRefused)
{
    YoloDecoder decoder({OutputLayout::YoloV5, 0.5f, {100, 100}}, LabelMap({"a"}));
    std::vector<Detection> found;
    std::string error;
    ASSERT_TRUE(decoder.decode(tensor3(1, 6, {95, 50, 20, 20, 1.0f, 1.0f}), found, error));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NEAR(found[0].box.x + found[0].box.width, 1.0, 1e-9);

    EXPECT_FALSE(decoder.decode(tensor3(1, 4, {1, 2, 3, 4}), found, error));
    EXPECT_FALSE(error.empty());
    const int sizes[] = {2, 3, 4, 5};
    EXPECT_FALSE(decoder.decode(cv::Mat(4, sizes, CV_32F, cv::Scalar(0)), found, error));
}

TEST(SsdDecoder, DetectionOutputRows)
{
    const int sizes[] = {1, 1, 3, 7};
    cv::Mat out(4, sizes, CV_32F);
    const float rows[] = {0,  15, 0.9f, 0.1f, 0.2f, 0.3f, 0.6f, //
                          0,  7,  0.3f, 0.5f, 0.5f, 0.6f, 0.6f, // below
                          -1, 0,  0,    0,    0,    0,    0};   // padding
    std::copy(std::begin(rows), std::end(rows), out.ptr<float>());
    std::vector<std::string> names(21, "x");
    names[15] = "person";
    SsdDecoder decoder({0.5f, {300, 300}}, LabelMap(names));
    std::vector<Detection> found;
    std::string error;
    ASSERT_TRUE(decoder.decode(out, found, error)) << error;
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].label, "person");
    EXPECT_NEAR(found[0].box.x, 0.1, 1e-6);
    EXPECT_NEAR(found[0].box.width, 0.2, 1e-6);
    EXPECT_NEAR(found[0].box.height, 0.4, 1e-6);

    const int wrong[] = {1, 1, 3, 6};
    EXPECT_FALSE(decoder.decode(cv::Mat(4, wrong, CV_32F, cv::Scalar(0)), found, error));
}

TEST(Nms, KeepsTheBestOfOverlappingBoxesPerClass)
{
    const std::vector<Detection> in = {
        detection("cat", 0.72f, {0.39, 0.27, 0.25, 0.25}, 1),
        detection("cat", 0.855f, {0.375, 0.25, 0.25, 0.25}, 1),
        detection("cat", 0.64f, {0.36, 0.24, 0.26, 0.23}, 1),
        detection("person", 0.6f, {0.375, 0.25, 0.25, 0.25}, 0), // other class: kept
        detection("cat", 0.7f, {0.8, 0.8, 0.1, 0.1}, 1),         // no overlap: kept
    };
    const std::vector<Detection> out = Nms(0.45f).apply(in);
    ASSERT_EQ(out.size(), 3u);
    EXPECT_FLOAT_EQ(out[0].score, 0.855f);
    EXPECT_FLOAT_EQ(out[1].score, 0.7f);
    EXPECT_EQ(out[2].label, "person");
}

TEST(EventTracker, StartsOnceFollowsAMovingObjectAndEndsAfterTheHold)
{
    EventTracker tracker({1.0, 1, 0.25});
    uint64_t pts = 10 * kSecond;
    auto update = tracker.update(pts, {detection("motion", 1, {0.1, 0.1, 0.05, 0.05})});
    ASSERT_EQ(update.changes.size(), 1u);
    EXPECT_EQ(update.changes[0].state, EventTracker::Change::State::Start);
    const uint64_t id = update.changes[0].eventId;
    EXPECT_EQ(update.detections.at(0).eventId, id);

    // Moves 0.09 per 200 ms: never overlaps its previous box, keeps its event.
    for (int i = 1; i <= 5; ++i) {
        pts += kSecond / 5;
        update = tracker.update(pts, {detection("motion", 1, {0.1 + 0.09 * i, 0.1, 0.05, 0.05})});
        EXPECT_TRUE(update.changes.empty());
        EXPECT_EQ(update.detections.at(0).eventId, id);
    }
    const uint64_t lastSeen = pts;
    // Unseen for less than the hold: nothing; then the end, dated at the last sighting.
    pts += kSecond / 2;
    EXPECT_TRUE(tracker.update(pts, {}).changes.empty());
    EXPECT_EQ(tracker.openEvents(), 1u);
    pts += kSecond;
    update = tracker.update(pts, {});
    ASSERT_EQ(update.changes.size(), 1u);
    EXPECT_EQ(update.changes[0].state, EventTracker::Change::State::End);
    EXPECT_EQ(update.changes[0].eventId, id);
    EXPECT_EQ(update.changes[0].ptsNs, lastSeen);
    EXPECT_EQ(update.changes[0].startPtsNs, 10 * kSecond);
    EXPECT_EQ(tracker.openEvents(), 0u);
}

TEST(EventTracker, SeparateObjectsLabelsAndMinHits)
{
    EventTracker tracker({1.0, 2, 0.25});
    uint64_t pts = kSecond;
    const std::vector<Detection> two = {detection("cat", 0.9f, {0.1, 0.1, 0.1, 0.1}),
                                        detection("dog", 0.8f, {0.12, 0.1, 0.1, 0.1}),
                                        detection("cat", 0.7f, {0.7, 0.7, 0.1, 0.1})};
    auto update = tracker.update(pts, two);
    EXPECT_TRUE(update.changes.empty()); // min hits 2: not yet
    EXPECT_EQ(update.detections.at(0).eventId, 0u);
    pts += kSecond / 5;
    update = tracker.update(pts, two);
    ASSERT_EQ(update.changes.size(), 3u);
    for (const auto &change : update.changes) {
        EXPECT_EQ(change.state, EventTracker::Change::State::Start);
        EXPECT_EQ(change.ptsNs, kSecond); // dated at the first sighting
    }
    // A one-frame flicker never starts an event.
    pts += kSecond / 5;
    update = tracker.update(
        pts, {two[0], two[1], two[2], detection("bird", 0.9f, {0.5, 0.1, 0.1, 0.1})});
    EXPECT_TRUE(update.changes.empty());
    pts += 3 * kSecond;
    update = tracker.update(pts, {});
    EXPECT_EQ(update.changes.size(), 3u); // the bird had no event to end
    EXPECT_TRUE(tracker.endAll().empty());
}

TEST(EventTracker, EndAllClosesStartedEvents)
{
    EventTracker tracker({5.0, 1, 0.25});
    tracker.update(kSecond, {detection("a", 1, {0, 0, 0.1, 0.1})});
    const auto ends = tracker.endAll();
    ASSERT_EQ(ends.size(), 1u);
    EXPECT_EQ(ends[0].state, EventTracker::Change::State::End);
    EXPECT_EQ(tracker.openEvents(), 0u);
}

TEST(AiOptions, ParsesAndValidates)
{
    AiOptions options;
    QString message;
    EXPECT_EQ(AiOptions::parse({"zerotee-ai", "--socket", "/tmp/s", "--fps", "2.5", "--roi",
                                "0,0,0.5,0.5", "--roi", "0.5,0.5,0.5,0.5", "--sensitivity", "10"},
                               &options, &message),
              ParseOutcome::Run);
    EXPECT_EQ(message, QString());
    EXPECT_EQ(options.socketPath, "/tmp/s");
    EXPECT_DOUBLE_EQ(options.fps, 2.5);
    EXPECT_EQ(options.regions.size(), 2u);
    EXPECT_EQ(options.sensitivity, 10);
    EXPECT_EQ(options.detectorName(), "motion");

    const QStringList bad[] = {
        {},
        {"--socket", "/s", "--fps", "-1"},
        {"--socket", "/s", "--fps", "abc"},
        {"--socket", "/s", "--detector", "yolo"},
        {"--socket", "/s", "--detector", "onnx:/does/not/exist.onnx"},
        {"--socket", "/s", "--score", "1.5"},
        {"--socket", "/s", "--roi", "0.8,0,0.5,0.5"},
        {"--socket", "/s", "--roi", "1,2,3"},
        {"--socket", "/s", "--input-size", "320x321"},
        {"--socket", "/s", "--layout", "rcnn"},
        {"--socket", "/s", "--bogus"},
        {"--socket", "/s", "extra"},
        {"--socket", "/s", "--sensitivity", "0"},
    };
    for (const QStringList &arguments : bad) {
        AiOptions o;
        QString error;
        EXPECT_EQ(AiOptions::parse(QStringList{"zerotee-ai"} + arguments, &o, &error),
                  ParseOutcome::Error)
            << arguments.join(u' ').toStdString();
        EXPECT_FALSE(error.isEmpty()) << arguments.join(u' ').toStdString();
    }
    AiOptions help;
    QString usage;
    EXPECT_EQ(AiOptions::parse({"zerotee-ai", "--help"}, &help, &usage), ParseOutcome::Help);
    EXPECT_EQ(usage, AiOptions::usage());
}

TEST(RegionFilter, MaskAndCentreTest)
{
    RegionFilter filter({cv::Rect2d(0.5, 0, 0.5, 1)});
    const cv::Mat mask = filter.mask({100, 50});
    EXPECT_EQ(mask.at<uint8_t>(10, 10), 0);
    EXPECT_EQ(mask.at<uint8_t>(10, 60), 255);
    EXPECT_TRUE(filter.contains({0.6, 0.2, 0.1, 0.1}));
    EXPECT_FALSE(filter.contains({0.1, 0.2, 0.1, 0.1}));
    EXPECT_EQ(filter
                  .filter({detection("a", 1, {0.1, 0.1, 0.1, 0.1}),
                           detection("b", 1, {0.7, 0.1, 0.1, 0.1})})
                  .size(),
              1u);
}

namespace {

/// A 640x360 luma frame (with a padded stride, like a camera's) and a bright square at @p at.
cv::Mat frameWithSquare(cv::Point at, cv::Mat &storage)
{
    storage = cv::Mat(360, 704, CV_8UC1, cv::Scalar(16));
    cv::Mat visible = storage(cv::Rect(0, 0, 640, 360));
    cv::rectangle(visible, cv::Rect(at, cv::Size(40, 40)), cv::Scalar(235), cv::FILLED);
    return visible;
}

} // namespace

TEST(MotionDetector, BoxFollowsAMovingSquareOnlyInsideTheRegion)
{
    MotionDetector detector({320, 25, 0.002, 50}, RegionFilter());
    cv::Mat storage;
    int matched = 0;
    for (int i = 0; i < 20; ++i) {
        const cv::Point at(20 + 25 * i, 100 + 5 * i);
        FrameView view;
        view.luma = frameWithSquare(at, storage);
        detector.ingest(view);
        const auto found = detector.detect();
        if (i < 3)
            continue; // the background model is still learning
        ASSERT_EQ(found.size(), 1u) << "frame " << i;
        const cv::Rect2d &box = found[0].box;
        EXPECT_NEAR(box.x + box.width / 2, (at.x + 20) / 640.0, 0.01) << "frame " << i;
        EXPECT_NEAR(box.y + box.height / 2, (at.y + 20) / 360.0, 0.015) << "frame " << i;
        EXPECT_NEAR(box.width, 40 / 640.0, 0.02);
        matched++;
    }
    EXPECT_EQ(matched, 17);

    // Only the right half is watched: a square moving in the left half is not reported.
    MotionDetector masked({320, 25, 0.002, 50}, RegionFilter({cv::Rect2d(0.5, 0, 0.5, 1)}));
    for (int i = 0; i < 10; ++i) {
        FrameView view;
        view.luma = frameWithSquare(cv::Point(20 + 20 * i, 100), storage);
        masked.ingest(view);
        EXPECT_TRUE(masked.detect().empty()) << "frame " << i;
    }
}

TEST(MotionDetector, StillSceneAndSmallChangesReportNothing)
{
    MotionDetector detector({320, 25, 0.002, 50}, RegionFilter());
    cv::Mat storage;
    for (int i = 0; i < 10; ++i) {
        FrameView view;
        view.luma = frameWithSquare(cv::Point(100, 100), storage);
        view.luma.at<uint8_t>(200, 200 + i) = 16 + 15; // below the sensitivity, and tiny
        detector.ingest(view);
        EXPECT_TRUE(detector.detect().empty()) << "frame " << i;
    }
}

TEST(Report, LargeTimestampsSurviveJson)
{
    // pts_ns goes out as a JSON integer: it must not lose precision beyond 2^53.
    const qint64 pts = (qint64(1) << 60) + 12345;
    const QByteArray text =
        QJsonDocument(QJsonObject{{QStringLiteral("pts_ns"), pts}}).toJson(QJsonDocument::Compact);
    EXPECT_EQ(text.toStdString(), "{\"pts_ns\":" + std::to_string(pts) + "}");
}

TEST(CascadeDetector, LoadsTheShippedCascadeAndRefusesOthers)
{
    const std::string face = "/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml";
    if (!std::ifstream(face))
        GTEST_SKIP() << face << " missing (Debian: opencv-data)";
    EXPECT_EQ(CascadeDetector::labelFor(face), "frontalface_default");
    CascadeDetector detector({}, RegionFilter());
    std::string error;
    ASSERT_TRUE(detector.load(face, error)) << error;
    cv::Mat storage;
    FrameView view;
    view.luma = frameWithSquare(cv::Point(100, 100), storage);
    detector.ingest(view);
    EXPECT_TRUE(detector.detect().empty()); // a plain square is no face

    CascadeDetector bad({}, RegionFilter());
    EXPECT_FALSE(bad.load("/nonexistent.xml", error));
    EXPECT_FALSE(error.empty());
}
