// zeroteesrc's frames: the producer's caps applied, and each frame made a buffer that shares
// the producer's memory (timestamps in running time, flags, the lease given back when the
// memory is freed). See ZeroteeSrcPrivate.h.
#include "ZeroteeSrcPrivate.h"

#include "GstHolders.h"
#include "MonotonicClock.h"

// Applies caps announced by the producer before the first frame that uses them.
GstFlowReturn zerotee_src_apply_caps(ZeroteeSrc *self)
{
    ZeroteeSrcPrivate *priv = self->priv;
    g_autoptr(GstCaps) caps = static_cast<GstCaps *>(g_steal_pointer(&priv->pendingCaps));

    GstVideoInfo info;
    GstStructure *s = gst_caps_get_structure(caps, 0);
    priv->isVideo =
        gst_structure_has_name(s, "video/x-raw") && gst_video_info_from_caps(&info, caps);
    if (priv->isVideo)
        priv->videoInfo = info;
    GstClockTime duration = GST_CLOCK_TIME_NONE;
    gint num = 0, den = 1;
    if (gst_structure_get_fraction(s, "framerate", &num, &den) && num > 0)
        duration = gst_util_uint64_scale_int(GST_SECOND, den, num);

    GST_OBJECT_LOCK(self);
    gst_caps_replace(&priv->caps, caps);
    priv->frameDuration = duration;
    GST_OBJECT_UNLOCK(self);

    GST_INFO_OBJECT(self, "producer caps %" GST_PTR_FORMAT, caps);
    gboolean ok = gst_base_src_set_caps(GST_BASE_SRC(self), caps);
    if (!ok) {
        GST_ELEMENT_ERROR(self, CORE, NEGOTIATION, ("Downstream does not accept the stream's caps"),
                          (nullptr));
        return GST_FLOW_NOT_NEGOTIATED;
    }
    gst_element_post_message(GST_ELEMENT(self), gst_message_new_latency(GST_OBJECT(self)));
    return GST_FLOW_OK;
}

