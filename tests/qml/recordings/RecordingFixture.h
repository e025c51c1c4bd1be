#pragma once

#include <QString>
#include <QtGlobal>

namespace zerotee::test {

/// Writes real recordings with gst-launch-1.0 (videotestsrc ! x264enc ! matroskamux|mp4mux) at
/// the paths the recorder uses (its own SegmentNamer), for the Recordings page's tests.
///
/// Thread context: blocking helper; call from the test's thread.
struct FixtureClip {
    QString camera = QStringLiteral("cam0");
    qint64 startMs = 0; ///< UTC ms since the epoch (names the file and its day folder)
    QString label;      ///< event label, "" for a continuous segment
    QString container = QStringLiteral("mkv");
    int frames = 60; ///< at 30 fps
    QString pattern = QStringLiteral("smpte");
    int width = 320;
    int height = 180;
    /// Write it live and kill -9 the writer after about 2 s (a recording cut by a crash).
    bool killed = false;
};

class RecordingFixture {
public:
    /// Writes @p clip below @p root; returns its path, or "" with @p error set.
    static QString write(const QString &root, const FixtureClip &clip, QString *error);
};

} // namespace zerotee::test
