#include "RecordingsModel.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QUrl>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sys/statvfs.h>
#include <unistd.h>

namespace zerotee {

namespace {

constexpr int kRescanDelayMs = 300;
constexpr int kDiskIntervalMs = 5000;

QString statusName(DurationProbe::Status status)
{
    switch (status) {
    case DurationProbe::Status::Known:
        return QStringLiteral("known");
    case DurationProbe::Status::Unknown:
        return QStringLiteral("unknown");
    case DurationProbe::Status::Unreadable:
        return QStringLiteral("unreadable");
    }
    return {};
}

} // namespace

RecordingsModel::RecordingsModel(QObject *parent) : QAbstractListModel(parent)
{
    rescanDelay_.setSingleShot(true);
    rescanDelay_.setInterval(kRescanDelayMs);
    connect(&rescanDelay_, &QTimer::timeout, this, &RecordingsModel::refresh);
    connect(&watcher_, &QFileSystemWatcher::directoryChanged, this,
            [this] { rescanDelay_.start(); });
    diskTimer_.setInterval(kDiskIntervalMs);
    connect(&diskTimer_, &QTimer::timeout, this, &RecordingsModel::updateDisk);
    connect(&scan_, &QFutureWatcher<RecordingScanner::Result>::finished, this,
            [this] { applyScan(scan_.result()); });

    probe_ = new DurationProbe;
    probe_->moveToThread(&probeThread_);
    connect(&probeThread_, &QThread::finished, probe_, &QObject::deleteLater);
    connect(probe_, &DurationProbe::probed, this, &RecordingsModel::onProbed);
    probeThread_.setObjectName(QStringLiteral("recordings-probe"));
    probeThread_.start();

    retentionText_ = RetentionSummary::describe(limits_);
}

RecordingsModel::~RecordingsModel()
{
    probe_->cancel();
    probeThread_.quit();
    probeThread_.wait();
    scan_.waitForFinished();
}

int RecordingsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QVariant RecordingsModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const RecordingEntry &entry = rows_[size_t(index.row())];
    switch (role) {
    case Qt::DisplayRole:
        return QFileInfo(entry.filePath).fileName();
    case CameraRole:
        return entry.camera;
    case DayRole:
        return entry.day;
    case StartTimeRole:
        return QDateTime::fromMSecsSinceEpoch(entry.startMs, Qt::UTC);
    case DurationSRole: {
        const Duration *duration = durationOf(entry);
        return duration && duration->status == DurationProbe::Status::Known ? duration->durationS
                                                                            : -1.0;
    }
    case DurationStatusRole: {
        const Duration *duration = durationOf(entry);
        return duration ? statusName(duration->status) : QStringLiteral("probing");
    }
    case SizeBytesRole:
        return entry.sizeBytes;
    case EventLabelRole:
        return entry.eventLabel;
    case IsEventRole:
        return entry.isEvent();
    case FilePathRole:
        return entry.filePath;
    case UrlRole:
        return QUrl::fromLocalFile(entry.filePath);
    default:
        return {};
    }
}

QHash<int, QByteArray> RecordingsModel::roleNames() const
{
    return {{CameraRole, "camera"},
            {DayRole, "day"},
            {StartTimeRole, "startTime"},
            {DurationSRole, "durationS"},
            {DurationStatusRole, "durationStatus"},
            {SizeBytesRole, "sizeBytes"},
            {EventLabelRole, "eventLabel"},
            {IsEventRole, "isEvent"},
            {FilePathRole, "filePath"},
            {UrlRole, "url"}};
}

void RecordingsModel::setRootPath(const QString &path)
{
    if (path == rootPath_)
        return;
    rootPath_ = path;
    emit rootPathChanged();
    updateDisk();
    refresh();
    if (!diskTimer_.isActive())
        diskTimer_.start();
}

void RecordingsModel::setCameraFilter(const QString &camera)
{
    if (camera == cameraFilter_)
        return;
    cameraFilter_ = camera;
    emit cameraFilterChanged();
    updateFilterLists(); // the days offered depend on the camera
    applyRows();
}

