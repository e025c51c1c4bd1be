// System test: an ONNX model generated here (make_detector_onnx.py, Debian's python3-onnx)
// whose output is a known set of YOLO detections — one confident "cat", two overlapping weaker
// duplicates, one "person" below the threshold — loaded by the real zerotee-ai through OpenCV
// DNN while a real producer streams. The worker must decode, threshold and NMS it to exactly
// one "cat" per analysed frame, and deliver it as an event: start, detections, and an end when
// the producer goes away. Also: bad flags and unusable models exit 2 with a message.
#include "AiSystemSupport.h"

#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <map>
#include <poll.h>
#include <sys/wait.h>
#include <thread>

using namespace zerotee::test;

namespace {

bool pythonHasOnnx()
{
    const std::string command = std::string(ZEROTEE_PYTHON3) + " -c 'import onnx' 2>/dev/null";
    return std::system(command.c_str()) == 0;
}

/// Runs zerotee-ai with @p arguments to completion; returns the exit status, stderr in @p err.
int runWorker(const TempDir &dir, std::vector<std::string> arguments, std::string &err)
{
    arguments.insert(arguments.begin(), ZEROTEE_AI_BIN);
    const std::string log = dir.file("cli.log");
    int status = -1;
    {
        ChildProcess worker(arguments, log);
        status = worker.wait(std::chrono::seconds(10)); // killed on destruction if it hangs
    }
    std::ifstream in(log);
    err.assign(std::istreambuf_iterator<char>(in), {});
    return status;
}

} // namespace

