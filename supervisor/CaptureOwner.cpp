#include "CaptureOwner.h"

#include "CaptureSource.h"
#include "StaticElements.h"
#include "ZeroteeSink.h"

#include <QDateTime>
#include <QMetaEnum>
#include <QPointer>
#include <gst/gst.h>
#include <memory>

Q_LOGGING_CATEGORY(lcCapture, "zerotee.capture")

namespace zerotee {

namespace {

constexpr int kStallMs = 3000;

RestartPolicy::Settings captureRetrySettings()
{
    RestartPolicy::Settings s;
    s.initialBackoffMs = 500;
    s.maxBackoffMs = 10'000;
    s.crashLoopCount = std::numeric_limits<int>::max(); // a camera is never given up on
    s.stableAfterMs = 10'000;
    return s;
}

} // namespace

CaptureOwner::CaptureOwner(CameraConfig camera, BusPublisher &publisher, QObject *parent)
    : QObject(parent), camera_(std::move(camera)), publisher_(publisher),
      retry_(captureRetrySettings())
{
    retryTimer_.setSingleShot(true);
    connect(&retryTimer_, &QTimer::timeout, this, [this] {
        if (wanted_)
            start();
    });
    tickTimer_.setInterval(1000);
    connect(&tickTimer_, &QTimer::timeout, this, &CaptureOwner::tick);
}

CaptureOwner::~CaptureOwner()
{
    wanted_ = false;
    teardown();
}

QString CaptureOwner::stateName() const
{
    // The status names are the enumerators' (Q_ENUM), lower-cased: "stopped", ..., "error".
    return QString::fromLatin1(QMetaEnum::fromType<State>().valueToKey(int(state_))).toLower();
}

void CaptureOwner::setState(State state)
{
    if (state_ == state)
        return;
    state_ = state;
    emit stateChanged(state);
}

bool CaptureOwner::buildPipeline(QString *error)
{
    // The capture's zeroteesink must be this binary's class, whatever GST_PLUGIN_PATH says.
    if (!registerStaticElements()) {
        *error = QStringLiteral("cannot register the zerotee elements in-process");
        return false;
    }
    QString description = capturePipelineDescription(camera_, bool(branchFactory_));
    g_autoptr(GError) gerror = nullptr;
    GstElementHolder pipeline =
        sinkIntoHolder(gst_parse_launch(description.toUtf8().constData(), &gerror));
    if (!pipeline || gerror) {
        *error =
            QStringLiteral("cannot build the capture pipeline (%1): %2")
                .arg(description, QString::fromUtf8(gerror ? gerror->message : "unknown error"));
        return false;
    }
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline.get()), "bus");
    if (!sink || !ZEROTEE_IS_SINK(sink)) {
        // Only this binary's own ZeroteeSink can take a BusPublisher (see StaticElements.h).
        *error = QStringLiteral("the capture pipeline's zeroteesink is not this program's "
                                "element (%1)")
                     .arg(sink ? QString::fromUtf8(G_OBJECT_TYPE_NAME(sink))
                               : QStringLiteral("no element named 'bus'"));
        return false;
    }
    pipeline_ = std::move(pipeline);
    setSinkBusPublisher(ZEROTEE_SINK(sink), &publisher_);
    g_object_set(sink, "pool-size", guint(camera_.poolSize), NULL);
    g_object_set(sink, "max-pool-mib", guint(camera_.maxPoolMib), NULL);
    g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");
    gst_pad_add_probe(
        pad, GST_PAD_PROBE_TYPE_BUFFER,
        [](GstPad *, GstPadProbeInfo *, gpointer data) {
            static_cast<std::atomic<quint64> *>(data)->fetch_add(1, std::memory_order_relaxed);
            return GST_PAD_PROBE_OK;
        },
        &frameCounter_, nullptr);
    conversion_.watch(pad);
    g_autoptr(GstElement) tee = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "split");
    if (tee) {
        // tee does not pass a downstream pool upstream: answer the ALLOCATION query on its
        // sink pad with the bus sink's own answer, so the source still draws into the bus's
        // memfds and the branch reads the very same buffers.
        g_autoptr(GstPad) teeSink = gst_element_get_static_pad(tee, "sink");
        gst_pad_add_probe(
            teeSink, GST_PAD_PROBE_TYPE_QUERY_DOWNSTREAM,
            [](GstPad *, GstPadProbeInfo *info, gpointer data) {
                GstQuery *query = GST_PAD_PROBE_INFO_QUERY(info);
                if (GST_QUERY_TYPE(query) != GST_QUERY_ALLOCATION)
                    return GST_PAD_PROBE_OK;
                return gst_pad_query(static_cast<GstPad *>(data), query) ? GST_PAD_PROBE_HANDLED
                                                                         : GST_PAD_PROBE_OK;
            },
            // The probe keeps its own reference; GStreamer drops it with the probe.
            gst_object_ref(pad), gst_object_unref);
    }

    // Bus messages come from streaming threads: hand them to the main thread.
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_.get());
    QPointer<CaptureOwner> self(this);
    auto *guard = new QPointer<CaptureOwner>(self);
    gst_bus_set_sync_handler(
        bus,
        [](GstBus *, GstMessage *message, gpointer data) {
            auto *owner = static_cast<QPointer<CaptureOwner> *>(data);
            GstMessageType type = GST_MESSAGE_TYPE(message);
            CaptureOwner *current = owner->data();
            GstElement *branch = current ? current->branchForBus_.load() : nullptr;
            if (branch && (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_WARNING) &&
                gst_object_has_as_ancestor(GST_MESSAGE_SRC(message), GST_OBJECT(branch))) {
                // The branch is optional: its errors never fail the capture.
                g_autoptr(GError) branchError = nullptr;
                if (type == GST_MESSAGE_ERROR)
                    gst_message_parse_error(message, &branchError, nullptr);
                else
                    gst_message_parse_warning(message, &branchError, nullptr);
                QString reason = QStringLiteral("%1: %2").arg(
                    QString::fromUtf8(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))),
                    QString::fromUtf8(branchError->message));
                QPointer<CaptureOwner> target = *owner;
                const bool isError = type == GST_MESSAGE_ERROR;
                QMetaObject::invokeMethod(
                    target.data(),
                    [target, reason, isError] {
                        if (!target)
                            return;
                        if (isError)
                            target->handleBranchError(reason);
                        else
                            qCWarning(lcCapture).noquote()
                                << target->camera_.name << "preview branch:" << reason;
                    },
                    Qt::QueuedConnection);
                gst_message_unref(message); // DROP hands the message to the handler
                return GST_BUS_DROP;
            }
            if (type == GST_MESSAGE_ERROR) {
                // Kept at once: a failing state change posts its reason before it returns.
                g_autoptr(GError) busError = nullptr;
                gst_message_parse_error(message, &busError, nullptr);
                if (CaptureOwner *target = owner->data()) {
                    QMutexLocker lock(&target->busErrorMutex_);
                    target->busError_ = QStringLiteral("%1: %2").arg(
                        QString::fromUtf8(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))),
                        QString::fromUtf8(busError->message));
                }
            }
            if (type == GST_MESSAGE_ERROR || type == GST_MESSAGE_EOS ||
                type == GST_MESSAGE_WARNING) {
                // The queued call owns a reference until it ran (or was dropped unrun).
                auto held =
                    std::make_shared<GstMiniObjectHolder<GstMessage>>(gst_message_ref(message));
                QPointer<CaptureOwner> target = *owner;
                QMetaObject::invokeMethod(
                    target.data(),
                    [target, held] {
                        if (target)
                            target->handleMessage(held->get());
                    },
                    Qt::QueuedConnection);
            }
            // A sync handler that returns DROP owns the message and must unref it; without
            // this every message leaked, and with them the elements they name, so each capture
            // restart kept the old pipeline's elements and bus sockets.
            gst_message_unref(message);
            return GST_BUS_DROP;
        },
        guard, [](gpointer data) { delete static_cast<QPointer<CaptureOwner> *>(data); });
    return true;
}

