// What zeroteesink's render needs to publish a buffer: the copy fallback into its own shared
// pool, the capture time, the kind of memory and the capacity of the pool behind it. See
// ZeroteeSinkPrivate.h.
#include "ZeroteeSinkPrivate.h"

using namespace zerotee::sink_internal; // this element's own types (ZeroteeSinkPrivate.h)

// Copies a buffer whose memory is not fd-backed into the sink's own shared pool.
GstBuffer *zerotee_sink_copy_to_shared(ZeroteeSink *self, GstBuffer *buffer)
{
    ZeroteeSinkPrivate *priv = self->priv;
    GstBuffer *copy = nullptr;
    auto result =
        priv->pools.copy(buffer, priv->caps, priv->isRawVideo ? &priv->videoInfo : nullptr,
                         zerotee_sink_limits(self), &copy);
    std::lock_guard statsLock(priv->statsMutex);
    if (result == zerotee::SinkSharedPools::CopyResult::NoBuffer) {
        priv->counters.dropsNoBuffer++;
        return nullptr;
    }
    if (result == zerotee::SinkSharedPools::CopyResult::Failed) {
        GST_WARNING_OBJECT(self, "copy into shared memory failed");
        return nullptr;
    }
    priv->counters.bytesCopied += gst_buffer_get_size(buffer);
    if (priv->isRawVideo)
        priv->counters.pixelBytesCopied += gst_buffer_get_size(buffer);
    return copy;
}

uint64_t zerotee_sink_capture_time(ZeroteeSink *self, GstBuffer *buffer)
{
    GstClockTime pts = GST_BUFFER_PTS(buffer);
    if (!GST_CLOCK_TIME_IS_VALID(pts))
        return zerotee::wire::kNoTimestamp;
    GstBaseSink *basesink = GST_BASE_SINK(self);
    GstClockTime running = gst_segment_to_running_time(&basesink->segment, GST_FORMAT_TIME, pts);
    if (!GST_CLOCK_TIME_IS_VALID(running))
        return zerotee::wire::kNoTimestamp;
    g_autoptr(GstClock) clock = gst_element_get_clock(GST_ELEMENT(self));
    if (!clock)
        return zerotee::monotonicNowNs(); // no clock: "now" is the best guess
    GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
    uint64_t mono = zerotee::clockTimeToMonotonic(clock, base + running);
    // A frame cannot have been captured after it got here. A live source's timestamps never
    // are; a non-live one (tcpclientsrc ! rawvideoparse, a file) counts frames on a grid that
    // runs ahead of the clock when a backlog arrives in a burst, and a restarted capture would
    // then step back by seconds. Such frames are stamped with their arrival.
    // An encoder's access units carry its input's times, which zerotee-encoder puts on a frame
    // grid that moves a frame up to 3/4 of an interval later: they may lead their arrival by
    // less than a frame, and stamping those with the arrival would replace the grid's cadence by
    // the encoder's jitter (two frames in one slot for ffmpeg). Only a lead beyond that is a
    // clock running ahead.
    const uint64_t now = zerotee::monotonicNowNs();
    const uint64_t lead = self->priv->isRawVideo ? 0 : kEncodedLeadNs;
    return mono > now + lead ? now : mono;
}

// Names the memory of a buffer about to be published: "upstream-*" is upstream's own memory (a
// camera's DMABUFs with v4l2src io-mode=dmabuf), "pool-*" the sink's pool that upstream drew
// into, "copied-*" the copy pool; "*-dmabuf" when every memory is a DMABUF, else "*-memfd".
const char *zerotee_sink_memory_kind(GstBuffer *shared, bool copied)
{
    bool dmabuf = true;
    for (guint i = 0; i < gst_buffer_n_memory(shared); ++i)
        dmabuf = dmabuf && gst_is_dmabuf_memory(gst_buffer_peek_memory(shared, i));
    if (copied)
        return dmabuf ? "copied-dmabuf" : "copied-memfd";
    if (shared->pool && ZEROTEE_IS_MEMFD_BUFFER_POOL(shared->pool))
        return dmabuf ? "pool-dmabuf" : "pool-memfd";
    return dmabuf ? "upstream-dmabuf" : "upstream-memfd";
}

// How many buffers the pool behind @p shared has for consumers and the capture together.
unsigned zerotee_sink_pool_capacity(ZeroteeSink *self, GstBuffer *shared, bool *sourcesOwn)
{
    bool changed = false;
    unsigned capacity =
        self->priv->pools.capacityOf(shared, zerotee_sink_limits(self), &changed, sourcesOwn);
    if (changed)
        GST_INFO_OBJECT(self, "frames come from %s pool: %u buffers for the capture and consumers",
                        shared->pool && ZEROTEE_IS_MEMFD_BUFFER_POOL(shared->pool)
                            ? "the sink's own growing"
                            : "a fixed upstream",
                        capacity);
    return capacity;
}
