#pragma once

#include "KeyedRowsModel.h"

#include <QHash>
#include <QJsonArray>
#include <QtQml/qqmlregistration.h>

namespace zerotee {

/// The workers as the panel shows them: one row per worker, in the supervisor's order, with
/// its state and key figures. Fed with the `workers` array of the control API's status (the
/// same answer zeroteectl prints), so the panel shows what every other client sees.
///
/// Thread context: thread-bound to the main thread.
class WorkersModel : public KeyedRowsModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(int runningCount READ runningCount NOTIFY countChanged)

public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        KindRole,
        CameraRole,
        StateRole,         ///< running, starting, stopping, stopped, crashed, backing-off, failed
        FailureReasonRole, ///< why it failed or last crashed
        ActiveRole,        ///< true while it runs or is meant to (the toggle then stops it)
        BusyRole,          ///< starting or stopping
        PidRole,
        UptimeRole, ///< seconds
        RestartsRole,
        CpuRole,   ///< percent of one core
        RssMbRole, ///< resident memory, MiB
        FpsRole,   ///< frames per second taken from the bus
        FramesRole,
        DropsRole,
        ClientsRole,     ///< RTSP viewers, -1 when not an RTSP worker
        CurrentFileRole, ///< the recorder's open segment (file name only)
        DetailRole,      ///< one line of kind-specific figures
    };
    Q_ENUM(Role)

    explicit WorkersModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// Replaces the rows with @p workers (objects of the status answer) at @p nowMs (a monotonic
    /// clock). Frame rates come from the frame counters over at least 0.9 s: refreshes right
    /// after a state change come sooner, and a short interval would give a wild rate.
    void update(const QJsonArray &workers, qint64 nowMs);

    int runningCount() const;
    /// Row of worker @p name, or -1.
    Q_INVOKABLE int indexOf(const QString &name) const;
    /// The state of worker @p name ("" when there is none).
    Q_INVOKABLE QString stateOf(const QString &name) const;

signals:
    void countChanged();

private:
    struct Row {
        QString name, kind, camera, state, failureReason, currentFile, detail;
        qint64 pid = 0, frames = 0, drops = 0;
        double uptime = 0, cpu = 0, rssMb = 0, fps = 0;
        int restarts = 0, clients = -1;
        bool operator==(const Row &) const = default;
    };
    static Row rowFrom(const QJsonObject &worker);

    struct RateSample {
        qint64 frames = 0;
        qint64 atMs = 0;
        double fps = 0;
    };
    QList<Row> rows_;
    QHash<QString, RateSample> rates_;
};

} // namespace zerotee
