#pragma once

#include <QString>
#include <QtGlobal>

namespace zerotee {

/// One finished recording found on disk, as the recorder named it:
/// <root>/<camera>/<YYYY-MM-DD>/<camera>_<YYYYMMDDTHHMMSS.mmmZ>[_<label>].<mkv|mp4>.
struct RecordingEntry {
    QString filePath;   ///< absolute path
    QString camera;     ///< camera folder
    QString day;        ///< day folder (UTC date of the start time)
    qint64 startMs = 0; ///< capture start (event clips: trigger time), ms since the epoch, UTC
    qint64 sizeBytes = 0;
    qint64 mtimeMs = 0; ///< last modification, for the duration cache
    QString eventLabel; ///< empty for continuous segments
    QString container;  ///< "mkv" or "mp4"

    bool isEvent() const { return !eventLabel.isEmpty(); }
};

} // namespace zerotee