void RecordingsModel::setDayFilter(const QString &day)
{
    if (day == dayFilter_)
        return;
    dayFilter_ = day;
    emit dayFilterChanged();
    applyRows();
}

void RecordingsModel::setRetentionOptions(const QVariantMap &options)
{
    retentionOptions_ = options;
    QString error;
    RetentionPolicy::Limits limits;
    if (RetentionSummary::limitsFromOptions(options, &limits, &error)) {
        limits_ = limits;
        retentionText_ = RetentionSummary::describe(limits_);
    } else {
        limits_ = {};
        retentionText_ = QStringLiteral("Retention unknown: the recorder's settings are wrong.");
        setError(error, false);
    }
    updateRetention();
}

void RecordingsModel::refresh()
{
    rescanDelay_.stop();
    if (scanning_) {
        rescanPending_ = true; // the folder changed during the scan: look again after it
        return;
    }
    startScan();
}

void RecordingsModel::startScan()
{
    setScanning(true);
    scan_.setFuture(QtConcurrent::run(&RecordingScanner::scan, rootPath_));
}

void RecordingsModel::applyScan(RecordingScanner::Result result)
{
    if (!result.error.isEmpty())
        setError(result.error, true);
    else if (errorFromScan_)
        setError({}, true);
    updateWatchedDirectories(result.directories);

    all_ = std::move(result.entries);
    updateFilterLists();
    applyRows();
    updateDisk();
    pumpProbes();
    setScanning(false);
    emit scanFinished();
    if (rescanPending_) {
        rescanPending_ = false;
        startScan();
    }
}

void RecordingsModel::updateFilterLists()
{
    QStringList cameras;
    QStringList days;
    for (const RecordingEntry &entry : all_) {
        if (!cameras.contains(entry.camera))
            cameras << entry.camera;
        if ((cameraFilter_.isEmpty() || entry.camera == cameraFilter_) && !days.contains(entry.day))
            days << entry.day;
    }
    cameras.sort();
    std::sort(days.begin(), days.end(), std::greater<>());
    if (cameras != cameras_) {
        cameras_ = cameras;
        emit camerasChanged();
    }
    if (days != days_) {
        days_ = days;
        emit daysChanged();
    }
    // A filter on a camera or day that is gone (deleted, retention) would show nothing.
    if (!cameraFilter_.isEmpty() && !cameras_.contains(cameraFilter_)) {
        cameraFilter_.clear();
        emit cameraFilterChanged();
        updateFilterLists();
        return;
    }
    if (!dayFilter_.isEmpty() && !days_.contains(dayFilter_)) {
        dayFilter_.clear();
        emit dayFilterChanged();
    }
}

bool RecordingsModel::matchesFilter(const RecordingEntry &entry) const
{
    return (cameraFilter_.isEmpty() || entry.camera == cameraFilter_) &&
           (dayFilter_.isEmpty() || entry.day == dayFilter_);
}

void RecordingsModel::applyRows()
{
    // Rows change in place (removals, then insertions) rather than by a model reset, so the
    // list keeps its scroll position while the recorder adds segments.
    std::vector<RecordingEntry> wanted;
    QSet<QString> wantedPaths;
    for (const RecordingEntry &entry : all_) {
        if (matchesFilter(entry)) {
            wantedPaths.insert(entry.filePath);
            wanted.push_back(entry);
        }
    }
    const int before = int(rows_.size());
    for (int row = int(rows_.size()) - 1; row >= 0; --row) {
        if (wantedPaths.contains(rows_[size_t(row)].filePath))
            continue;
        beginRemoveRows({}, row, row);
        rows_.erase(rows_.begin() + row);
        rowIndexDirty_ = true;
        endRemoveRows();
    }
    // rows_ is now an ordered subset of wanted (same sort): merge the rest in.
    size_t row = 0;
    for (RecordingEntry &entry : wanted) {
        if (row < rows_.size() && rows_[row].filePath == entry.filePath) {
            RecordingEntry &current = rows_[row];
            if (current.sizeBytes != entry.sizeBytes || current.mtimeMs != entry.mtimeMs) {
                current = std::move(entry);
                emit dataChanged(index(int(row)), index(int(row)));
            }
        } else {
            beginInsertRows({}, int(row), int(row));
            rows_.insert(rows_.begin() + qsizetype(row), std::move(entry));
            rowIndexDirty_ = true;
            endInsertRows();
        }
        ++row;
    }
    if (int(rows_.size()) != before)
        emit countChanged();
    updateTotals();
    pumpProbes();
}