void CaptureOwner::teardown()
{
    if (!pipeline_)
        return;
    const bool hadBranch = branch_ != nullptr;
    branchForBus_ = nullptr;
    branch_ = nullptr; // goes with the pipeline
    branchTeePad_.reset();
    gst_element_set_state(pipeline_.get(), GST_STATE_NULL);
    pipeline_.reset();
    tickTimer_.stop();
    if (hadBranch)
        emit branchAttachedChanged(false);
}

void CaptureOwner::start()
{
    wanted_ = true;
    retryTimer_.stop();
    teardown();
    setState(State::Starting);
    QString error;
    if (!buildPipeline(&error)) {
        fail(error);
        return;
    }
    retry_.recordStart(QDateTime::currentMSecsSinceEpoch());
    {
        QMutexLocker lock(&busErrorMutex_);
        busError_.clear();
    }
    GstStateChangeReturn ret = gst_element_set_state(pipeline_.get(), GST_STATE_PLAYING);
    if (ret == GST_STATE_CHANGE_FAILURE) {
        QMutexLocker lock(&busErrorMutex_);
        QString reason =
            busError_.isEmpty() ? QStringLiteral("the capture pipeline did not start") : busError_;
        lock.unlock();
        fail(QStringLiteral("%1 (%2)").arg(reason, camera_.source));
        return;
    }
    sinceLastFrame_.start();
    framesAtLastTick_ = frameCounter_;
    tickTimer_.start();
}

