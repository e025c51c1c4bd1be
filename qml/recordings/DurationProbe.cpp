#include "DurationProbe.h"

#include "MatroskaHeader.h"

#include <gst/gst.h>
#include <gst/pbutils/pbutils.h>

namespace zerotee {

namespace {

// Generous: a 1 GB segment on a slow SD card still answers well inside this.
constexpr GstClockTime kDiscoverTimeout = 15 * GST_SECOND;

GstDiscoverer *makeDiscoverer(QString *error)
{
    if (!gst_is_initialized())
        gst_init(nullptr, nullptr);
    g_autoptr(GError) gerror = nullptr;
    GstDiscoverer *discoverer = gst_discoverer_new(kDiscoverTimeout, &gerror);
    if (!discoverer && error)
        *error = QString::fromUtf8(gerror ? gerror->message : "gst_discoverer_new failed");
    return discoverer;
}

} // namespace

DurationProbe::DurationProbe(QObject *parent) : QObject(parent)
{
    qRegisterMetaType<zerotee::DurationProbe::Status>();
}

DurationProbe::~DurationProbe()
{
    if (discoverer_)
        g_object_unref(discoverer_); // stopped and released after the probes it ran
}

DurationProbe::Result DurationProbe::probeFile(const QString &path, GstDiscoverer *discoverer)
{
    Result result;
    g_autoptr(GstDiscoverer) own = nullptr;
    if (!discoverer) {
        own = makeDiscoverer(&result.error);
        if (!own)
            return result;
        discoverer = own;
    }
    g_autofree gchar *uri = gst_filename_to_uri(path.toLocal8Bit().constData(), nullptr);
    if (!uri) {
        result.error = QStringLiteral("not a valid file name");
        return result;
    }
    g_autoptr(GError) gerror = nullptr;
    g_autoptr(GstDiscovererInfo) info = gst_discoverer_discover_uri(discoverer, uri, &gerror);
    const GstDiscovererResult outcome =
        info ? gst_discoverer_info_get_result(info) : GST_DISCOVERER_ERROR;
    if (outcome != GST_DISCOVERER_OK) {
        result.error =
            gerror ? QString::fromUtf8(gerror->message)
                   : QStringLiteral("GStreamer could not read it (result %1)").arg(int(outcome));
        return result;
    }
    const MatroskaHeader::Info header = MatroskaHeader::read(path.toStdString());
    const GstClockTime duration = gst_discoverer_info_get_duration(info);
    if ((header.matroska && !header.durationS) || !GST_CLOCK_TIME_IS_VALID(duration) ||
        duration == 0) {
        result.status = Status::Unknown;
        return result;
    }
    result.status = Status::Known;
    result.durationS = double(duration) / double(GST_SECOND);
    return result;
}

void DurationProbe::probe(const QString &path, qint64 sizeBytes, qint64 mtimeMs)
{
    if (cancelled_)
        return;
    if (!discoverer_) {
        QString error;
        discoverer_ = makeDiscoverer(&error);
        if (!discoverer_) {
            emit probed(path, sizeBytes, mtimeMs, Status::Unreadable, -1, error);
            return;
        }
    }
    const Result result = probeFile(path, discoverer_);
    emit probed(path, sizeBytes, mtimeMs, result.status, result.durationS, result.error);
}

} // namespace zerotee
