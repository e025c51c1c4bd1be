#pragma once

#include "FrameSubscriber.h"
#include "FrameView.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace zerotee::ai {

/// The AI worker's end of the bus: connects (and reconnects) to a stream, maps every
/// registered buffer read-only once, and presents frames as cv::Mat headers over the shared
/// planes (FrameView) — the pixels are never copied here.
///
/// Of the frames that arrive together only the newest is offered; the rest are released at
/// once (a worker that fell behind catches up instead of analysing stale frames).
///
/// Thread context: thread-bound.
class FrameSource {
public:
    struct Options {
        std::string socketPath;
        std::string name = "ai";
        double fps = 5; // > 0: the producer's fps-cap policy; 0: latest
    };

    /// What happened during one poll().
    struct Activity {
        bool connected = false;    // (re)connected and welcomed
        bool disconnected = false; // the connection was lost
        bool frameOffered = false;
    };

    using FrameHandler = std::function<void(const FrameView &)>;

    explicit FrameSource(Options options);
    ~FrameSource();
    FrameSource(const FrameSource &) = delete;
    FrameSource &operator=(const FrameSource &) = delete;

    /// Waits up to @p timeoutMs for the bus, handles what arrived, and calls @p handler with
    /// the newest frame (its lease is released when the handler returns).
    Activity poll(int timeoutMs, const FrameHandler &handler);
    void disconnect();

    bool streaming() const { return subscriber_.state() == FrameSubscriber::State::Streaming; }
    const std::string &caps() const { return caps_; }
    /// Frames released unanalysed because a newer one arrived with them.
    uint64_t staleReleased() const { return staleReleased_; }
    /// Frames that could not be viewed (unknown buffer, unsupported format, bad layout).
    uint64_t unusable() const { return unusable_; }

private:
    struct Mapping {
        wire::RegisterBuffer layout{};
        std::vector<const uint8_t *> data; // one read-only mapping per memory
        std::vector<size_t> sizes;
        std::vector<int> fds; // kept open for DMA_BUF_IOCTL_SYNC on dmabufs
        std::vector<UniqueFd> owned;
    };

    void handle(SubscriberEvent &event, std::vector<wire::Frame> &frames, Activity &activity);
    void map(BufferRegistration &registration);
    void unmap(Mapping &mapping);
    void unmapAll();
    bool view(const wire::Frame &frame, FrameView &out);
    void syncDmabuf(const Mapping &mapping, bool start);
    void release(const wire::Frame &frame);

    Options options_;
    FrameSubscriber subscriber_;
    std::map<uint32_t, Mapping> buffers_;
    std::string caps_;
    enum class PixelFormat {
        Unsupported,
        Nv12,
        Nv21,
        LumaFirst
    } format_ = PixelFormat::Unsupported;
    bool warnedWaiting_ = false;
    bool warnedFormat_ = false;
    uint64_t staleReleased_ = 0;
    uint64_t unusable_ = 0;
};

} // namespace zerotee::ai
