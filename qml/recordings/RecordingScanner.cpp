#include "RecordingScanner.h"

#include "SegmentNamer.h"

#include <QDir>
#include <QFileInfo>

#include <algorithm>

namespace zerotee {

std::optional<RecordingEntry> RecordingScanner::parse(const QString &root, const QString &camera,
                                                      const QString &day, const QString &fileName)
{
    const QString suffix = QFileInfo(fileName).suffix();
    if (suffix != u"mkv" && suffix != u"mp4")
        return std::nullopt; // ".part" files end in "part" and are skipped here too
    const std::optional<int64_t> startMs = SegmentNamer::timeFromName(fileName.toStdString());
    if (!startMs)
        return std::nullopt;

    // Rebuild the name the recorder gives a file of this camera and time; what follows its stem
    // is the event label. This also checks the camera and day folders.
    const SegmentNamer namer(root.toStdString(), camera.toStdString(), suffix.toStdString());
    const QString expected = QString::fromStdString(namer.finalPath(*startMs));
    const QString path = root + u'/' + camera + u'/' + day + u'/' + fileName;
    RecordingEntry entry{
        .filePath = path, .camera = camera, .day = day, .startMs = *startMs, .container = suffix};
    if (path == expected)
        return entry;
    const QString stem = expected.chopped(suffix.size() + 1) + u'_';
    if (!path.startsWith(stem))
        return std::nullopt;
    const QString label = path.mid(stem.size()).chopped(suffix.size() + 1);
    if (label.isEmpty() ||
        QString::fromStdString(SegmentNamer::sanitiseLabel(label.toStdString())) != label)
        return std::nullopt;
    entry.eventLabel = label;
    return entry;
}

RecordingScanner::Result RecordingScanner::scan(const QString &rootPath)
{
    Result result;
    QString root = QDir::cleanPath(rootPath);
    const QFileInfo rootInfo(root);
    if (rootPath.isEmpty()) {
        result.error = QStringLiteral("No recordings folder is set: configure the recorder's "
                                      "'dir' option.");
        return result;
    }
    if (!rootInfo.exists()) {
        result.error = QStringLiteral("The recordings folder %1 does not exist yet: start a "
                                      "recorder, or check the recorder's 'dir' option.")
                           .arg(root);
        return result;
    }
    if (!rootInfo.isDir() || !rootInfo.isReadable()) {
        result.error = QStringLiteral("The recordings folder %1 cannot be read: give the panel's "
                                      "user read access to it.")
                           .arg(root);
        return result;
    }
    root = rootInfo.absoluteFilePath();
    result.directories << root;

    const QDir::Filters folders = QDir::Dirs | QDir::NoDotAndDotDot;
    for (const QFileInfo &camera : QDir(root).entryInfoList(folders, QDir::Name)) {
        result.directories << camera.absoluteFilePath();
        for (const QFileInfo &day : QDir(camera.absoluteFilePath()).entryInfoList(folders)) {
            result.directories << day.absoluteFilePath();
            const QFileInfoList files =
                QDir(day.absoluteFilePath())
                    .entryInfoList({QStringLiteral("*.mkv"), QStringLiteral("*.mp4")}, QDir::Files);
            for (const QFileInfo &file : files) {
                std::optional<RecordingEntry> entry =
                    parse(root, camera.fileName(), day.fileName(), file.fileName());
                if (!entry)
                    continue;
                entry->sizeBytes = file.size();
                entry->mtimeMs = file.lastModified().toMSecsSinceEpoch();
                result.entries.push_back(std::move(*entry));
            }
        }
    }
    std::sort(result.entries.begin(), result.entries.end(),
              [](const RecordingEntry &a, const RecordingEntry &b) {
                  if (a.startMs != b.startMs)
                      return a.startMs > b.startMs;
                  return a.filePath < b.filePath;
              });
    return result;
}

} // namespace zerotee
