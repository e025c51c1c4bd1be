#include "WorkersModel.h"

#include <QFileInfo>
#include <QJsonObject>

#include <algorithm>
#include <cmath>

namespace zerotee {

WorkersModel::WorkersModel(QObject *parent) : KeyedRowsModel(parent) {}

int WorkersModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QHash<int, QByteArray> WorkersModel::roleNames() const
{
    return {{NameRole, "name"},
            {KindRole, "kind"},
            {CameraRole, "camera"},
            {StateRole, "workerState"},
            {FailureReasonRole, "failureReason"},
            {ActiveRole, "active"},
            {BusyRole, "busy"},
            {PidRole, "pid"},
            {UptimeRole, "uptime"},
            {RestartsRole, "restarts"},
            {CpuRole, "cpu"},
            {RssMbRole, "rssMb"},
            {FpsRole, "fps"},
            {FramesRole, "frames"},
            {DropsRole, "drops"},
            {ClientsRole, "clients"},
            {CurrentFileRole, "currentFile"},
            {DetailRole, "detail"}};
}

QVariant WorkersModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Row &r = rows_[index.row()];
    switch (role) {
    case NameRole:
        return r.name;
    case KindRole:
        return r.kind;
    case CameraRole:
        return r.camera;
    case StateRole:
        return r.state;
    case FailureReasonRole:
        return r.failureReason;
    case ActiveRole:
        return r.state == u"running" || r.state == u"starting" || r.state == u"crashed" ||
               r.state == u"backing-off";
    case BusyRole:
        return r.state == u"starting" || r.state == u"stopping";
    case PidRole:
        return r.pid;
    case UptimeRole:
        return r.uptime;
    case RestartsRole:
        return r.restarts;
    case CpuRole:
        return r.cpu;
    case RssMbRole:
        return r.rssMb;
    case FpsRole:
        return r.fps;
    case FramesRole:
        return r.frames;
    case DropsRole:
        return r.drops;
    case ClientsRole:
        return r.clients;
    case CurrentFileRole:
        return r.currentFile;
    case DetailRole:
        return r.detail;
    }
    return {};
}

WorkersModel::Row WorkersModel::rowFrom(const QJsonObject &w)
{
    Row r;
    r.name = w.value(QStringLiteral("name")).toString();
    r.kind = w.value(QStringLiteral("kind")).toString();
    r.camera = w.value(QStringLiteral("camera")).toString();
    r.state = w.value(QStringLiteral("state")).toString();
    r.failureReason = w.value(QStringLiteral("failure_reason")).toString();
    r.pid = w.value(QStringLiteral("pid")).toInteger();
    r.uptime = w.value(QStringLiteral("uptime_s")).toDouble();
    r.restarts = w.value(QStringLiteral("restarts")).toInt();
    r.cpu = w.value(QStringLiteral("cpu_percent")).toDouble();
    r.rssMb = double(w.value(QStringLiteral("rss_bytes")).toInteger()) / (1024.0 * 1024.0);
    r.frames = w.value(QStringLiteral("frames")).toInteger();
    r.drops = w.value(QStringLiteral("drops")).toInteger();
    const QJsonObject reported = w.value(QStringLiteral("reported")).toObject();
    const bool running = r.state == u"running";
    if (r.kind == u"rtsp") {
        r.clients = running ? reported.value(QStringLiteral("clients")).toInt() : 0;
        QStringList parts;
        for (const QJsonValue &m : reported.value(QStringLiteral("mounts")).toArray()) {
            const QJsonObject mount = m.toObject();
            QString part = mount.value(QStringLiteral("path")).toString();
            if (mount.contains(QStringLiteral("size")))
                part += u' ' + mount.value(QStringLiteral("size")).toString();
            if (mount.value(QStringLiteral("encoder_running")).toBool())
                part += QStringLiteral(" · %1 kbit/s")
                            .arg(mount.value(QStringLiteral("bitrate_kbps")).toInt());
            parts << part;
        }
        r.detail = parts.join(QStringLiteral(", "));
    } else if (r.kind == u"recorder") {
        const QString file = reported.value(QStringLiteral("file")).toString();
        r.currentFile = running ? QFileInfo(file).fileName() : QString();
        const QString recorderState = reported.value(QStringLiteral("state")).toString();
        if (running && !recorderState.isEmpty())
            r.detail = QStringLiteral("%1 · %2 segments")
                           .arg(recorderState)
                           .arg(reported.value(QStringLiteral("segments")).toInteger());
        const QString lastError = reported.value(QStringLiteral("last_error")).toString();
        if (running && !lastError.isEmpty())
            r.detail += QStringLiteral(" · ") + lastError;
    } else if (r.kind == u"ai") {
        const QString detector = reported.value(QStringLiteral("detector")).toString();
        if (running && !detector.isEmpty())
            r.detail =
                QStringLiteral("%1 · %2 fps analysed · %3 open events")
                    .arg(detector)
                    .arg(reported.value(QStringLiteral("analysis_fps")).toDouble(), 0, 'f', 1)
                    .arg(reported.value(QStringLiteral("open_events")).toInt());
    }
    return r;
}

void WorkersModel::update(const QJsonArray &workers, qint64 nowMs)
{
    constexpr qint64 kMinRateIntervalMs = 900;
    QList<Row> rows;
    QHash<QString, RateSample> rates;
    for (const QJsonValue &value : workers) {
        Row r = rowFrom(value.toObject());
        RateSample sample = rates_.value(r.name, RateSample{r.frames, nowMs, 0});
        if (r.state != u"running" || r.frames < sample.frames) {
            sample = RateSample{r.frames, nowMs, 0}; // restarted: count again from here
        } else if (nowMs - sample.atMs >= kMinRateIntervalMs) {
            sample.fps = std::round(double(r.frames - sample.frames) * 1000.0 /
                                    double(nowMs - sample.atMs) * 10.0) /
                         10.0;
            sample.frames = r.frames;
            sample.atMs = nowMs;
        }
        r.fps = sample.fps;
        rates.insert(r.name, sample);
        rows << r;
    }
    rates_ = rates;

    const int runningBefore = runningCount();
    if (replaceRows(rows_, rows, [](const Row &r) { return r.name; }) == RowsChange::Reset ||
        runningCount() != runningBefore)
        emit countChanged();
}

int WorkersModel::runningCount() const
{
    return int(std::count_if(rows_.begin(), rows_.end(),
                             [](const Row &r) { return r.state == u"running"; }));
}

int WorkersModel::indexOf(const QString &name) const
{
    for (qsizetype i = 0; i < rows_.size(); ++i)
        if (rows_[i].name == name)
            return int(i);
    return -1;
}

QString WorkersModel::stateOf(const QString &name) const
{
    const int i = indexOf(name);
    return i < 0 ? QString() : rows_[i].state;
}

} // namespace zerotee
