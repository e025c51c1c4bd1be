#pragma once

// Internal to zeroteesink: its state, and the functions of its parts, each in a file of its
// own: ZeroteeSink.cpp (the element: properties, caps, allocation, render), ZeroteeSinkRuntime.cpp
// (start/stop: the socket, admission, the publisher and its I/O thread) and ZeroteeSinkFrames.cpp
// (what render needs to publish a buffer: the copy fallback, capture time, memory kind, pool
// capacity). Not installed.

#include "ZeroteeSink.h"

#include "BufferSharing.h"
#include "BusPublisher.h"
#include "ConsumerAdmission.h"
#include "FramePublisher.h"
#include "GstHolders.h"
#include "MemfdBufferPool.h"
#include "MonotonicClock.h"
#include "PublisherPollLoop.h"
#include "SinkSharedPools.h"
#include "UnixSocket.h"

#include <gst/allocators/allocators.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unistd.h>
#include <unordered_map>
#include <vector>

GST_DEBUG_CATEGORY_EXTERN(zerotee_sink_debug);
#define GST_CAT_DEFAULT zerotee_sink_debug

using zerotee::FramePublisher;

// Quota 3: a consumer whose sink syncs to the clock holds each frame for its latency plus the
// sink's processing deadline (33 + 20 ms at 30 fps), i.e. more than one frame period; with 2
// such a consumer got every other frame. 16 buffers = 4 reserved + 4 consumers at full quota
// (memfds are only allocated when used).
constexpr guint DEFAULT_POOL_SIZE = 16;
constexpr guint DEFAULT_QUOTA = 3;
constexpr guint DEFAULT_LEASE_TIMEOUT = 1000;
constexpr guint DEFAULT_CAPTURE_RESERVE = 4;
constexpr guint DEFAULT_GOP_CACHE = 0;
// The sink's own pool grows past pool-size on demand while it stays within this: 86 buffers
// of 1080p NV12 (27 consumers at quota 3), 20 of 4K. Memory is only taken when consumers hold
// frames, and stays until the sink stops (SinkSharedPools).
constexpr guint DEFAULT_MAX_POOL_MIB = 256;
// How long the I/O thread sleeps at most when nothing happens.
constexpr int kIdlePollMs = 500;
// How far an encoded stream's capture times may lead their arrival (see capture_time).
constexpr uint64_t kEncodedLeadNs = 100000000;

namespace zerotee::sink_internal {

struct Settings {
    std::string socketPath;
    guint poolSize = DEFAULT_POOL_SIZE;
    guint quota = DEFAULT_QUOTA;
    guint leaseTimeoutMs = DEFAULT_LEASE_TIMEOUT;
    guint captureReserve = DEFAULT_CAPTURE_RESERVE;
    guint gopCache = DEFAULT_GOP_CACHE;
    guint maxPoolMib = DEFAULT_MAX_POOL_MIB;
    std::string allowUsers;                        // comma-separated names or ids
    std::string allowGroups;                       // comma-separated names or ids
    zerotee::BusPublisher *busPublisher = nullptr; // external: the host serves the socket
                                                   // (zerotee::setSinkBusPublisher)
};

struct CopyCounters {
    uint64_t bytesCopied = 0;
    uint64_t pixelBytesCopied = 0;
    uint64_t dropsNoBuffer = 0; // the copy pool was empty (every buffer held by consumers)
    // What the last published buffer was, so status can say what the bus carries (a camera's
    // own DMABUFs, the sink's pool, or copies): see zerotee_sink_memory_kind().
    const char *memory = "none";
};

struct Registration {
    FramePublisher::BufferId id = 0;
    uint64_t capacity = 0;
    uint64_t lastUsed = 0;
};

/// Everything that exists between start() and stop(). The registrations and the held buffers
/// are guarded by the bus's mutex, shared by the streaming thread (render) and whoever serves
/// the sockets: the sink's own I/O thread (PublisherPollLoop), or, with an external
/// zerotee::setSinkBusPublisher(), the host's event loop (the supervisor, whose consumers outlive
/// this sink).
struct Runtime {
    std::unique_ptr<zerotee::BusPublisher> ownBus; // when the sink serves its own socket
    zerotee::BusPublisher *bus = nullptr;          // ownBus or the external one
    std::unique_ptr<zerotee::PublisherPollLoop> loop;
    std::thread ioThread;
    std::atomic<bool> quit{false};
    std::string socketPath;

    std::mutex &mutex() { return bus->mutex(); }
    FramePublisher &publisher() { return bus->publisher(); }

    std::unordered_map<zerotee::MemoryIdentity, Registration, zerotee::MemoryIdentityHash>
        registrations;
    std::unordered_map<FramePublisher::BufferId, std::vector<zerotee::GstBufferHolder>> held;
    // Released by consumers under the bus mutex; dropped outside it (an unref may give a
    // buffer back to its pool, which takes the pool's lock).
    std::vector<zerotee::GstBufferHolder> toUnref;
    bool keyframeRequested = false;
    uint64_t useCounter = 0;

    std::vector<zerotee::GstBufferHolder> takeUnrefs()
    {
        std::vector<zerotee::GstBufferHolder> out;
        out.swap(toUnref);
        return out;
    }
};

} // namespace zerotee::sink_internal

struct ZeroteeSinkPrivate {
    zerotee::sink_internal::Settings settings; // GST_OBJECT_LOCK

    std::unique_ptr<zerotee::sink_internal::Runtime>
        runtime;           // created in start(), destroyed in stop()
    std::mutex statsMutex; // guards lastStats, counters (read by the stats property)
    zerotee::PublisherStats lastStats;
    zerotee::sink_internal::CopyCounters counters;

    // Streaming thread only.
    GstCaps *caps = nullptr;
    bool isRawVideo = false;
    GstVideoInfo videoInfo;
    zerotee::SinkSharedPools pools;
    uint64_t frameCounter = 0;
};

struct _ZeroteeSink {
    GstBaseSink parent;
    ZeroteeSinkPrivate *priv;
};

// ZeroteeSinkRuntime.cpp
gboolean zerotee_sink_start(GstBaseSink *basesink);
gboolean zerotee_sink_stop(GstBaseSink *basesink);
/// Turns a consumer's keyframe request into an upstream force-key-unit event (outside the lock).
void zerotee_sink_push_keyframe_request(ZeroteeSink *self, zerotee::sink_internal::Runtime *rt);
/// The shared pools' bounds from the settings.
zerotee::SinkSharedPools::Limits zerotee_sink_limits(ZeroteeSink *self);

// ZeroteeSinkFrames.cpp
/// Copies a buffer whose memory is not fd-backed into the sink's own shared pool (nullptr: none
/// free).
GstBuffer *zerotee_sink_copy_to_shared(ZeroteeSink *self, GstBuffer *buffer);
/// Capture time (absolute CLOCK_MONOTONIC ns) of @p buffer, or kNoTimestamp.
uint64_t zerotee_sink_capture_time(ZeroteeSink *self, GstBuffer *buffer);
/// "upstream-dmabuf", "pool-memfd", "copied-memfd", ...: the memory a buffer about to be published
/// is.
const char *zerotee_sink_memory_kind(GstBuffer *shared, bool copied);
/// How many buffers the pool behind @p shared has for consumers and the capture together.
unsigned zerotee_sink_pool_capacity(ZeroteeSink *self, GstBuffer *shared, bool *sourcesOwn);
