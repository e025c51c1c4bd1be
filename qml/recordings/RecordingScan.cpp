#include "RecordingScan.h"

#include "DiskMonitor.h"
#include "SegmentNamer.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>

#include <algorithm>

namespace zerotee {

namespace {

// The recorder's rule for --camera: folder names that are not camera names are not ours.
const QRegularExpression kCameraName(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"));
// "_" + YYYYMMDDTHHMMSS.mmmZ after the camera prefix, as SegmentNamer::finalPath writes it.
constexpr qsizetype kStampLength = 21;

} // namespace

bool RecordingScan::isRecordingExtension(const QString &path)
{
    return path.endsWith(QLatin1String(".mkv")) || path.endsWith(QLatin1String(".mp4"));
}

QString RecordingScan::labelFromName(const QString &path, const QString &camera)
{
    const QString base = QFileInfo(path).fileName();
    const QString prefix = camera + u'_';
    // The stamp must follow the camera prefix directly ("_" + stamp), as the recorder writes it.
    if (!base.startsWith(prefix) ||
        !SegmentNamer::timeFromName(base.mid(prefix.size() - 1, kStampLength).toStdString()))
        return {};
    const qsizetype dot = base.lastIndexOf(u'.');
    const qsizetype afterStamp = prefix.size() - 1 + kStampLength;
    if (dot <= afterStamp || base.at(afterStamp) != u'_')
        return {};
    return base.mid(afterStamp + 1, dot - afterStamp - 1);
}

bool RecordingScan::newerFirst(const RecordingFile &a, const RecordingFile &b)
{
    if (a.startMs != b.startMs)
        return a.startMs > b.startMs;
    if (a.camera != b.camera)
        return a.camera < b.camera;
    return a.path < b.path;
}

RecordingScan::Result RecordingScan::scan(const QString &rootPath)
{
    Result result;
    const QDir root(rootPath);
    if (rootPath.isEmpty()) {
        result.error = QStringLiteral("no recordings folder is set");
        return result;
    }
    if (!QFileInfo(rootPath).isDir()) {
        result.error = QStringLiteral("the recordings folder %1 does not exist").arg(rootPath);
        return result;
    }
    if (!QFileInfo(rootPath).isReadable()) {
        result.error = QStringLiteral("the recordings folder %1 cannot be read").arg(rootPath);
        return result;
    }

    const QStringList cameras = root.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
    for (const QString &camera : cameras) {
        if (!kCameraName.match(camera).hasMatch())
            continue;
        const QString cameraDir = root.absoluteFilePath(camera);
        result.cameraDirs << cameraDir;
        for (const QString &day :
             QDir(cameraDir).entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
            result.dayDirs << QDir(cameraDir).absoluteFilePath(day);

        // The extension only matters for naming new files; the scan lists every one of ours.
        const SegmentNamer namer(root.absolutePath().toStdString(), camera.toStdString(), "mkv");
        const DiskMonitor disk(namer);
        for (const RetentionPolicy::File &file : disk.finishedFiles()) {
            const QString path = QString::fromStdString(file.path);
            if (!isRecordingExtension(path))
                continue;
            const QFileInfo info(path);
            result.files.append(RecordingFile{
                .path = info.absoluteFilePath(),
                .camera = camera,
                .day = info.dir().dirName(),
                .label = labelFromName(path, camera),
                .startMs = file.startMs,
                .sizeBytes = file.sizeBytes,
                .mtimeMs = info.lastModified().toMSecsSinceEpoch(),
            });
        }
        for (const std::string &part : disk.partFiles())
            result.partBytes += QFileInfo(QString::fromStdString(part)).size();
    }
    std::sort(result.files.begin(), result.files.end(), newerFirst);
    return result;
}

} // namespace zerotee
