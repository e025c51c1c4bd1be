#include "RecordingFixture.h"

#include "SegmentNamer.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QProcess>
#include <QThread>

#include <csignal>

namespace zerotee::test {

QString RecordingFixture::write(const QString &root, const FixtureClip &clip, QString *error)
{
    const SegmentNamer namer(root.toStdString(), clip.camera.toStdString(),
                             clip.container.toStdString());
    const QString path =
        QString::fromStdString(namer.finalPath(clip.startMs, clip.label.toStdString()));
    if (!QDir().mkpath(QFileInfo(path).absolutePath())) {
        *error = QStringLiteral("cannot create the folder of %1").arg(path);
        return {};
    }
    QStringList arguments{QStringLiteral("-q"), QStringLiteral("videotestsrc"),
                          QStringLiteral("pattern=") + clip.pattern};
    if (clip.killed)
        arguments << QStringLiteral("is-live=true");
    else
        arguments << QStringLiteral("num-buffers=%1").arg(clip.frames);
    arguments << QStringLiteral("!")
              << QStringLiteral("video/x-raw,width=%1,height=%2,framerate=30/1")
                     .arg(clip.width)
                     .arg(clip.height)
              << QStringLiteral("!") << QStringLiteral("x264enc")
              << QStringLiteral("speed-preset=ultrafast") << QStringLiteral("tune=zerolatency")
              << QStringLiteral("key-int-max=15") << QStringLiteral("!")
              << QStringLiteral("h264parse") << QStringLiteral("!")
              << (clip.container == u"mp4" ? QStringLiteral("mp4mux")
                                           : QStringLiteral("matroskamux"))
              << QStringLiteral("!") << QStringLiteral("filesink")
              << QStringLiteral("location=") + path;
    QProcess launch;
    launch.setProcessChannelMode(QProcess::MergedChannels);
    launch.start(QStringLiteral("gst-launch-1.0"), arguments);
    if (!launch.waitForStarted(10000)) {
        *error = QStringLiteral("gst-launch-1.0 did not start: %1").arg(launch.errorString());
        return {};
    }
    if (clip.killed) {
        // Like the recorder after a kill -9: clusters on disk, no duration in the header.
        QThread::msleep(2200);
        ::kill(pid_t(launch.processId()), SIGKILL);
        launch.waitForFinished(10000);
    } else if (!launch.waitForFinished(60000) || launch.exitStatus() != QProcess::NormalExit ||
               launch.exitCode() != 0) {
        *error = QStringLiteral("gst-launch-1.0 failed for %1: %2")
                     .arg(path, QString::fromLocal8Bit(launch.readAll()));
        return {};
    }
    if (QFileInfo(path).size() <= 0) {
        *error = QStringLiteral("gst-launch-1.0 wrote nothing to %1").arg(path);
        return {};
    }
    return path;
}

} // namespace zerotee::test
