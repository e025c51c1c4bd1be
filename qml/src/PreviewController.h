#pragma once

#include <QHash>
#include <QObject>
#include <QPointer>
#include <QSize>
#include <QTimer>
#include <QtQml/qqmlregistration.h>

#include <atomic>
#include <functional>
#include <memory>

#include <QQuickItem>

class QQuickWindow;
typedef struct _GstElement GstElement;

namespace zerotee {

class CamerasModel;
class DetectionsModel;
class PanelFacade;

/// The live preview: per camera an in-process branch of the capture pipeline into a
/// `qml6glsink` bound to the camera's `GstGLQt6VideoItem`:
///
///   … capsfilter ! tee ! zeroteesink                      (the bus: unchanged, zero copy)
///                    └─ queue leaky=downstream max-size-buffers=1 ! [videoscale ! capsfilter]
///                       ! glupload ! glcolorconvert ! qml6glsink sync=false async=false
///
/// The leaky one-buffer queue gives the branch its own thread and never holds the capture back;
/// errors in the branch only detach it (CaptureOwner). Where GL is software (llvmpipe), frames
/// are scaled down before the upload (to ZEROTEE_PREVIEW_MAX, default 640x360); on a GPU the
/// upload imports the buffer as is.
///
/// qml6glsink needs the item's window to have rendered once after the item joined it (before,
/// the sink fails with "Could not initialize window system"): the branch factory returns null
/// until then and the branch is attached as soon as the item is ready.
///
/// Figures: frames reaching the sink per second, and latency from capture (the buffer's time in
/// the capture pipeline as CLOCK_MONOTONIC) to the sink. The same capture time, of the last frame
/// handed to the sink, is what the detection overlay matches boxes against.
///
/// Thread context: thread-bound to the main thread; the sink-pad probe updates atomics.
class PreviewController : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("PanelController.preview")
    /// qml6glsink is installed and previews are enabled.
    Q_PROPERTY(bool available READ available CONSTANT)
    /// Frame rate and latency shown over the video.
    Q_PROPERTY(bool statsVisible READ statsVisible WRITE setStatsVisible NOTIFY settingsChanged)
    /// Detection boxes drawn over the video.
    Q_PROPERTY(
        bool overlayEnabled READ overlayEnabled WRITE setOverlayEnabled NOTIFY settingsChanged)
    /// GL_RENDERER of the window ("" until the first frame).
    Q_PROPERTY(QString renderer READ renderer NOTIFY rendererChanged)

public:
    struct Counters {
        std::atomic<quint64> frames{0};
        std::atomic<qint64> lastCaptureNs{0}; ///< CLOCK_MONOTONIC capture time of the last frame
        std::atomic<qint64> latencyNs{-1};
    };

    explicit PreviewController(bool available, QObject *parent = nullptr);
    ~PreviewController() override;

    /// Captures, camera sizes and the models to feed; null to let go before a shutdown.
    void attach(PanelFacade *service, CamerasModel *cameras,
                std::function<DetectionsModel *(const QString &)> detections);
    void detach();

    /// The CaptureOwner branch factory for @p camera (null while its item is not ready).
    GstElement *createBranch(const QString &camera);

    /// The video item showing @p camera (a GstGLQt6VideoItem); the QML tile registers it.
    Q_INVOKABLE void registerVideoItem(const QString &camera, QQuickItem *item);
    Q_INVOKABLE void unregisterVideoItem(const QString &camera, QQuickItem *item);
    /// Tries the preview of @p camera again after a failure.
    Q_INVOKABLE void retry(const QString &camera);

    bool available() const { return available_; }
    bool statsVisible() const { return statsVisible_; }
    void setStatsVisible(bool visible);
    bool overlayEnabled() const { return overlayEnabled_; }
    void setOverlayEnabled(bool enabled);
    QString renderer() const { return renderer_; }

    /// The largest preview frame for a software renderer, from ZEROTEE_PREVIEW_MAX ("WxH", or
    /// "0" for none); 640x360 by default.
    static QSize softwareMaxSize();
    /// True for llvmpipe, softpipe, swrast.
    static bool isSoftwareRenderer(const QString &renderer);
    /// @p source scaled to fit in @p bound, aspect kept, even sizes; @p source if it fits.
    static QSize fitWithin(QSize source, QSize bound);

signals:
    void settingsChanged();
    void rendererChanged();
    /// The preview of @p camera failed (the capture goes on).
    void previewFailed(const QString &camera, const QString &reason);

private:
    struct Camera {
        QPointer<QQuickItem> item;
        int framesSwapped = 0; // after registration; ready at 2
        std::shared_ptr<Counters> counters = std::make_shared<Counters>();
        QString error;
        quint64 framesAtLastSecond = 0;
        qint64 lastSecondNs = 0;
        double fps = 0;
        bool attached = false;
    };

    void watchWindow(QQuickWindow *window);
    void itemReady(const QString &camera);
    void tick();
    void publishFigures();

    bool available_;
    bool statsVisible_ = false;
    bool overlayEnabled_ = true;
    QString renderer_;
    PanelFacade *service_ = nullptr;
    CamerasModel *cameras_ = nullptr;
    std::function<DetectionsModel *(const QString &)> detections_;
    QHash<QString, Camera> previews_;
    QPointer<QQuickWindow> window_;
    QTimer timer_;
};

} // namespace zerotee
