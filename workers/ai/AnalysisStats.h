#pragma once

#include <QJsonObject>
#include <cstdint>
#include <vector>

namespace zerotee::ai {

/// Per-interval figures of the analysis: rate, ingest and inference time (mean, p95), frames
/// the producer skipped by design (gaps in the camera sequence between analysed frames) and
/// the worker's own CPU use.
///
/// Thread context: thread-bound.
class AnalysisStats {
public:
    AnalysisStats();

    /// One analysed frame: its camera sequence, the pass over the shared frame and the
    /// detector's work on its own copy, in milliseconds.
    void record(uint64_t cameraSequence, double ingestMs, double inferenceMs);
    /// The camera sequence restarts (new connection): the next gap is not a skip.
    void resetSequence() { haveSequence_ = false; }

    /// Figures since the last snapshot (or construction), then starts a new interval.
    QJsonObject snapshot();

    uint64_t totalFrames() const { return totalFrames_; }

private:
    uint64_t intervalStartNs_ = 0;
    uint64_t cpuStartNs_ = 0;
    std::vector<double> ingestMs_, inferenceMs_;
    uint64_t skipped_ = 0;
    uint64_t lastSequence_ = 0;
    bool haveSequence_ = false;
    uint64_t totalFrames_ = 0;
    uint64_t totalSkipped_ = 0;
};

} // namespace zerotee::ai
