#include "BusMonitor.h"

#include "UnixSocket.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <poll.h>
#include <thread>

namespace zerotee {

namespace {

std::atomic<bool> stopRequested{false};

uint64_t percentile(std::vector<uint64_t> &values, double p)
{
    if (values.empty())
        return 0;
    size_t index = std::min(values.size() - 1, size_t(p * double(values.size())));
    std::nth_element(values.begin(), values.begin() + long(index), values.end());
    return values[index];
}

} // namespace

BusMonitor::BusMonitor(Options options)
    : options_(std::move(options)), subscriber_(options_.subscriber)
{
}

BusMonitor::~BusMonitor() = default;

void BusMonitor::stop()
{
    stopRequested = true;
}

int BusMonitor::run()
{
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto intervalStart = start;
    bool warnedWaiting = false;
    constexpr int kFirstRefusalBackoffMs = 500, kMaxRefusalBackoffMs = 5000;
    int refusalBackoffMs = kFirstRefusalBackoffMs;

    while (!stopRequested) {
        auto now = Clock::now();
        double elapsed = std::chrono::duration<double>(now - start).count();
        if (options_.seconds > 0 && elapsed >= options_.seconds)
            break;

        if (subscriber_.state() == FrameSubscriber::State::Disconnected) {
            buffers_.clear();
            int ret = subscriber_.connect(options_.socketPath);
            if (ret < 0) {
                if (!warnedWaiting)
                    std::fprintf(stderr, "zerotee-monitor: waiting for %s (%s)\n",
                                 options_.socketPath.c_str(), std::strerror(-ret));
                warnedWaiting = true;
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
                continue;
            }
            if (warnedWaiting || totalFrames_ > 0)
                reconnects_++;
            warnedWaiting = false;
        }

        pollfd pfd{subscriber_.fd(), short(POLLIN | (subscriber_.wantsWrite() ? POLLOUT : 0)), 0};
        ::poll(&pfd, 1, 100);
        if (pfd.revents & POLLOUT)
            subscriber_.handleWritable();
        std::vector<SubscriberEvent> events;
        int ret = subscriber_.handleReadable(events);
        for (SubscriberEvent &event : events)
            handle(event);
        if (ret < 0) {
            // A refusal says why and is retried with backoff (0.5 s doubling to 5 s), like
            // zeroteesrc; a lost connection is retried at once.
            if (subscriber_.lastProducerError()) { // its text was printed with the event
                std::fprintf(stderr, "zerotee-monitor: retrying in %d ms\n", refusalBackoffMs);
                std::this_thread::sleep_for(std::chrono::milliseconds(refusalBackoffMs));
                refusalBackoffMs = std::min(refusalBackoffMs * 2, kMaxRefusalBackoffMs);
            } else {
                std::fprintf(stderr, "zerotee-monitor: connection lost (%s), reconnecting\n",
                             std::strerror(-ret));
            }
        } else if (subscriber_.state() == FrameSubscriber::State::Streaming) {
            refusalBackoffMs = kFirstRefusalBackoffMs;
        }

        double intervalSeconds =
            std::chrono::duration<double>(Clock::now() - intervalStart).count();
        if (intervalSeconds >= 1.0) {
            printSummary(intervalSeconds);
            intervalStart = Clock::now();
        }
    }
    subscriber_.disconnect();
    if (options_.json)
        std::printf("{\"type\":\"total\",\"frames\":%llu,\"gaps\":%llu,\"reconnects\":%llu,"
                    "\"time_back\":%llu,\"stamped_ahead\":%llu}\n",
                    (unsigned long long)totalFrames_, (unsigned long long)totalGaps_,
                    (unsigned long long)reconnects_, (unsigned long long)timeBack_,
                    (unsigned long long)stampedAhead_);
    else
        std::printf("total: %llu frames, %llu missed, %llu reconnects, capture time ran back "
                    "%llu times, %llu frames stamped ahead of publication\n",
                    (unsigned long long)totalFrames_, (unsigned long long)totalGaps_,
                    (unsigned long long)reconnects_, (unsigned long long)timeBack_,
                    (unsigned long long)stampedAhead_);
    return totalFrames_ > 0 ? 0 : 1;
}

void BusMonitor::handle(SubscriberEvent &event)
{
    if (auto *welcome = std::get_if<SubscriberEvent::Welcomed>(&event.value)) {
        std::fprintf(stderr, "zerotee-monitor: connected as client %u, quota %u%s\n",
                     welcome->welcome.clientId, welcome->welcome.quota,
                     welcome->welcome.flags & wire::WelcomeDegraded ? " (degraded)" : "");
    } else if (auto *caps = std::get_if<SubscriberEvent::CapsChanged>(&event.value)) {
        caps_ = caps->caps.caps;
        buffers_.clear();
        std::fprintf(stderr, "zerotee-monitor: caps %s\n", caps_.c_str());
    } else if (auto *reg = std::get_if<SubscriberEvent::Registered>(&event.value)) {
        const uint32_t id = reg->registration.layout.bufferId;
        int error = 0;
        buffers_[id] = MappedBuffer::map(std::move(reg->registration), &error);
        if (!buffers_[id])
            std::fprintf(stderr, "zerotee-monitor: cannot map buffer %u: %s\n", id,
                         std::strerror(-error));
    } else if (auto *unreg = std::get_if<SubscriberEvent::Unregistered>(&event.value)) {
        buffers_.erase(unreg->bufferId);
    } else if (auto *frame = std::get_if<SubscriberEvent::FrameArrived>(&event.value)) {
        handleFrame(frame->frame);
    } else if (auto *error = std::get_if<SubscriberEvent::ProducerError>(&event.value)) {
        std::fprintf(stderr, "zerotee-monitor: producer closed the connection: %s\n",
                     error->error.text.c_str());
    }
}

void BusMonitor::handleFrame(const wire::Frame &frame)
{
    uint64_t now = monotonicNowNs();
    latenciesNs_.push_back(now > frame.publishNs ? now - frame.publishNs : 0);
    if (haveSequence_ && frame.cameraSequence > lastCameraSequence_ + 1)
        gaps_ += frame.cameraSequence - lastCameraSequence_ - 1;
    lastCameraSequence_ = frame.cameraSequence;
    haveSequence_ = true;
    frames_++;
    if (frame.ptsNs != wire::kNoTimestamp) {
        if (lastPtsNs_ != wire::kNoTimestamp && frame.ptsNs < lastPtsNs_)
            timeBack_++;
        if (frame.ptsNs > frame.publishNs)
            stampedAhead_++;
        lastPtsNs_ = frame.ptsNs;
    }

    // Mean of a sparse sample of the first plane, read in place from the shared mapping.
    const auto mapping = buffers_.find(frame.bufferId);
    if (mapping != buffers_.end() && mapping->second) {
        const MappedBuffer &buffer = *mapping->second;
        std::span<const uint8_t> plane =
            buffer.planeCount() ? std::span(buffer.plane(0).data, size_t(buffer.plane(0).size))
                                : buffer.memory(0);
        uint64_t sum = 0, count = 0;
        buffer.beginRead();
        for (size_t i = 0; i < plane.size(); i += 4093, ++count)
            sum += plane[i];
        buffer.endRead();
        lumaSum_ += count ? double(sum) / double(count) : 0;
    }
    subscriber_.release(frame.bufferId, frame.generation, frame.sequence);
}

void BusMonitor::printSummary(double seconds)
{
    totalFrames_ += frames_;
    totalGaps_ += gaps_;
    double fps = double(frames_) / seconds;
    double p50 = double(percentile(latenciesNs_, 0.5)) / 1e6;
    double p99 = double(percentile(latenciesNs_, 0.99)) / 1e6;
    double luma = frames_ ? lumaSum_ / double(frames_) : 0;
    if (options_.json) {
        std::printf("{\"type\":\"stats\",\"fps\":%.2f,\"frames\":%llu,\"gaps\":%llu,"
                    "\"latency_p50_ms\":%.3f,\"latency_p99_ms\":%.3f,\"mean_luma\":%.1f,"
                    "\"buffers\":%zu,\"time_back\":%llu,\"stamped_ahead\":%llu}\n",
                    fps, (unsigned long long)totalFrames_, (unsigned long long)totalGaps_, p50, p99,
                    luma, buffers_.size(), (unsigned long long)timeBack_,
                    (unsigned long long)stampedAhead_);
    } else {
        std::printf("%6.2f fps  missed %llu  latency p50 %.3f ms p99 %.3f ms  mean luma %5.1f  "
                    "%zu buffers mapped\n",
                    fps, (unsigned long long)gaps_, p50, p99, luma, buffers_.size());
    }
    std::fflush(stdout);
    frames_ = 0;
    gaps_ = 0;
    lumaSum_ = 0;
    latenciesNs_.clear();
}

} // namespace zerotee
