#pragma once

#include "FrameSubscriber.h"
#include "FrameView.h"
#include "MappedBuffer.h"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
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
    void handle(SubscriberEvent &event, std::vector<wire::Frame> &frames, Activity &activity);
    void map(BufferRegistration &registration);
    bool view(const MappedBuffer &buffer, const wire::Frame &frame, FrameView &out);
    void release(const wire::Frame &frame);

    Options options_;
    FrameSubscriber subscriber_;
    std::map<uint32_t, std::unique_ptr<MappedBuffer>> buffers_; // null: could not be mapped
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
