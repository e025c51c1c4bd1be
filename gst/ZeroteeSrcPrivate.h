#pragma once

// Internal to zeroteesrc: its state, and the functions of its parts, each in a file of its
// own: ZeroteeSrc.cpp (the element: properties, start/stop, caps, the create loop that hands
// out what arrives), ZeroteeSrcConnection.cpp (connecting, waiting, reconnecting, refusals,
// giving leases back) and ZeroteeSrcFrames.cpp (caps and buffers from the frames that arrive).

#include "ZeroteeSrc.h"

#include "BufferSharing.h"
#include "FrameSubscriber.h"
#include "UnixSocket.h"

#include <gst/video/video.h>

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <sys/eventfd.h>
#include <unistd.h>
#include <unordered_map>

GST_DEBUG_CATEGORY_EXTERN(zerotee_src_debug);
#define GST_CAT_DEFAULT zerotee_src_debug

namespace wire = zerotee::wire;

constexpr wire::DeliveryPolicy DEFAULT_POLICY = wire::DeliveryPolicy::All;
constexpr gdouble DEFAULT_MAX_FPS = 0;
constexpr guint DEFAULT_QUOTA = 0;
constexpr guint DEFAULT_RECONNECT_INTERVAL = 200;

namespace zerotee::src_internal {

struct Settings {
    std::string socketPath;
    wire::DeliveryPolicy policy = DEFAULT_POLICY;
    double maxFps = DEFAULT_MAX_FPS;
    guint quota = DEFAULT_QUOTA;
    std::string clientName;
    guint reconnectIntervalMs = DEFAULT_RECONNECT_INTERVAL;
};

/// The connection, shared with the buffers in flight: a buffer's release can run on any thread,
/// after the element has stopped or even been freed.
/// Thread context: thread-safe (everything under `mutex`).
struct Connection {
    std::mutex mutex;
    std::unique_ptr<zerotee::FrameSubscriber> subscriber;
    uint64_t epoch = 0; // bumped on every connect and disconnect; old leases are void
    zerotee::UniqueFd wakeup{::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)};
    uint64_t framesReleased = 0;

    void wake()
    {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t ret = ::write(wakeup.get(), &one, sizeof(one));
    }
    void drainWakeup()
    {
        uint64_t value;
        [[maybe_unused]] ssize_t ret = ::read(wakeup.get(), &value, sizeof(value));
    }

    void release(uint64_t leaseEpoch, uint32_t bufferId, uint32_t generation, uint64_t sequence)
    {
        std::lock_guard lock(mutex);
        framesReleased++;
        if (leaseEpoch != epoch || !subscriber)
            return; // the lease died with the connection it came from
        subscriber->release(bufferId, generation, sequence);
        if (subscriber->wantsWrite()) {
            subscriber->handleWritable();
            if (subscriber->wantsWrite())
                wake(); // the streaming thread polls for POLLOUT
        }
    }
};

struct LatencyStats {
    uint64_t count = 0;
    uint64_t lastUs = 0, maxUs = 0, sumUs = 0;
    void add(uint64_t us)
    {
        count++;
        lastUs = us;
        maxUs = std::max(maxUs, us);
        sumUs += us;
    }
    uint64_t avgUs() const { return count ? sumUs / count : 0; }
};

} // namespace zerotee::src_internal

struct ZeroteeSrcPrivate {
    zerotee::src_internal::Settings settings; // GST_OBJECT_LOCK

    std::shared_ptr<zerotee::src_internal::Connection> connection =
        std::make_shared<zerotee::src_internal::Connection>();
    std::atomic<bool> flushing{false};

    // GST_OBJECT_LOCK: read by get_caps/query from any thread.
    GstCaps *caps = nullptr; // caps of the stream being output
    GstClockTime frameDuration = GST_CLOCK_TIME_NONE;
    // Statistics, GST_OBJECT_LOCK.
    uint64_t framesReceived = 0;
    uint64_t reconnects = 0;
    bool connected = false;
    unsigned lastProducerError = 0; // streaming thread: to warn once per reason
    guint refusalBackoffMs = 0;     // streaming thread: the next retry after a refusal
    bool warnedNoAccess = false;    // streaming thread: connect() said EACCES, posted once
    zerotee::src_internal::LatencyStats captureLatency;   // capture -> here
    zerotee::src_internal::LatencyStats transportLatency; // producer's publish -> here

    // Streaming thread only.
    std::unordered_map<uint32_t, std::unique_ptr<zerotee::ImportedBuffer>> imported;
    std::deque<zerotee::SubscriberEvent> pending;
    GstCaps *pendingCaps = nullptr;
    uint32_t capsGeneration = 0;
    bool haveCapsGeneration = false;
    bool isVideo = false;
    GstVideoInfo videoInfo;
    bool discont = true;
    GstClockTime lastVideoPts = GST_CLOCK_TIME_NONE; // of the last raw video frame pushed
    // Encoded streams: how far this pipeline's timeline is moved so that a GOP replayed when it
    // joined (captured before the pipeline started) keeps its timestamps. Set by the first
    // frame after start(), kept across reconnects so time never goes back.
    GstClockTime replayShift = 0;
    bool firstFrame = true;
    bool everConnected = false;
    uint64_t nextConnectNs = 0;
    bool warnedUnreachable = false;
};

struct _ZeroteeSrc {
    GstPushSrc parent;
    ZeroteeSrcPrivate *priv;
};

// ZeroteeSrcConnection.cpp
/// Drops the connection; buffers still out keep their memory, their releases are ignored.
void zerotee_src_disconnect(ZeroteeSrc *self);
/// Waits for the connection (connecting when due) and queues what arrives in priv->pending.
/// GST_FLOW_OK to look at priv->pending again, or GST_FLOW_FLUSHING.
GstFlowReturn zerotee_src_wait(ZeroteeSrc *self);
/// Gives a frame that will not be pushed back to the producer at once.
void zerotee_src_release_now(ZeroteeSrc *self, const wire::Frame &frame);

// ZeroteeSrcFrames.cpp
/// Applies caps announced by the producer before the first frame that uses them.
GstFlowReturn zerotee_src_apply_caps(ZeroteeSrc *self);
/// The buffer for @p frame (sharing its memory; copied out when not raw video), or nullptr
/// when it is to be skipped (the caller releases it).
GstBuffer *zerotee_src_make_buffer(ZeroteeSrc *self, const wire::Frame &frame);
