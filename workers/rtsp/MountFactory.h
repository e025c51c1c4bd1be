#pragma once

#include "ElementChoice.h"
#include "MountConfig.h"
#include "RtspOptions.h"

#include <QJsonObject>
#include <atomic>
#include <chrono>
#include <gst/rtsp-server/rtsp-server.h>
#include <memory>
#include <mutex>

namespace zerotee {

/// One mount point: a shared GstRTSPMediaFactory (one pipeline, one encoder for every viewer of
/// the mount) and what the worker reports about it. The media is built when the first client
/// asks for it and torn down when the last one leaves, so the encoder only runs while someone
/// watches; the next client gets a new pipeline.
///
/// Thread context: media-configure and the byte counter run on gst-rtsp-server and streaming
/// threads; everything else on the main loop. Shared state is behind mutex_ or atomic.
class MountFactory {
public:
    MountFactory(const RtspOptions &options, const MountConfig &mount,
                 const ElementChoice &elements);
    ~MountFactory();
    MountFactory(const MountFactory &) = delete;
    MountFactory &operator=(const MountFactory &) = delete;

    const MountConfig &mount() const { return mount_; }
    /// Borrowed; the mount points hold their own reference once mounted.
    GstRTSPMediaFactory *factory() const { return factory_; }
    /// The launch line of the media (for the log).
    const QString &launch() const { return launch_; }
    /// Whether @p media is this mount's current media.
    bool owns(GstRTSPMedia *media) const;

    /// Sends a force-key-unit upstream from the payloader, so a viewer that just started to
    /// play gets an IDR (with SPS/PPS, config-interval=-1) now instead of at the next GOP. In
    /// --encoded mode the event travels on to zeroteesrc, which asks the producer for one.
    void requestKeyframe(GstRTSPMedia *media);

    /// {path, encoder, encoder_running, encoder_instances, media_configures, bitrate_kbps, …};
    /// call once a second from the main loop (the bitrate is measured between calls).
    QJsonObject stats();
    /// Frames the bus delivered to this mount's pipelines so far.
    quint64 frames();

private:
    static void onMediaConfigure(GstRTSPMediaFactory *factory, GstRTSPMedia *media, gpointer self);
    static GstPadProbeReturn countPayloadBytes(GstPad *pad, GstPadProbeInfo *info,
                                               gpointer counters);
    static void onEncoderFinalized(gpointer counters, GObject *encoder);
    static void onPerViewerElementAdded(GstBin *pipeline, GstElement *element, gpointer unused);
    static void onPerViewerDeepElementAdded(GstBin *pipeline, GstBin *bin, GstElement *element,
                                            gpointer unused);
    /// The current media, or null (a new reference).
    GstRTSPMedia *currentMedia() const;
    quint64 framesOf(GstRTSPMedia *media) const;

    MountConfig mount_;
    QString encoderName_;
    QString launch_;
    GstRTSPMediaFactory *factory_ = nullptr;
    bool perViewer_ = false; // encoded bus: a media per viewer (GOP replay for each)

    mutable std::mutex mutex_;
    mutable GWeakRef media_; // the latest configured media
    quint64 mediaGeneration_ = 0;
    quint64 framesDone_ = 0;     // frames of earlier medias
    quint64 framesLastSeen_ = 0; // of the current media, at the last frames() call
    quint64 framesGeneration_ = 0;

    /// Counted from streaming threads and finalizers, which may outlive this object at
    /// shutdown: each of them holds a reference.
    struct Counters {
        std::atomic<quint64> configures{0};
        std::atomic<int> encodersAlive{0};
        std::atomic<quint64> payloadBytes{0};
        std::atomic<quint64> keyframeRequests{0};
    };
    std::shared_ptr<Counters> counters_ = std::make_shared<Counters>();
    quint64 bytesAtLastStats_ = 0;
    std::chrono::steady_clock::time_point lastStats_ = std::chrono::steady_clock::now();
};

} // namespace zerotee
