#pragma once

#include "DurationProbe.h"
#include "RecordingEntry.h"
#include "RecordingScanner.h"
#include "RetentionPolicy.h"
#include "RetentionSummary.h"

#include <QAbstractListModel>
#include <QFileSystemWatcher>
#include <QFutureWatcher>
#include <QHash>
#include <QSet>
#include <QThread>
#include <QTimer>
#include <QVariantMap>
#include <QtQml/qqmlregistration.h>

#include <vector>

namespace zerotee {

/// The recordings below a recorder's output folder (<rootPath>/<camera>/<day>/<file>), newest
/// first, filtered by camera and day, with how long each plays, disk usage and what retention
/// does. Follows the folder as the recorder writes (QFileSystemWatcher) and deletes files.
///
/// Durations are measured with GstDiscoverer on a thread of the model's own and cached by path,
/// size and modification time: the visible rows are measured first; a row shows
/// durationStatus "probing" until then, "unknown" for a Matroska file a crash left without a
/// duration, "unreadable" for a file GStreamer cannot read.
///
/// Thread context: thread-bound to the GUI thread. Scans run on Qt's global thread pool, probes
/// on the model's probe thread; both report back through queued signals.
class RecordingsModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    /// The recorder's --dir (the configuration's recorder option "dir").
    Q_PROPERTY(QString rootPath READ rootPath WRITE setRootPath NOTIFY rootPathChanged)
    /// Show only this camera / this day ("YYYY-MM-DD", UTC as in the folder names); "" = all.
    Q_PROPERTY(
        QString cameraFilter READ cameraFilter WRITE setCameraFilter NOTIFY cameraFilterChanged)
    Q_PROPERTY(QString dayFilter READ dayFilter WRITE setDayFilter NOTIFY dayFilterChanged)
    /// Cameras found, sorted; days found for the camera filter, newest first.
    Q_PROPERTY(QStringList cameras READ cameras NOTIFY camerasChanged)
    Q_PROPERTY(QStringList days READ days NOTIFY daysChanged)
    /// Rows after filtering.
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    /// Bytes of all recordings under rootPath, and of the rows shown.
    Q_PROPERTY(qint64 totalBytes READ totalBytes NOTIFY totalsChanged)
    Q_PROPERTY(qint64 shownBytes READ shownBytes NOTIFY totalsChanged)
    /// File system of rootPath: free bytes for an unprivileged writer (statvfs f_bavail, as the
    /// recorder counts) and its size; -1 when unknown.
    Q_PROPERTY(qint64 freeBytes READ freeBytes NOTIFY diskChanged)
    Q_PROPERTY(qint64 diskBytes READ diskBytes NOTIFY diskChanged)
    /// The recorder worker's options (keys max_age_hours, max_total_mb, min_free_mb; others are
    /// ignored), as in the configuration file.
    Q_PROPERTY(QVariantMap retentionOptions READ retentionOptions WRITE setRetentionOptions NOTIFY
                   retentionChanged)
    Q_PROPERTY(QString retentionText READ retentionText NOTIFY retentionChanged)
    /// Recordings over the limits now (the recorder deletes them at its next check).
    Q_PROPERTY(int retentionDueFiles READ retentionDueFiles NOTIFY retentionChanged)
    Q_PROPERTY(qint64 retentionDueBytes READ retentionDueBytes NOTIFY retentionChanged)
    /// What went wrong last and what to do about it, for a banner; "" when all is well.
    Q_PROPERTY(QString errorMessage READ errorMessage NOTIFY errorMessageChanged)
    Q_PROPERTY(bool scanning READ scanning NOTIFY scanningChanged)
    /// Files whose duration is still being measured.
    Q_PROPERTY(int pendingProbes READ pendingProbes NOTIFY pendingProbesChanged)

public:
    enum Role {
        CameraRole = Qt::UserRole + 1,
        DayRole,
        StartTimeRole,      ///< QDateTime (UTC)
        DurationSRole,      ///< seconds; -1 unless durationStatus is "known"
        DurationStatusRole, ///< "probing", "known", "unknown", "unreadable"
        SizeBytesRole,
        EventLabelRole, ///< "" for continuous segments
        IsEventRole,
        FilePathRole,
        UrlRole, ///< file:// URL for MediaPlayer
    };
    Q_ENUM(Role)

    explicit RecordingsModel(QObject *parent = nullptr);
    ~RecordingsModel() override;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QHash<int, QByteArray> roleNames() const override;