GstBuffer *zerotee_src_make_buffer(ZeroteeSrc *self, const wire::Frame &frame)
{
    ZeroteeSrcPrivate *priv = self->priv;
    auto it = priv->imported.find(frame.bufferId);
    if (it == priv->imported.end() || it->second->layout().generation != frame.generation) {
        GST_WARNING_OBJECT(self, "frame %" G_GUINT64_FORMAT " in unknown buffer %u", frame.sequence,
                           frame.bufferId);
        return nullptr;
    }
    // Capture time in this pipeline's running time. A frame captured before the pipeline
    // started running (queued while it was starting, e.g. a restarted push pipeline) would
    // get PTS 0 like every other such frame: equal timestamps that muxers reject. It is
    // skipped instead (the caller releases it at once).
    GstClockTime pts = GST_CLOCK_TIME_NONE;
    if (frame.ptsNs != wire::kNoTimestamp) {
        g_autoptr(GstClock) clock = gst_element_get_clock(GST_ELEMENT(self));
        GstClockTime base = gst_element_get_base_time(GST_ELEMENT(self));
        GstClockTime clockTime = zerotee::monotonicToClockTime(clock, frame.ptsNs);
        if (GST_CLOCK_TIME_IS_VALID(clockTime) && GST_CLOCK_TIME_IS_VALID(base)) {
            // An encoded stream's first frame may be the start of a GOP replayed from before
            // this pipeline started: move the timeline so it lands at 0 rather than drop the
            // keyframe every later frame needs. Sinks of encoded data here do not sync to the
            // clock (a muxer, a payloader), so the shift adds no latency.
            if (!priv->isVideo && priv->firstFrame && clockTime < base)
                priv->replayShift = base - clockTime;
            clockTime += priv->replayShift;
            if (clockTime < base) {
                GST_DEBUG_OBJECT(self, "frame %" G_GUINT64_FORMAT " captured before start: skipped",
                                 frame.sequence);
                return nullptr;
            }
            pts = clockTime - base;
        }
    }
    // A source that stalled and then delivered its backlog at once, stamped on arrival, gives
    // raw frames closer together than the stream's frame rate allows; encoders and muxers then
    // produce equal or reversed timestamps, which players reject. Such frames (closer than half
    // a frame duration: the frame's own, else the caps' frame rate, else 1 ms) are skipped;
    // dropping raw frames before an encoder costs nothing else. A step back of
    // kNewTimelineStepNs or more is a new timeline (a restarted producer) and passes.
    GstClockTime frameDuration = GST_CLOCK_TIME_NONE;
    if (frame.durationNs != wire::kNoTimestamp && frame.durationNs > 0)
        frameDuration = frame.durationNs;
    else if (priv->isVideo && GST_VIDEO_INFO_FPS_N(&priv->videoInfo) > 0)
        frameDuration =
            gst_util_uint64_scale_int(GST_SECOND, GST_VIDEO_INFO_FPS_D(&priv->videoInfo),
                                      GST_VIDEO_INFO_FPS_N(&priv->videoInfo));
    const GstClockTime minimumGap = GST_CLOCK_TIME_IS_VALID(frameDuration)
                                        ? std::max<GstClockTime>(frameDuration / 2, GST_MSECOND)
                                        : GST_MSECOND;
    if (priv->isVideo && GST_CLOCK_TIME_IS_VALID(pts) &&
        GST_CLOCK_TIME_IS_VALID(priv->lastVideoPts) && pts < priv->lastVideoPts + minimumGap &&
        pts + wire::kNewTimelineStepNs > priv->lastVideoPts) {
        GST_DEBUG_OBJECT(self, "frame %" G_GUINT64_FORMAT " too close to the last one: skipped",
                         frame.sequence);
        return nullptr;
    }
    if (priv->isVideo)
        priv->lastVideoPts = pts;
    priv->firstFrame = false;
    const zerotee::ImportedBuffer &imported = *it->second;
    uint64_t payload = std::min(frame.payloadSize, imported.capacity());
    GstBuffer *buffer =
        imported.newFrameBuffer(payload, priv->isVideo ? &priv->videoInfo : nullptr);

    uint64_t epoch;
    {
        std::lock_guard lock(priv->connection->mutex);
        epoch = priv->connection->epoch;
    }
    std::shared_ptr<zerotee::src_internal::Connection> connection = priv->connection;
    uint32_t bufferId = frame.bufferId, generation = frame.generation;
    uint64_t sequence = frame.sequence;
    zerotee::callWhenMemoriesFreed(buffer, [connection, epoch, bufferId, generation, sequence] {
        connection->release(epoch, bufferId, generation, sequence);
    });
    if (!priv->isVideo) {
        // Not raw video (encoded access units, metadata): small, so copied out at once and the
        // producer's buffer given back. Consumers then queue encoded data as long as they
        // like (a muxer, a pre-event ring) without holding the stream's pool or its leases.
        zerotee::GstBufferHolder shared(buffer); // released once copied
        buffer = gst_buffer_copy_deep(shared.get());
    }

    uint64_t now = zerotee::monotonicNowNs();
    GST_BUFFER_PTS(buffer) = pts;
    if (frame.durationNs != wire::kNoTimestamp)
        GST_BUFFER_DURATION(buffer) = frame.durationNs;
    GST_BUFFER_OFFSET(buffer) = frame.cameraSequence;
    if (frame.flags & wire::FrameDeltaUnit)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    if (frame.flags & wire::FrameHeader)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_HEADER);
    if (frame.flags & wire::FrameGap)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_GAP);
    if ((frame.flags & wire::FrameDiscont) || priv->discont)
        GST_BUFFER_FLAG_SET(buffer, GST_BUFFER_FLAG_DISCONT);
    priv->discont = false;

    GST_OBJECT_LOCK(self);
    priv->framesReceived++;
    if (frame.ptsNs != wire::kNoTimestamp && now >= frame.ptsNs)
        priv->captureLatency.add((now - frame.ptsNs) / 1000);
    if (now >= frame.publishNs)
        priv->transportLatency.add((now - frame.publishNs) / 1000);
    GST_OBJECT_UNLOCK(self);
    return buffer;
}
