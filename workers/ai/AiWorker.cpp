#include "AiWorker.h"

#include <QJsonObject>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>

namespace zerotee::ai {

namespace {

std::atomic<bool> stopRequested{false};

// Detection lines per analysed frame, best first; the rest are in the stats' count only.
constexpr size_t kMaxDetectionLines = 20;

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start)
{
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

QJsonArray boxJson(const cv::Rect2d &box)
{
    auto r = [](double v) { return std::round(v * 10000.0) / 10000.0; };
    return QJsonArray{r(box.x), r(box.y), r(box.width), r(box.height)};
}

double roundedScore(float score)
{
    return std::round(double(score) * 1000.0) / 1000.0;
}

} // namespace

AiWorker::AiWorker(AiOptions options, std::unique_ptr<Detector> detector)
    : options_(std::move(options)), detector_(std::move(detector)),
      source_(FrameSource::Options{options_.socketPath, options_.name, options_.fps}),
      tracker_(EventTracker::Settings{options_.holdSeconds, options_.minHits})
{
}

void AiWorker::stop()
{
    stopRequested = true;
}

int AiWorker::run()
{
    if (options_.fps > 0)
        std::fprintf(stderr, "zerotee-ai: detector %s at %g fps\n", options_.detectorName().c_str(),
                     options_.fps);
    else
        std::fprintf(stderr, "zerotee-ai: detector %s on the latest frame\n",
                     options_.detectorName().c_str());
    auto lastStats = Clock::now();
    const auto statsPeriod = std::chrono::duration<double>(options_.statsInterval);
    while (!stopRequested) {
        const FrameSource::Activity activity =
            source_.poll(100, [this](const FrameView &frame) { analyse(frame); });
        // The lease is back with the producer: now the detector works on its own copy.
        if (pending_)
            finishAnalysis();
        if (activity.connected)
            stats_.resetSequence();
        if (activity.disconnected)
            reportChanges(tracker_.endAll(), "stream lost");
        if (Clock::now() - lastStats >= statsPeriod) {
            reportStats();
            lastStats = Clock::now();
        }
    }
    reportChanges(tracker_.endAll(), "shutdown");
    reportStats();
    source_.disconnect();
    return 0;
}

void AiWorker::analyse(const FrameView &frame)
{
    const auto start = Clock::now();
    detector_->ingest(frame);
    pendingIngestMs_ = msSince(start);
    pendingPts_ = frame.ptsNs;
    pendingSequence_ = frame.cameraSequence;
    pending_ = true;
}

void AiWorker::finishAnalysis()
{
    pending_ = false;
    const auto start = Clock::now();
    const std::vector<Detection> detections = detector_->detect();
    stats_.record(pendingSequence_, pendingIngestMs_, msSince(start));

    const EventTracker::Update update = tracker_.update(pendingPts_, detections);
    std::vector<EventTracker::Change> starts, ends;
    for (const EventTracker::Change &change : update.changes)
        (change.state == EventTracker::Change::State::Start ? starts : ends).push_back(change);
    reportChanges(starts, nullptr);

    lastDetections_ = QJsonArray();
    for (size_t i = 0; i < update.detections.size(); ++i) {
        const EventTracker::Tracked &tracked = update.detections[i];
        QJsonObject line{
            {QStringLiteral("pts_ns"), qint64(pendingPts_)},
            {QStringLiteral("label"), QString::fromStdString(tracked.detection.label)},
            {QStringLiteral("score"), roundedScore(tracked.detection.score)},
            {QStringLiteral("box"), boxJson(tracked.detection.box)},
            {QStringLiteral("event_id"),
             tracked.eventId ? QJsonValue(qint64(tracked.eventId)) : QJsonValue()},
        };
        if (i < kMaxDetectionLines) {
            reporter_.report(protocol::Report::Detection, line);
            lastDetections_.append(line);
        }
    }
    reportChanges(ends, nullptr);
}

void AiWorker::reportChanges(const std::vector<EventTracker::Change> &changes, const char *reason)
{
    for (const EventTracker::Change &change : changes) {
        const bool start = change.state == EventTracker::Change::State::Start;
        QJsonObject event{
            {QStringLiteral("label"), QString::fromStdString(change.label)},
            {QStringLiteral("state"), start ? QStringLiteral("start") : QStringLiteral("end")},
            {QStringLiteral("event_id"), qint64(change.eventId)},
            {QStringLiteral("pts_ns"), qint64(change.ptsNs)},
            {QStringLiteral("box"), boxJson(change.box)},
            {QStringLiteral("detector"), QString::fromStdString(options_.detectorName())},
        };
        if (!start) {
            event.insert(QStringLiteral("start_pts_ns"), qint64(change.startPtsNs));
            event.insert(QStringLiteral("duration_ms"),
                         std::round(double(change.ptsNs - change.startPtsNs) / 1e5) / 10.0);
            event.insert(QStringLiteral("peak_score"), roundedScore(change.peakScore));
            event.insert(QStringLiteral("reason"),
                         QString::fromLatin1(reason ? reason : "not seen"));
        } else {
            event.insert(QStringLiteral("score"), roundedScore(change.peakScore));
        }
        reporter_.report(protocol::Report::Event, event);
    }
}

void AiWorker::reportStats()
{
    QJsonObject stats = stats_.snapshot();
    stats.insert(QStringLiteral("detector"), QString::fromStdString(options_.detectorName()));
    stats.insert(QStringLiteral("connected"), source_.streaming());
    stats.insert(QStringLiteral("frames_stale_released"), qint64(source_.staleReleased()));
    stats.insert(QStringLiteral("frames_unusable"), qint64(source_.unusable()));
    stats.insert(QStringLiteral("open_events"), qint64(tracker_.openEvents()));
    stats.insert(QStringLiteral("last_detections"), lastDetections_);
    reporter_.report(protocol::Report::Stats, stats);
}

} // namespace zerotee::ai
