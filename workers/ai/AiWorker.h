#pragma once

#include "AiOptions.h"
#include "AnalysisStats.h"
#include "Detector.h"
#include "EventTracker.h"
#include "FrameSource.h"
#include "WorkerReporter.h"

#include <QJsonArray>
#include <memory>

namespace zerotee::ai {

/// The AI worker: takes frames from the bus at the analysis rate, runs the detector, turns
/// detections into events and reports detections, events and stats on the structured channel
/// (one JSON object per line on stdout).
///
/// Thread context: thread-bound; run() owns the calling thread until stop() (async-signal-safe).
class AiWorker {
public:
    AiWorker(AiOptions options, std::unique_ptr<Detector> detector);

    int run();
    static void stop();

private:
    void analyse(const FrameView &frame);
    void finishAnalysis();
    void reportChanges(const std::vector<EventTracker::Change> &changes, const char *reason);
    void reportStats();

    AiOptions options_;
    std::unique_ptr<Detector> detector_;
    FrameSource source_;
    EventTracker tracker_;
    AnalysisStats stats_;
    WorkerReporter reporter_;
    QJsonArray lastDetections_;
    // The frame ingested by the current poll, analysed after its lease went back.
    bool pending_ = false;
    uint64_t pendingPts_ = 0;
    uint64_t pendingSequence_ = 0;
    double pendingIngestMs_ = 0;
};

} // namespace zerotee::ai
