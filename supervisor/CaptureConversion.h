#pragma once

#include <QMutex>
#include <QString>
#include <atomic>

typedef struct _GstCaps GstCaps;
typedef struct _GstPad GstPad;

namespace zerotee {

/// Tells whether a capture pipeline converts its source's frames before the bus, and counts the
/// pixel bytes that conversion writes. A camera that delivers the bus format passes its own
/// buffers (0 bytes); one that does not (a YUYV webcam on an NV12 bus) has every frame written
/// anew by the converter, and that is a copy of the pixels, reported as such.
///
/// watch() puts probes on the bus sink's pad: on each CAPS event it walks upstream to the raw
/// video caps the source itself delivers and compares format and size with the bus caps; each
/// buffer then adds its size while they differ.
///
/// Thread context: watch() and reset() on the owner's thread; the probes run on the streaming
/// thread; bytes() and description() from any thread.
class CaptureConversion {
public:
    /// Watches a pipeline's bus sink pad until the pipeline is gone; counts add up across
    /// pipelines (a rebuilt capture keeps counting).
    void watch(GstPad *sinkPad);
    /// "YUY2 640x360 -> NV12 640x360", or empty when the source delivers the bus format.
    QString description() const;
    quint64 bytes() const { return bytes_.load(std::memory_order_relaxed); }

private:
    void onCaps(GstPad *sinkPad, GstCaps *busCaps);

    std::atomic<bool> converting_{false};
    std::atomic<quint64> bytes_{0};
    mutable QMutex mutex_;
    QString description_; // guarded by mutex_
};

} // namespace zerotee
