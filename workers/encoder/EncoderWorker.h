#pragma once

#include "EncoderOptions.h"
#include "FrameCadence.h"
#include "GstHolders.h"

#include <QString>
#include <atomic>
#include <cstdint>
#include <gst/gst.h>
#include <mutex>

namespace zerotee {

class WorkerReporter;

/// One stream's encoder: reads the camera's raw bus without a copy, encodes once and publishes
/// the access units on the stream's bus socket (zeroteesink with a GOP cache):
///
///   zeroteesrc socket-path=RAW [policy=fps-cap] ! [videorate ! caps] ! [scaler ! WxH caps |
///   videoconvert] ! ENCODER ! h264parse config-interval=-1 ! byte-stream/au caps !
///   zeroteesink socket-path=OUT gop-cache=N
///
/// It encodes only while the stream has consumers (or with --always-on): raw frames are
/// dropped in front of the encoder when nobody has been connected for --idle-seconds, and the
/// first consumer after that gets a keyframe on the next frame. Keyframe requests from
/// consumers (upstream force-key-unit, e.g. splitmuxsink cutting a segment) reach the encoder
/// at most once per --min-keyframe-interval-ms; a joining consumer needs none (GOP cache).
/// Reports `{"type":"stats",...}` every second on stdout.
///
/// Thread context: thread-bound to the main thread; pad probes run on streaming threads and
/// touch only atomics and the keyframe mutex.
class EncoderWorker {
public:
    EncoderWorker(EncoderOptions options, WorkerReporter &reporter);
    ~EncoderWorker();
    EncoderWorker(const EncoderWorker &) = delete;
    EncoderWorker &operator=(const EncoderWorker &) = delete;

    /// Builds and runs the pipeline until SIGINT/SIGTERM or an error; the exit code.
    int run();

    /// The pipeline description for @p options with @p encoder and @p scaler factories.
    static QString describe(const EncoderOptions &options, const QString &encoder,
                            const QString &scaler);
    /// The first encoder / scaler the registry has, or the override; empty when none.
    static QString pickEncoder(const EncoderOptions &options);
    static QString pickScaler(const EncoderOptions &options);

private:
    static GstPadProbeReturn onCameraFrame(GstPad *pad, GstPadProbeInfo *info, gpointer self);
    static GstPadProbeReturn onRawBuffer(GstPad *pad, GstPadProbeInfo *info, gpointer self);
    static GstPadProbeReturn onUpstreamEvent(GstPad *pad, GstPadProbeInfo *info, gpointer self);
    static GstPadProbeReturn onAccessUnit(GstPad *pad, GstPadProbeInfo *info, gpointer self);
    void tick();
    void report();

    EncoderOptions options_;
    WorkerReporter &reporter_;
    QString encoderName_;
    GstElementHolder pipeline_;
    GstElement *encoder_ = nullptr; // borrowed from the pipeline
    GstElement *sink_ = nullptr;    // borrowed from the pipeline

    std::atomic<bool> active_{true};
    FrameCadence cadence_; // the camera's streaming thread only
    std::atomic<uint64_t> rawFrames_{0}, rawDroppedIdle_{0}, rawDroppedCadence_{0};
    std::atomic<uint64_t> accessUnits_{0}, keyframes_{0}, bytes_{0};
    std::mutex keyframeMutex_;
    gint64 lastForcedUs_ = 0; // keyframeMutex_
    uint64_t keyframeRequests_ = 0, keyframesForced_ = 0, requestsIgnored_ = 0;

    int ticks_ = 0;
    gint64 lastConsumerUs_ = 0;
    uint64_t lastBytes_ = 0;
    gint64 lastReportUs_ = 0;
};

} // namespace zerotee