void RecordingsModel::updateTotals()
{
    qint64 total = 0;
    qint64 shown = 0;
    for (const RecordingEntry &entry : all_)
        total += entry.sizeBytes;
    for (const RecordingEntry &entry : rows_)
        shown += entry.sizeBytes;
    if (total != totalBytes_ || shown != shownBytes_) {
        totalBytes_ = total;
        shownBytes_ = shown;
        emit totalsChanged();
    }
    updateRetention();
}

void RecordingsModel::updateDisk()
{
    qint64 freeBytes = -1;
    qint64 diskBytes = -1;
    // The nearest existing folder: the root may not exist before the recorder's first file.
    QString path = rootPath_.isEmpty() ? QString() : QFileInfo(rootPath_).absoluteFilePath();
    while (!path.isEmpty() && !QFileInfo::exists(path))
        path = path == u"/" ? QString() : QFileInfo(path).absolutePath();
    struct statvfs fs {};
    if (!path.isEmpty() && ::statvfs(QFile::encodeName(path).constData(), &fs) == 0) {
        freeBytes = qint64(fs.f_bavail) * qint64(fs.f_frsize);
        diskBytes = qint64(fs.f_blocks) * qint64(fs.f_frsize);
    }
    if (freeBytes != freeBytes_ || diskBytes != diskBytes_) {
        freeBytes_ = freeBytes;
        diskBytes_ = diskBytes;
        emit diskChanged();
        updateRetention();
    }
}

void RecordingsModel::updateRetention()
{
    const RetentionSummary::Due due = RetentionSummary::due(
        limits_, all_, QDateTime::currentMSecsSinceEpoch(), std::max<qint64>(freeBytes_, 0));
    // Always notify: the text may have changed with the options.
    due_ = due;
    emit retentionChanged();
}

void RecordingsModel::updateWatchedDirectories(const QStringList &directories)
{
    const QStringList watched = watcher_.directories();
    QStringList gone;
    for (const QString &dir : watched) {
        if (!directories.contains(dir))
            gone << dir;
    }
    if (!gone.isEmpty())
        watcher_.removePaths(gone);
    QStringList added;
    for (const QString &dir : directories) {
        if (!watched.contains(dir))
            added << dir;
    }
    if (!added.isEmpty())
        watcher_.addPaths(added);
}

bool RecordingsModel::remove(int row)
{
    if (row < 0 || row >= int(rows_.size())) {
        setError(QStringLiteral("Nothing to delete at row %1 (the list has %2 rows): refresh "
                                "the list and try again.")
                     .arg(row)
                     .arg(rows_.size()),
                 false);
        return false;
    }
    const RecordingEntry entry = rows_[size_t(row)];
    const QString name = QFileInfo(entry.filePath).fileName();
    const QString folder = QFileInfo(entry.filePath).absolutePath();
    // The recorder writes no sidecar next to a recording (the event label is in the name), so
    // the recording is the one file to delete.
    if (::unlink(QFile::encodeName(entry.filePath).constData()) != 0) {
        const int error = errno;
        if (error != ENOENT) {
            setError(QStringLiteral("Could not delete %1: %2. Give the panel's user write "
                                    "access to %3, or delete the file there, then try again.")
                         .arg(name, QString::fromLocal8Bit(std::strerror(error)), folder),
                     false);
            return false;
        }
        // Already gone (retention, another operator): the row goes all the same.
    }
    // An empty day folder goes too, as the recorder's retention does; rmdir fails otherwise.
    QDir().rmdir(folder);

    all_.erase(
        std::remove_if(all_.begin(), all_.end(),
                       [&](const RecordingEntry &e) { return e.filePath == entry.filePath; }),
        all_.end());
    durations_.remove(entry.filePath);
    updateFilterLists(); // the day (or camera) may be gone now
    applyRows();         // removes the row and updates totals and retention
    updateDisk();
    emit removed(entry.filePath);
    return true;
}