void CaptureOwner::stop()
{
    wanted_ = false;
    retryTimer_.stop();
    teardown();
    setState(State::Stopped);
}

void CaptureOwner::fail(const QString &reason)
{
    lastError_ = reason;
    qCWarning(lcCapture).noquote() << camera_.name << reason;
    teardown();
    setState(State::Error);
    emit failed(reason);
    if (!wanted_)
        return;
    RestartPolicy::Decision decision = retry_.recordCrash(QDateTime::currentMSecsSinceEpoch());
    retries_++;
    qCInfo(lcCapture).noquote() << camera_.name << "retrying in" << decision.delayMs << "ms";
    retryTimer_.start(decision.delayMs);
}

void CaptureOwner::handleMessage(GstMessage *message)
{
    if (!pipeline_ || GST_MESSAGE_SRC(message) == nullptr)
        return;
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
        g_autoptr(GError) error = nullptr;
        g_autofree gchar *debug = nullptr;
        gst_message_parse_error(message, &error, &debug);
        QString reason = QStringLiteral("%1: %2").arg(
            QString::fromUtf8(GST_OBJECT_NAME(GST_MESSAGE_SRC(message))),
            QString::fromUtf8(error->message));
        qCDebug(lcCapture).noquote() << camera_.name << "debug:" << debug;
        fail(reason);
        break;
    }
    case GST_MESSAGE_WARNING: {
        g_autoptr(GError) error = nullptr;
        gst_message_parse_warning(message, &error, nullptr);
        qCWarning(lcCapture).noquote() << camera_.name << error->message;
        break;
    }
    case GST_MESSAGE_EOS:
        if (sourceLoops(camera_)) {
            // A file source plays again from the start; consumers see a continuous stream.
            gst_element_seek_simple(pipeline_.get(), GST_FORMAT_TIME,
                                    GstSeekFlags(GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT), 0);
        } else {
            fail(QStringLiteral("the source ended"));
        }
        break;
    default:
        break;
    }
}

void CaptureOwner::tick()
{
    quint64 now = frameCounter_;
    quint64 delta = now - framesAtLastTick_;
    framesAtLastTick_ = now;
    frames_ = now;
    fps_ = double(delta);
    if (delta > 0) {
        sinceLastFrame_.restart();
        if (state_ != State::Running) {
            lastError_.clear();
            setState(State::Running);
            qCInfo(lcCapture).noquote() << camera_.name << "running:" << camera_.source
                                        << QStringLiteral("%1x%2 %3 @ %4 fps")
                                               .arg(camera_.width)
                                               .arg(camera_.height)
                                               .arg(camera_.format)
                                               .arg(camera_.fps);
            adoptSourcePool();
            attachBranch();
        }
    } else if (sinceLastFrame_.elapsed() > kStallMs) {
        fail(QStringLiteral("no frame for %1 s").arg(kStallMs / 1000));
    }
}

void CaptureOwner::adoptSourcePool()
{
    // A source that pushes its own buffers (a camera's videobuf2 buffers) has as many as it
    // allocated or can still create, whatever pool_size says: consumers are admitted against
    // that, so a pool that cannot grow degrades or refuses them instead of starving capture.
    g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "bus");
    g_autoptr(GstPad) pad = gst_element_get_static_pad(sink, "sink");
    sourcePool_ = sourcePool(pad);
    // zeroteesink sets the same bound from each frame's pool; the bus's own pool (not found
    // here) grows within max_pool_mib, which only the sink knows.
    if (sourcePool_.found) {
        std::lock_guard lock(publisher_.mutex());
        publisher_.publisher().setPoolCapacity(sourcePool_.maxBuffers, true);
    }
    if (sourcePool_.found)
        qCInfo(lcCapture).noquote()
            << camera_.name << "the bus lends the source's own buffers:" << sourcePool_.element
            << QStringLiteral("has %1, can grow to %2; consumers are admitted against %2")
                   .arg(sourcePool_.minBuffers)
                   .arg(sourcePool_.maxBuffers);
}

void CaptureOwner::setBranchFactory(BranchFactory factory)
{
    branchFactory_ = std::move(factory);
}

