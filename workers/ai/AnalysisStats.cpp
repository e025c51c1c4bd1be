#include "AnalysisStats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <time.h>

namespace zerotee::ai {

namespace {

uint64_t clockNs(clockid_t clock)
{
    timespec ts{};
    ::clock_gettime(clock, &ts);
    return uint64_t(ts.tv_sec) * 1000000000ull + uint64_t(ts.tv_nsec);
}

double mean(const std::vector<double> &values)
{
    return values.empty()
               ? 0.0
               : std::accumulate(values.begin(), values.end(), 0.0) / double(values.size());
}

double p95(std::vector<double> values)
{
    if (values.empty())
        return 0;
    const size_t index =
        std::min(values.size() - 1, size_t(std::ceil(0.95 * double(values.size()))) - 1);
    std::nth_element(values.begin(), values.begin() + long(index), values.end());
    return values[index];
}

double rounded(double value, double unit = 1000.0)
{
    return std::round(value * unit) / unit;
}

} // namespace

AnalysisStats::AnalysisStats()
    : intervalStartNs_(clockNs(CLOCK_MONOTONIC)), cpuStartNs_(clockNs(CLOCK_PROCESS_CPUTIME_ID))
{
}

void AnalysisStats::record(uint64_t cameraSequence, double ingestMs, double inferenceMs)
{
    if (haveSequence_ && cameraSequence > lastSequence_ + 1)
        skipped_ += cameraSequence - lastSequence_ - 1;
    lastSequence_ = cameraSequence;
    haveSequence_ = true;
    ingestMs_.push_back(ingestMs);
    inferenceMs_.push_back(inferenceMs);
    totalFrames_++;
}

QJsonObject AnalysisStats::snapshot()
{
    const uint64_t now = clockNs(CLOCK_MONOTONIC);
    const uint64_t cpu = clockNs(CLOCK_PROCESS_CPUTIME_ID);
    const double seconds = double(now - intervalStartNs_) / 1e9;
    totalSkipped_ += skipped_;

    QJsonObject out;
    out.insert(QStringLiteral("analysis_fps"),
               rounded(seconds > 0 ? double(inferenceMs_.size()) / seconds : 0, 100));
    out.insert(QStringLiteral("inference_ms_mean"), rounded(mean(inferenceMs_)));
    out.insert(QStringLiteral("inference_ms_p95"), rounded(p95(inferenceMs_)));
    out.insert(QStringLiteral("ingest_ms_mean"), rounded(mean(ingestMs_)));
    out.insert(QStringLiteral("frames_skipped_by_design"), qint64(skipped_));
    out.insert(QStringLiteral("frames_analysed_total"), qint64(totalFrames_));
    out.insert(QStringLiteral("frames_skipped_by_design_total"), qint64(totalSkipped_));
    out.insert(QStringLiteral("cpu_percent"),
               rounded(seconds > 0 ? 100.0 * double(cpu - cpuStartNs_) / 1e9 / seconds : 0, 10));

    intervalStartNs_ = now;
    cpuStartNs_ = cpu;
    ingestMs_.clear();
    inferenceMs_.clear();
    skipped_ = 0;
    return out;
}

} // namespace zerotee::ai