QVariantMap RecordingsModel::get(int row) const
{
    QVariantMap values;
    if (row < 0 || row >= int(rows_.size()))
        return values;
    const QModelIndex at = index(row);
    const QHash<int, QByteArray> names = roleNames();
    for (auto it = names.begin(); it != names.end(); ++it)
        values.insert(QString::fromLatin1(it.value()), data(at, it.key()));
    return values;
}

int RecordingsModel::rowOfPath(const QString &path) const
{
    if (rowIndexDirty_) {
        rowIndex_.clear();
        for (size_t row = 0; row < rows_.size(); ++row)
            rowIndex_.insert(rows_[row].filePath, int(row));
        rowIndexDirty_ = false;
    }
    return rowIndex_.value(path, -1);
}

int RecordingsModel::indexOfPath(const QString &filePath) const
{
    return rowOfPath(filePath);
}

void RecordingsModel::clearError()
{
    setError({}, errorFromScan_);
}

void RecordingsModel::setError(const QString &message, bool fromScan)
{
    errorFromScan_ = fromScan && !message.isEmpty();
    if (message == errorMessage_)
        return;
    errorMessage_ = message;
    emit errorMessageChanged();
}

void RecordingsModel::setScanning(bool scanning)
{
    if (scanning == scanning_)
        return;
    scanning_ = scanning;
    emit scanningChanged();
}

const RecordingsModel::Duration *RecordingsModel::durationOf(const RecordingEntry &entry) const
{
    const auto it = durations_.constFind(entry.filePath);
    if (it == durations_.constEnd() || it->sizeBytes != entry.sizeBytes ||
        it->mtimeMs != entry.mtimeMs)
        return nullptr;
    return &*it;
}

bool RecordingsModel::needsProbe(const RecordingEntry &entry) const
{
    return !durationOf(entry) && entry.filePath != probeInFlight_;
}

void RecordingsModel::pumpProbes()
{
    countPendingProbes();
    if (!probeInFlight_.isEmpty())
        return;
    // The rows on show first, then everything else.
    const RecordingEntry *next = nullptr;
    for (const RecordingEntry &entry : rows_) {
        if (needsProbe(entry)) {
            next = &entry;
            break;
        }
    }
    if (!next) {
        for (const RecordingEntry &entry : all_) {
            if (needsProbe(entry)) {
                next = &entry;
                break;
            }
        }
    }
    if (!next)
        return;
    probeInFlight_ = next->filePath;
    QMetaObject::invokeMethod(
        probe_,
        [probe = probe_, path = next->filePath, size = next->sizeBytes, mtime = next->mtimeMs] {
            probe->probe(path, size, mtime);
        },
        Qt::QueuedConnection);
}

void RecordingsModel::onProbed(const QString &path, qint64 sizeBytes, qint64 mtimeMs,
                               DurationProbe::Status status, double durationS, const QString &error)
{
    if (path == probeInFlight_)
        probeInFlight_.clear();
    durations_.insert(path, {.sizeBytes = sizeBytes,
                             .mtimeMs = mtimeMs,
                             .status = status,
                             .durationS = durationS,
                             .error = error});
    const int row = rowOfPath(path);
    if (row >= 0)
        emit dataChanged(index(row), index(row), {DurationSRole, DurationStatusRole});
    pumpProbes();
    if (pendingProbes_ == 0)
        emit probesFinished();
}

void RecordingsModel::countPendingProbes()
{
    int pending = 0;
    for (const RecordingEntry &entry : all_) {
        if (!durationOf(entry))
            ++pending;
    }
    if (pending != pendingProbes_) {
        pendingProbes_ = pending;
        emit pendingProbesChanged();
    }
}

} // namespace zerotee
