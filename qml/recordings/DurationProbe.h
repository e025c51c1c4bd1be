#pragma once

#include <QObject>
#include <QString>

#include <atomic>

typedef struct _GstDiscoverer GstDiscoverer;

namespace zerotee {

/// Measures how long recordings play, with GStreamer's GstDiscoverer (what the player will use
/// too). A Matroska file without a declared duration (cut by a crash) is reported as Unknown:
/// the demuxer's estimate for such files is the start of the last cluster, short by up to a GOP.
///
/// Thread context: thread-bound to its own thread; the model moves it to a QThread and calls
/// probe() through queued invocations, so the GUI thread never waits on a file. probeFile() is
/// a blocking helper for any thread.
class DurationProbe : public QObject {
    Q_OBJECT
public:
    enum class Status { Known, Unknown, Unreadable };
    Q_ENUM(Status)

    struct Result {
        Status status = Status::Unreadable;
        double durationS = -1; ///< only for Known
        QString error;         ///< only for Unreadable: what GStreamer said
    };

    explicit DurationProbe(QObject *parent = nullptr);
    ~DurationProbe() override;

    /// Probes @p path now, on the calling thread; @p discoverer may be null (one is made).
    static Result probeFile(const QString &path, GstDiscoverer *discoverer = nullptr);

    /// Asks a probe that is running or queued to finish early (any thread).
    void cancel() { cancelled_ = true; }

public slots:
    /// Probes @p path and emits probed(); @p sizeBytes and @p mtimeMs come back unchanged, so the
    /// caller can tell whether the file changed meanwhile.
    void probe(const QString &path, qint64 sizeBytes, qint64 mtimeMs);

signals:
    void probed(const QString &path, qint64 sizeBytes, qint64 mtimeMs,
                zerotee::DurationProbe::Status status, double durationS, const QString &error);

private:
    GstDiscoverer *discoverer_ = nullptr; // made on first use, on this object's thread
    std::atomic<bool> cancelled_{false};
};

} // namespace zerotee