TEST(AiOnnxSystem, KnownDetectionDecodedSuppressedAndDeliveredAsAnEvent)
{
    if (!pythonHasOnnx())
        GTEST_SKIP() << ZEROTEE_PYTHON3 << " has no onnx module (Debian: python3-onnx)";
    TempDir dir;
    const std::string model = dir.file("detector.onnx"), labels = dir.file("labels.txt");
    const std::string generate =
        std::string(ZEROTEE_PYTHON3) + " " + ZEROTEE_MAKE_ONNX + " " + model + " " + labels;
    ASSERT_EQ(std::system(generate.c_str()), 0);

    const std::string socket = dir.file("cam.sock");
    auto producer = startProducer(socket, "smpte", 640, 360, dir.file("producer.log"));
    ChildProcess worker({ZEROTEE_AI_BIN, "--socket", socket, "--detector", "onnx:" + model,
                         "--labels", labels, "--input-size", "64x64", "--score", "0.5", "--nms",
                         "0.45", "--hold", "0.5"},
                        dir.file("ai.log"));

    std::map<uint64_t, std::vector<QJsonObject>> detections;
    std::vector<QJsonObject> events;
    QJsonObject lastStats;
    auto pump = [&](std::chrono::milliseconds duration, auto done) {
        const auto end = std::chrono::steady_clock::now() + duration;
        while (std::chrono::steady_clock::now() < end && !done()) {
            pollfd pfd{worker.stdoutFd(), POLLIN, 0};
            ::poll(&pfd, 1, 50);
            for (const std::string &line : worker.readLines()) {
                const QJsonObject object = parseLine(line);
                const QString type = object.value(QStringLiteral("type")).toString();
                if (type == u"detection")
                    detections[uint64_t(object.value(QStringLiteral("pts_ns")).toInteger())]
                        .push_back(object);
                else if (type == u"event")
                    events.push_back(object);
                else if (type == u"stats")
                    lastStats = object;
            }
        }
    };
    auto has = [&](const char *state) {
        return std::any_of(events.begin(), events.end(), [&](const QJsonObject &e) {
            return e.value(QStringLiteral("state")).toString() == QLatin1String(state);
        });
    };

    // Start, then a few seconds of detections.
    pump(std::chrono::seconds(20), [&] { return detections.size() >= 10 && !lastStats.isEmpty(); });
    ASSERT_TRUE(has("start")) << "no event started; see " << dir.file("ai.log");
    ASSERT_GE(detections.size(), 10u);

    const QJsonObject &start = events.front();
    EXPECT_EQ(start.value(QStringLiteral("label")).toString(), QStringLiteral("cat"));
    const qint64 eventId = start.value(QStringLiteral("event_id")).toInteger();
    for (const auto &[pts, list] : detections) {
        ASSERT_EQ(list.size(), 1u) << "duplicates must be suppressed (pts " << pts << ")";
        const QJsonObject &d = list.front();
        EXPECT_EQ(d.value(QStringLiteral("label")).toString(), QStringLiteral("cat"));
        EXPECT_NEAR(d.value(QStringLiteral("score")).toDouble(), 0.855, 0.001);
        EXPECT_EQ(d.value(QStringLiteral("event_id")).toInteger(), eventId);
        const QJsonArray box = d.value(QStringLiteral("box")).toArray();
        ASSERT_EQ(box.size(), 4);
        const double expected[4] = {0.375, 0.25, 0.25, 0.25};
        for (int i = 0; i < 4; ++i)
            EXPECT_NEAR(box[i].toDouble(), expected[i], 0.001);
        EXPECT_GT(pts, 0u);
    }
    EXPECT_EQ(lastStats.value(QStringLiteral("detector")).toString(),
              QStringLiteral("onnx:detector"));
    EXPECT_GT(lastStats.value(QStringLiteral("inference_ms_mean")).toDouble(), 0.0);

    // The producer goes away: the open event ends (stream lost), dated at its last sighting.
    producer->stop(SIGKILL, std::chrono::seconds(5));
    pump(std::chrono::seconds(5), [&] { return has("end"); });
    ASSERT_TRUE(has("end"));
    const QJsonObject &end = events.back();
    EXPECT_EQ(end.value(QStringLiteral("event_id")).toInteger(), eventId);
    EXPECT_EQ(end.value(QStringLiteral("reason")).toString(), QStringLiteral("stream lost"));
    EXPECT_EQ(uint64_t(end.value(QStringLiteral("pts_ns")).toInteger()),
              detections.rbegin()->first);
    std::printf("events: %zu, frames with detections: %zu, stats: %s\n", events.size(),
                detections.size(),
                QJsonDocument(lastStats).toJson(QJsonDocument::Compact).constData());

    // The worker keeps waiting for the stream; SIGTERM ends it cleanly.
    const int status = worker.stop(SIGTERM, std::chrono::seconds(5));
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(AiOnnxSystem, BadFlagsAndModelsExitTwoWithAReason)
{
    TempDir dir;
    const std::string notAModel = dir.file("not-a-model.onnx");
    std::ofstream(notAModel) << "this is not protobuf";
    const std::string notACascade = dir.file("not-a-cascade.xml");
    std::ofstream(notACascade) << "<opencv_storage></opencv_storage>";

    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"--fps", "5"}, "--socket"},
        {{"--socket", "/x", "--fps", "fast"}, "--fps"},
        {{"--socket", "/x", "--detector", "sift"}, "--detector"},
        {{"--socket", "/x", "--roi", "0.5,0.5,0.6,0.1"}, "--roi"},
        {{"--socket", "/x", "--detector", "onnx:" + notAModel}, "ONNX"},
        {{"--socket", "/x", "--detector", "cascade:" + notACascade}, "cascade"},
        {{"--socket", "/x", "--no-such-flag"}, "no-such-flag"},
    };
    for (const auto &[arguments, mention] : cases) {
        std::string err;
        const auto started = std::chrono::steady_clock::now();
        const int status = runWorker(dir, arguments, err);
        std::printf("%-40s exit in %lld ms\n", arguments.back().substr(0, 40).c_str(),
                    (long long)std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count());
        ASSERT_TRUE(WIFEXITED(status)) << arguments.back();
        EXPECT_EQ(WEXITSTATUS(status), 2) << arguments.back() << ": " << err;
        EXPECT_NE(err.find(mention), std::string::npos) << err;
    }
}