void CaptureOwner::attachBranch()
{
    if (!branchFactory_ || !pipeline_ || branch_ || state_ != State::Running)
        return;
    g_autoptr(GstElement) tee = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "split");
    if (!tee)
        return; // built before the factory was set
    GstElementHolder bin = sinkIntoHolder(branchFactory_());
    if (!bin)
        return;
    g_autoptr(GstPad) binSink = gst_element_get_static_pad(bin.get(), "sink");
    if (!binSink || !gst_bin_add(GST_BIN(pipeline_.get()), bin.get())) {
        handleBranchError(QStringLiteral("the branch has no sink pad"));
        return;
    }
    branch_ = bin.get(); // the pipeline holds it now; our reference goes with `bin`
    branchForBus_ = bin.get();
    // Running before linked: no buffer reaches a flushing pad. An async sink in the branch
    // must have async=false, or the live pipeline would wait for it to preroll.
    bool ok = gst_element_sync_state_with_parent(bin.get());
    if (ok) {
        branchTeePad_.reset(gst_element_request_pad_simple(tee, "src_%u"));
        ok = gst_pad_link(branchTeePad_.get(), binSink) == GST_PAD_LINK_OK;
    }
    if (!ok) {
        // Its reason, if an element posted one, arrives as a branch error (queued) as well.
        handleBranchError(QStringLiteral("the branch did not start"));
        return;
    }
    qCInfo(lcCapture).noquote() << camera_.name << "branch attached";
    emit branchAttachedChanged(true);
}

void CaptureOwner::detachBranch()
{
    if (!branch_)
        return;
    GstElement *bin = branch_;
    branch_ = nullptr;
    branchForBus_ = nullptr;
    if (branchTeePad_) {
        // tee deactivates the pad first (waiting for a push in progress); the queue at the head
        // of the branch never blocks, so this is short.
        g_autoptr(GstElement) tee = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "split");
        gst_element_release_request_pad(tee, branchTeePad_.get());
        branchTeePad_.reset();
    }
    gst_element_set_locked_state(bin, TRUE);
    gst_element_set_state(bin, GST_STATE_NULL);
    gst_bin_remove(GST_BIN(pipeline_.get()), bin);
    qCInfo(lcCapture).noquote() << camera_.name << "branch detached";
    emit branchAttachedChanged(false);
}

void CaptureOwner::handleBranchError(const QString &reason)
{
    qCWarning(lcCapture).noquote() << camera_.name << "branch failed, detaching it:" << reason;
    // An error queued before an earlier detach must not take a later branch with it.
    if (branch_)
        detachBranch();
    emit branchFailed(reason);
}

QJsonObject CaptureOwner::snapshot() const
{
    // Read before the frame counter, whose probe runs first: converted frames <= frames.
    const quint64 converted = conversion_.bytes();
    QJsonObject o{
        {QStringLiteral("name"), camera_.name},
        {QStringLiteral("source"), camera_.source},
        {QStringLiteral("state"), stateName()},
        {QStringLiteral("error"), lastError_},
        {QStringLiteral("fps"), fps_},
        {QStringLiteral("frames"), qint64(frameCounter_.load())},
        {QStringLiteral("retries"), retries_},
        {QStringLiteral("format"), camera_.format},
        {QStringLiteral("width"), camera_.width},
        {QStringLiteral("height"), camera_.height},
        {QStringLiteral("branch_attached"), branch_ != nullptr},
    };
    if (pipeline_) {
        g_autoptr(GstElement) sink = gst_bin_get_by_name(GST_BIN(pipeline_.get()), "bus");
        g_autoptr(GstStructure) stats = nullptr;
        g_object_get(sink, "stats", &stats, NULL);
        if (stats) {
            guint64 pixelCopied = 0, copied = 0;
            gst_structure_get_uint64(stats, "pixel-bytes-copied", &pixelCopied);
            gst_structure_get_uint64(stats, "bytes-copied", &copied);
            // A converter in front of the bus writes every pixel anew: a copy, counted as one.
            o.insert(QStringLiteral("pixel_bytes_copied"), qint64(pixelCopied + converted));
            o.insert(QStringLiteral("pixel_bytes_converted"), qint64(converted));
            o.insert(QStringLiteral("conversion"), conversion_.description());
            if (sourcePool_.found)
                o.insert(QStringLiteral("source_pool"),
                         QJsonObject{{QStringLiteral("element"), sourcePool_.element},
                                     {QStringLiteral("buffers"), int(sourcePool_.minBuffers)},
                                     {QStringLiteral("max_buffers"), int(sourcePool_.maxBuffers)}});
            o.insert(QStringLiteral("bytes_copied"), qint64(copied));
            // What the bus carries: upstream-dmabuf is the camera's own buffers.
            if (const gchar *memory = gst_structure_get_string(stats, "memory"))
                o.insert(QStringLiteral("memory"), QString::fromUtf8(memory));
        }
    }
    return o;
}

} // namespace zerotee
