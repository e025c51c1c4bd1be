#pragma once

#include <QList>
#include <QString>

namespace zerotee {

/// One finished recording on disk, as the recorder named it (see workers/recorder/README.md):
/// ROOT/<camera>/<YYYY-MM-DD>/<camera>_<YYYYMMDDTHHMMSS.mmmZ>[_<label>].<mkv|mp4>.
struct RecordingFile {
    QString path;       ///< absolute
    QString camera;     ///< camera folder name
    QString day;        ///< day folder name (the UTC date of the start time)
    QString label;      ///< event label; empty for a continuous segment
    qint64 startMs = 0; ///< capture start (event files: trigger time), ms since the epoch, UTC
    qint64 sizeBytes = 0;
    qint64 mtimeMs = 0; ///< modification time; with the size, the key of the duration cache
};

/// Lists the finished recordings below a recordings root, newest first. It walks the same
/// layout as the recorder's retention (DiskMonitor::finishedFiles, whose name parsing it reuses):
/// files being written (".part") and files whose names the recorder did not make are left out,
/// so a stray file in the folder never shows up as a recording and is never offered for deletion.
///
/// Pure functions of the file system; thread-safe.
class RecordingScan {
public:
    struct Result {
        QList<RecordingFile> files; ///< newest first
        QStringList cameraDirs;     ///< every camera folder (watched for new days)
        QStringList dayDirs;        ///< every day folder (watched for new files)
        qint64 partBytes = 0;       ///< bytes in files being written, for the disk usage figure
        QString error;              ///< empty, or why the root could not be read
    };

    static Result scan(const QString &rootPath);

    /// The event label in a recording's file name (base name or path) made for @p camera, or an
    /// empty string for a continuous segment or a name that is not one of the recorder's.
    static QString labelFromName(const QString &path, const QString &camera);
    /// True for the containers the recorder writes (".mkv", ".mp4").
    static bool isRecordingExtension(const QString &path);
    /// Sort order of the list: newest first, then by camera and path so the order is total.
    static bool newerFirst(const RecordingFile &a, const RecordingFile &b);
};

} // namespace zerotee
