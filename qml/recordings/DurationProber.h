#pragma once

#include <QHash>
#include <QObject>
#include <QSet>
#include <QString>
#include <QThread>

#include <optional>

namespace zerotee {

/// Finds how long recordings are, with GStreamer's GstDiscoverer, on a thread of its own so the
/// GUI never waits on a disk or a demuxer. Results are cached per path and keyed by size and
/// modification time: a file that changes is probed again, an unchanged one never.
///
/// A Matroska file cut by a crash or kill -9 (the recorder renames it and keeps it) carries no
/// duration in its header; that is reported as "unknown" (Known = false) rather than guessed.
///
/// Thread context: thread-bound (the thread that created it, the GUI thread); the probes run
/// one at a time on an internal worker thread.
class DurationProber : public QObject {
    Q_OBJECT
public:
    struct Result {
        bool known = false; ///< false: the container does not say (or the probe failed)
        double seconds = 0; ///< valid when known
        QString error;      ///< why the probe failed; empty when the file simply has no duration
    };

    explicit DurationProber(QObject *parent = nullptr);
    ~DurationProber() override;

    /// The cached result for this version of the file, if it has been probed.
    std::optional<Result> cached(const QString &path, qint64 sizeBytes, qint64 mtimeMs) const;
    /// Queues a probe unless this version of the file is cached or already queued; probed()
    /// follows.
    void request(const QString &path, qint64 sizeBytes, qint64 mtimeMs);
    /// True while probes are queued or running.
    bool busy() const { return !pending_.isEmpty(); }
    /// Drops cached results of files that are gone (keeps the cache bounded by the listing).
    void forgetExcept(const QSet<QString> &paths);

    /// Probes @p path now, on the calling thread (blocking, up to @p timeoutSeconds).
    static Result probe(const QString &path, int timeoutSeconds = 10);

signals:
    /// The result for @p path is in the cache.
    void probed(const QString &path);
    void busyChanged();

private:
    struct Entry {
        qint64 sizeBytes = 0;
        qint64 mtimeMs = 0;
        Result result;
    };

    QThread thread_;
    QObject *worker_ = nullptr; ///< lives in thread_: the context the probes run in
    QHash<QString, Entry> cache_;
    QHash<QString, std::pair<qint64, qint64>> pending_; ///< path → (size, mtime) queued
};

} // namespace zerotee
