#include "DurationProber.h"

#include <QUrl>

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

namespace zerotee {

DurationProber::DurationProber(QObject *parent) : QObject(parent)
{
    if (!gst_is_initialized())
        gst_init(nullptr, nullptr);
    thread_.setObjectName(QStringLiteral("duration-prober"));
    worker_ = new QObject;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.start(QThread::LowPriority);
}

DurationProber::~DurationProber()
{
    // Queued probes still run to their end; each is bounded by the discoverer's timeout.
    thread_.quit();
    thread_.wait();
}

std::optional<DurationProber::Result> DurationProber::cached(const QString &path, qint64 sizeBytes,
                                                             qint64 mtimeMs) const
{
    const auto it = cache_.constFind(path);
    if (it == cache_.cend() || it->sizeBytes != sizeBytes || it->mtimeMs != mtimeMs)
        return std::nullopt;
    return it->result;
}

void DurationProber::request(const QString &path, qint64 sizeBytes, qint64 mtimeMs)
{
    if (cached(path, sizeBytes, mtimeMs))
        return;
    const auto key = std::make_pair(sizeBytes, mtimeMs);
    const auto queued = pending_.constFind(path);
    if (queued != pending_.cend() && *queued == key)
        return;
    const bool wasBusy = busy();
    pending_.insert(path, key);
    if (!wasBusy)
        emit busyChanged();

    QMetaObject::invokeMethod(worker_, [this, path, sizeBytes, mtimeMs] {
        const Result result = probe(path);
        // Back on the owner's thread; the destructor waits for this thread, so `this` lives.
        QMetaObject::invokeMethod(this, [this, path, sizeBytes, mtimeMs, result] {
            const auto key = std::make_pair(sizeBytes, mtimeMs);
            const auto queued = pending_.constFind(path);
            if (queued != pending_.cend() && *queued == key)
                pending_.remove(path);
            cache_.insert(path, Entry{sizeBytes, mtimeMs, result});
            emit probed(path);
            if (!busy())
                emit busyChanged();
        });
    });
}

void DurationProber::forgetExcept(const QSet<QString> &paths)
{
    for (auto it = cache_.begin(); it != cache_.end();) {
        if (paths.contains(it.key()))
            ++it;
        else
            it = cache_.erase(it);
    }
}

DurationProber::Result DurationProber::probe(const QString &path, int timeoutSeconds)
{
    Result result;
    GError *error = nullptr;
    GstDiscoverer *discoverer =
        gst_discoverer_new(GstClockTime(timeoutSeconds) * GST_SECOND, &error);
    if (!discoverer) {
        result.error = QStringLiteral("cannot create a GstDiscoverer: %1")
                           .arg(QString::fromUtf8(error ? error->message : "unknown error"));
        g_clear_error(&error);
        return result;
    }
    const QByteArray uri = QUrl::fromLocalFile(path).toEncoded();
    GstDiscovererInfo *info = gst_discoverer_discover_uri(discoverer, uri.constData(), &error);
    if (info) {
        const GstClockTime duration = gst_discoverer_info_get_duration(info);
        // Matroska after a kill has no duration element: the discoverer says NONE or 0.
        if (GST_CLOCK_TIME_IS_VALID(duration) && duration > 0) {
            result.known = true;
            result.seconds = double(duration) / double(GST_SECOND);
        }
        if (gst_discoverer_info_get_result(info) != GST_DISCOVERER_OK && !result.known)
            result.error = QString::fromUtf8(error ? error->message : "the file cannot be read");
        gst_discoverer_info_unref(info);
    } else {
        result.error = QString::fromUtf8(error ? error->message : "the file cannot be read");
    }
    g_clear_error(&error);
    g_object_unref(discoverer);
    return result;
}

} // namespace zerotee
