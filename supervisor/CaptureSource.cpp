#include "CaptureSource.h"

#include <gst/gst.h>

#include <algorithm>
#include <cmath>

namespace zerotee {

namespace {

bool hasElement(const char *name)
{
    g_autoptr(GstElementFactory) factory = gst_element_factory_find(name);
    return factory != nullptr;
}

QString quoted(const QString &path)
{
    QString escaped = path;
    escaped.replace(u'\\', QStringLiteral("\\\\")).replace(u'"', QStringLiteral("\\\""));
    return u'"' + escaped + u'"';
}

/// videotestsrc's ball has a fixed radius of 20 pixels: at 1920x1080 it covered 0.06 % of the
/// frame, less than the AI's smallest motion box once scaled to its 320-pixel working width,
/// and the demo's AI saw nothing. Drawn at most kTestWidth wide and scaled up, the ball is the
/// same share of the picture (6 % of the width) at every size.
QString testSourceDescription(const CameraConfig &camera)
{
    constexpr int kTestWidth = 640;
    const QString source = QStringLiteral("videotestsrc is-live=true pattern=ball");
    if (camera.width <= kTestWidth)
        return source;
    const int height =
        std::max(2, int(std::lround(double(kTestWidth) * camera.height / camera.width / 2.0)) * 2);
    // One bin: the test source is the camera, and the frames it renders at the bus size are its
    // own (CaptureConversion sees the bin's output, as it sees a camera's), not a conversion of
    // a camera's frames.
    return QStringLiteral("bin.( %1 ! capsfilter caps=\"video/x-raw,width=%2,height=%3\" ! "
                          "videoscale )")
        .arg(source)
        .arg(kTestWidth)
        .arg(height);
}

} // namespace

QString capturePipelineDescription(const CameraConfig &camera, bool withBranchTee)
{
    QString source;
    if (camera.source == QStringLiteral("test"))
        source = testSourceDescription(camera);
    else if (camera.source.startsWith(QStringLiteral("v4l2:")))
        source =
            QStringLiteral("v4l2src device=%1 io-mode=dmabuf").arg(quoted(camera.source.mid(5)));
    else if (camera.source.startsWith(QStringLiteral("file:")))
        // identity sync=true paces a file to real time, as a camera would deliver it.
        source = QStringLiteral("filesrc location=%1 ! decodebin ! identity sync=true")
                     .arg(quoted(camera.source.mid(5)));
    else
        source = camera.source.mid(QStringLiteral("pipeline:").size());

    // The configuration (or a hardware profile) may name the converter; else the registry picks.
    QString convert = camera.converter;
    if (convert.isEmpty() && hasElement("imxvideoconvert_g2d"))
        convert = QStringLiteral("imxvideoconvert_g2d");
    else if (convert.isEmpty() && hasElement("v4l2convert"))
        convert = QStringLiteral("v4l2convert");
    else if (convert.isEmpty())
        convert = QStringLiteral("videoconvert ! videoscale");

    // videorate only drops: a duplicating videorate keeps the previous buffer and upstream then
    // allocates a fresh buffer for every frame (a new memfd and registration per frame).
    return QStringLiteral("%1 ! %2 ! videorate drop-only=true ! capsfilter "
                          "caps=\"video/x-raw,format=%3,width=%4,"
                          "height=%5,framerate=%6/1\" ! %7zeroteesink name=bus")
        .arg(source, convert, camera.format)
        .arg(camera.width)
        .arg(camera.height)
        .arg(camera.fps)
        .arg(withBranchTee ? QStringLiteral("tee name=split allow-not-linked=true ! ") : QString());
}

bool sourceLoops(const CameraConfig &camera)
{
    return camera.source.startsWith(QStringLiteral("file:"));
}

} // namespace zerotee
