#pragma once

#include "FrameSubscriber.h"
#include "MappedBuffer.h"

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace zerotee {

/// A bus consumer that maps every registered buffer read-only once, reads each frame's luma
/// in place (proof that the pixels are really shared), gives the frame back at once, and
/// summarises once a second: rate, gaps, latency, format.
///
/// Thread context: thread-bound; run() owns the calling thread.
class BusMonitor {
public:
    struct Options {
        std::string socketPath;
        FrameSubscriber::Options subscriber;
        double seconds = 0; // 0 = until interrupted
        bool json = false;
    };

    explicit BusMonitor(Options options);
    ~BusMonitor();

    /// Runs until the time is up or stop() is called from a signal handler. Returns an exit code.
    int run();
    static void stop();

private:
    void handle(SubscriberEvent &event);
    void handleFrame(const wire::Frame &frame);
    void printSummary(double elapsed);

    Options options_;
    FrameSubscriber subscriber_;
    std::map<uint32_t, std::unique_ptr<MappedBuffer>> buffers_; // null: could not be mapped
    std::string caps_;
    // Per-interval figures
    uint64_t frames_ = 0;
    uint64_t gaps_ = 0;
    uint64_t lastCameraSequence_ = 0;
    bool haveSequence_ = false;
    std::vector<uint64_t> latenciesNs_;
    double lumaSum_ = 0;
    // Totals
    uint64_t totalFrames_ = 0;
    uint64_t totalGaps_ = 0;
    uint64_t reconnects_ = 0;
    // Capture times that broke their contract: earlier than the frame before (time ran back),
    // or later than the frame's publication (stamped ahead of the clock).
    uint64_t lastPtsNs_ = wire::kNoTimestamp;
    uint64_t timeBack_ = 0;
    uint64_t stampedAhead_ = 0;
};

} // namespace zerotee
