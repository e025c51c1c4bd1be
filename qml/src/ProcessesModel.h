#pragma once

#include "KeyedRowsModel.h"

#include <QtQml/qqmlregistration.h>

namespace zerotee {

/// CPU and memory of each process: the supervisor (with the capture and the preview in it)
/// and every worker that runs.
///
/// Thread context: thread-bound to the main thread.
class ProcessesModel : public KeyedRowsModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role { NameRole = Qt::UserRole + 1, PidRole, CpuRole, RssMbRole };
    Q_ENUM(Role)

    struct Process {
        QString name;
        qint64 pid = 0;
        double cpu = 0;   ///< percent of one core
        double rssMb = 0; ///< MiB
        bool operator==(const Process &) const = default;
    };

    explicit ProcessesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void setProcesses(const QList<Process> &processes);

signals:
    void countChanged();

private:
    QList<Process> rows_;
};

} // namespace zerotee