    QString rootPath() const { return rootPath_; }
    void setRootPath(const QString &path);
    QString cameraFilter() const { return cameraFilter_; }
    void setCameraFilter(const QString &camera);
    QString dayFilter() const { return dayFilter_; }
    void setDayFilter(const QString &day);
    QStringList cameras() const { return cameras_; }
    QStringList days() const { return days_; }
    qint64 totalBytes() const { return totalBytes_; }
    qint64 shownBytes() const { return shownBytes_; }
    qint64 freeBytes() const { return freeBytes_; }
    qint64 diskBytes() const { return diskBytes_; }
    QVariantMap retentionOptions() const { return retentionOptions_; }
    void setRetentionOptions(const QVariantMap &options);
    QString retentionText() const { return retentionText_; }
    int retentionDueFiles() const { return due_.files; }
    qint64 retentionDueBytes() const { return due_.bytes; }
    QString errorMessage() const { return errorMessage_; }
    bool scanning() const { return scanning_; }
    int pendingProbes() const { return pendingProbes_; }

    /// Scans the folder again (it is also rescanned by itself when the folder changes).
    Q_INVOKABLE void refresh();
    /// Deletes the recording in @p row (of the filtered rows) from disk. Returns false and sets
    /// errorMessage when it cannot (e.g. no write permission on its folder).
    Q_INVOKABLE bool remove(int row);
    /// The row's roles by name ({} when out of range), for the page's player and dialog.
    Q_INVOKABLE QVariantMap get(int row) const;
    /// The row showing @p filePath, or -1.
    Q_INVOKABLE int indexOfPath(const QString &filePath) const;
    Q_INVOKABLE void clearError();

signals:
    void rootPathChanged();
    void cameraFilterChanged();
    void dayFilterChanged();
    void camerasChanged();
    void daysChanged();
    void countChanged();
    void totalsChanged();
    void diskChanged();
    void retentionChanged();
    void errorMessageChanged();
    void scanningChanged();
    void pendingProbesChanged();
    /// A scan was applied (rows, cameras, days are current).
    void scanFinished();
    /// Every known duration is measured (pendingProbes is 0).
    void probesFinished();
    /// @p filePath was deleted.
    void removed(const QString &filePath);

private:
    struct Duration {
        qint64 sizeBytes = -1;
        qint64 mtimeMs = -1;
        DurationProbe::Status status = DurationProbe::Status::Unreadable;
        double durationS = -1;
        QString error;
    };

    void startScan();
    void applyScan(RecordingScanner::Result result);
    void applyRows();
    void updateFilterLists();
    void updateTotals();
    void updateDisk();
    void updateRetention();
    void updateWatchedDirectories(const QStringList &directories);
    void setError(const QString &message, bool fromScan);
    void setScanning(bool scanning);
    void pumpProbes();
    void onProbed(const QString &path, qint64 sizeBytes, qint64 mtimeMs,
                  zerotee::DurationProbe::Status status, double durationS, const QString &error);
    bool needsProbe(const RecordingEntry &entry) const;
    const Duration *durationOf(const RecordingEntry &entry) const;
    bool matchesFilter(const RecordingEntry &entry) const;
    int rowOfPath(const QString &path) const;
    void countPendingProbes();

    QString rootPath_;
    QString cameraFilter_;
    QString dayFilter_;
    QStringList cameras_;
    QStringList days_;
    std::vector<RecordingEntry> all_;  // every recording, newest first
    std::vector<RecordingEntry> rows_; // the filtered ones, in the same order
    mutable QHash<QString, int> rowIndex_;
    mutable bool rowIndexDirty_ = true;
    qint64 totalBytes_ = 0;
    qint64 shownBytes_ = 0;
    qint64 freeBytes_ = -1;
    qint64 diskBytes_ = -1;
    QVariantMap retentionOptions_;
    RetentionPolicy::Limits limits_;
    QString retentionText_;
    RetentionSummary::Due due_;
    QString errorMessage_;
    bool errorFromScan_ = false;
    bool scanning_ = false;
    bool rescanPending_ = false;

    QFileSystemWatcher watcher_;
    QTimer rescanDelay_; // coalesces bursts of directory changes into one scan
    QTimer diskTimer_;   // free space changes while the recorder writes
    QFutureWatcher<RecordingScanner::Result> scan_;

    QThread probeThread_;
    DurationProbe *probe_ = nullptr; // lives on probeThread_, deleted when it finishes
    QHash<QString, Duration> durations_;
    QString probeInFlight_;
    int pendingProbes_ = 0;
};

} // namespace zerotee
