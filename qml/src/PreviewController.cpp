#include "PreviewController.h"

#include "CamerasModel.h"
#include "DetectionsModel.h"

#include <GstHolders.h>
#include <MonotonicClock.h>
#include <PanelFacade.h>
#include <UnixSocket.h> // monotonicNowNs()

#include <QLoggingCategory>
#include <QOpenGLContext>
#include <QOpenGLFunctions>
#include <QQuickItem>
#include <QQuickWindow>
#include <gst/gst.h>

Q_LOGGING_CATEGORY(lcPreview, "zerotee.panel.preview")

namespace zerotee {

namespace {

constexpr int kTickMs = 66; // the overlay follows the video at ~15 Hz

GstPadProbeReturn onPreviewBuffer(GstPad *pad, GstPadProbeInfo *info, gpointer data)
{
    auto *counters = static_cast<std::shared_ptr<PreviewController::Counters> *>(data)->get();
    counters->frames.fetch_add(1, std::memory_order_relaxed);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    const GstClockTime pts = GST_BUFFER_PTS(buffer);
    g_autoptr(GstEvent) event = gst_pad_get_sticky_event(pad, GST_EVENT_SEGMENT, 0);
    if (!event || !GST_CLOCK_TIME_IS_VALID(pts))
        return GST_PAD_PROBE_OK;
    const GstSegment *segment = nullptr;
    gst_event_parse_segment(event, &segment);
    const GstClockTime running = gst_segment_to_running_time(segment, GST_FORMAT_TIME, pts);
    GstElement *sink = GST_ELEMENT(GST_PAD_PARENT(pad));
    g_autoptr(GstClock) clock = gst_element_get_clock(sink);
    if (!clock || !GST_CLOCK_TIME_IS_VALID(running))
        return GST_PAD_PROBE_OK;
    // The same capture time zeroteesink puts on the wire, which the AI reports as pts_ns.
    const auto capture =
        qint64(clockTimeToMonotonic(clock, gst_element_get_base_time(sink) + running));
    counters->lastCaptureNs.store(capture, std::memory_order_relaxed);
    counters->latencyNs.store(qint64(monotonicNowNs()) - capture, std::memory_order_relaxed);
    return GST_PAD_PROBE_OK;
}

} // namespace

PreviewController::PreviewController(bool available, QObject *parent)
    : QObject(parent), available_(available)
{
    timer_.setInterval(kTickMs);
    connect(&timer_, &QTimer::timeout, this, &PreviewController::tick);
}

PreviewController::~PreviewController() = default;

QSize PreviewController::softwareMaxSize()
{
    const QString value = qEnvironmentVariable("ZEROTEE_PREVIEW_MAX");
    if (value == u"0")
        return {};
    const QStringList parts = value.split(u'x');
    if (parts.size() == 2 && parts[0].toInt() >= 16 && parts[1].toInt() >= 16)
        return {parts[0].toInt(), parts[1].toInt()};
    return {640, 360};
}

bool PreviewController::isSoftwareRenderer(const QString &renderer)
{
    return renderer.isEmpty() || renderer.contains(u"llvmpipe", Qt::CaseInsensitive) ||
           renderer.contains(u"softpipe", Qt::CaseInsensitive) ||
           renderer.contains(u"swrast", Qt::CaseInsensitive);
}

QSize PreviewController::fitWithin(QSize source, QSize bound)
{
    if (!bound.isValid() || (source.width() <= bound.width() && source.height() <= bound.height()))
        return source;
    QSize scaled = source.scaled(bound, Qt::KeepAspectRatio);
    return {std::max(16, scaled.width() & ~1), std::max(16, scaled.height() & ~1)};
}

void PreviewController::attach(PanelFacade *service, CamerasModel *cameras,
                               std::function<DetectionsModel *(const QString &)> detections)
{
    service_ = service;
    cameras_ = cameras;
    detections_ = std::move(detections);
    if (!service_ || !service_->isUp())
        return;
    for (const QString &name : service_->cameraNames())
        previews_[name]; // a row per camera, before its video item registers
    connect(service_, &PanelFacade::previewFailed, this,
            [this](const QString &name, const QString &reason) {
                previews_[name].error = reason;
                previews_[name].attached = false;
                emit previewFailed(name, reason);
                publishFigures();
            });
    connect(service_, &PanelFacade::previewAttachedChanged, this,
            [this](const QString &name, bool attached) {
                previews_[name].attached = attached;
                if (attached)
                    previews_[name].error.clear();
                publishFigures();
            });
    timer_.start();
}

void PreviewController::detach()
{
    timer_.stop();
    if (service_)
        disconnect(service_, nullptr, this, nullptr);
    service_ = nullptr;
    cameras_ = nullptr;
    detections_ = {};
}

GstElement *PreviewController::createBranch(const QString &camera)
{
    auto it = previews_.find(camera);
    if (!available_ || it == previews_.end() || !it->item || it->framesSwapped < 2)
        return nullptr;
    const QSize source = service_ ? service_->cameraSize(camera) : QSize();
    if (!source.isValid())
        return nullptr;

    QString scale;
    if (isSoftwareRenderer(renderer_)) {
        const QSize size = fitWithin(source, softwareMaxSize());
        if (size != source)
            scale = QStringLiteral("videoscale ! capsfilter caps=video/x-raw,width=%1,height=%2 ! ")
                        .arg(size.width())
                        .arg(size.height());
    }
    const QString description =
        QStringLiteral("queue name=preview_queue leaky=downstream max-size-buffers=1 "
                       "max-size-bytes=0 max-size-time=0 ! %1glupload ! glcolorconvert ! "
                       "qml6glsink name=preview_sink sync=false async=false")
            .arg(scale);
    g_autoptr(GError) error = nullptr;
    // Floating, as the capture pipeline expects: it sinks the branch when it adds it.
    GstElement *bin =
        gst_parse_bin_from_description(description.toUtf8().constData(), TRUE, &error);
    if (!bin || error) {
        const GstObjectHolder<GstElement> unused = sinkIntoHolder(bin);
        it->error = QString::fromUtf8(error ? error->message : "cannot build the preview");
        emit previewFailed(camera, it->error);
        return nullptr;
    }
    gst_object_set_name(GST_OBJECT(bin),
                        QStringLiteral("preview_%1").arg(camera).toUtf8().constData());
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(bin), "preview_sink");
    g_object_set(sink, "widget", static_cast<gpointer>(it->item.data()), NULL);
    g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, onPreviewBuffer,
                      new std::shared_ptr<Counters>(it->counters),
                      [](gpointer data) { delete static_cast<std::shared_ptr<Counters> *>(data); });
    qCInfo(lcPreview).noquote() << camera << "preview branch:" << description;
    return bin;
}

void PreviewController::registerVideoItem(const QString &camera, QQuickItem *item)
{
    if (!item)
        return;
    Camera &preview = previews_[camera];
    preview.item = item;
    preview.framesSwapped = 0;
    auto windowReady = [this, item](QQuickWindow *window) {
        if (window)
            watchWindow(window);
        if (window)
            window->update();
    };
    connect(item, &QQuickItem::windowChanged, this, windowReady);
    if (item->window())
        windowReady(item->window());
}

void PreviewController::unregisterVideoItem(const QString &camera, QQuickItem *item)
{
    auto it = previews_.find(camera);
    if (it == previews_.end() || it->item != item)
        return;
    // The sink must not outlive its item: take the branch away first.
    if (service_)
        service_->detachPreview(camera);
    it->item.clear();
    it->framesSwapped = 0;
}

void PreviewController::watchWindow(QQuickWindow *window)
{
    if (window_ == window)
        return;
    window_ = window;
    // GL_RENDERER, read once on the render thread: decides whether to scale before the upload.
    auto read = std::make_shared<std::atomic<bool>>(false);
    connect(
        window, &QQuickWindow::beforeRendering, this,
        [this, read] {
            if (read->exchange(true))
                return;
            QOpenGLContext *context = QOpenGLContext::currentContext();
            if (!context)
                return;
            const auto *name =
                reinterpret_cast<const char *>(context->functions()->glGetString(GL_RENDERER));
            const QString renderer = QString::fromUtf8(name ? name : "");
            QMetaObject::invokeMethod(
                this,
                [this, renderer] {
                    renderer_ = renderer;
                    qCInfo(lcPreview).noquote() << "GL renderer:" << renderer;
                    emit rendererChanged();
                },
                Qt::QueuedConnection);
        },
        Qt::DirectConnection);
    connect(
        window, &QQuickWindow::frameSwapped, this,
        [this, window] {
            for (auto it = previews_.begin(); it != previews_.end(); ++it) {
                if (!it->item || it->item->window() != window || it->framesSwapped >= 2)
                    continue;
                if (++it->framesSwapped >= 2)
                    itemReady(it.key());
                else
                    window->update();
            }
        },
        Qt::QueuedConnection);
}

void PreviewController::itemReady(const QString &camera)
{
    qCDebug(lcPreview).noquote() << camera << "video item ready";
    if (service_)
        service_->attachPreview(camera);
}

void PreviewController::retry(const QString &camera)
{
    auto it = previews_.find(camera);
    if (it == previews_.end())
        return;
    it->error.clear();
    publishFigures();
    if (it->framesSwapped >= 2)
        itemReady(camera);
}

void PreviewController::setStatsVisible(bool visible)
{
    if (visible == statsVisible_)
        return;
    statsVisible_ = visible;
    emit settingsChanged();
}

void PreviewController::setOverlayEnabled(bool enabled)
{
    if (enabled == overlayEnabled_)
        return;
    overlayEnabled_ = enabled;
    emit settingsChanged();
}

void PreviewController::tick()
{
    const qint64 now = qint64(monotonicNowNs());
    bool second = false;
    for (auto it = previews_.begin(); it != previews_.end(); ++it) {
        Camera &c = *it;
        if (now - c.lastSecondNs >= 1'000'000'000) {
            const quint64 frames = c.counters->frames.load();
            if (c.lastSecondNs > 0)
                c.fps = double(frames - c.framesAtLastSecond) * 1e9 / double(now - c.lastSecondNs);
            c.framesAtLastSecond = frames;
            c.lastSecondNs = now;
            second = true;
        }
        if (overlayEnabled_ && detections_) {
            if (DetectionsModel *model = detections_(it.key())) {
                // Without video frames the boxes follow the clock (and still fade).
                const qint64 shown = c.attached && c.counters->lastCaptureNs.load() > 0
                                         ? c.counters->lastCaptureNs.load()
                                         : now;
                model->setFramePts(shown);
            }
        }
    }
    if (second)
        publishFigures();
}

void PreviewController::publishFigures()
{
    if (!cameras_)
        return;
    for (auto it = previews_.begin(); it != previews_.end(); ++it) {
        const Camera &c = *it;
        QString state;
        if (!available_)
            state = QStringLiteral("unavailable");
        else if (!c.error.isEmpty())
            state = QStringLiteral("failed");
        else if (c.attached && c.fps > 0)
            state = QStringLiteral("live");
        else
            state = QStringLiteral("waiting");
        const qint64 latency = c.counters->latencyNs.load();
        cameras_->setPreview(it.key(), state, c.error, std::round(c.fps * 10) / 10,
                             c.attached && latency >= 0 ? std::round(double(latency) / 1e5) / 10
                                                        : -1);
    }
}

} // namespace zerotee
