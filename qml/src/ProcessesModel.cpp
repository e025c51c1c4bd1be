#include "ProcessesModel.h"

namespace zerotee {

ProcessesModel::ProcessesModel(QObject *parent) : QAbstractListModel(parent) {}

int ProcessesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QHash<int, QByteArray> ProcessesModel::roleNames() const
{
    return {{NameRole, "name"}, {PidRole, "pid"}, {CpuRole, "cpu"}, {RssMbRole, "rssMb"}};
}

QVariant ProcessesModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Process &p = rows_[index.row()];
    switch (role) {
    case NameRole:
        return p.name;
    case PidRole:
        return p.pid;
    case CpuRole:
        return p.cpu;
    case RssMbRole:
        return p.rssMb;
    }
    return {};
}

void ProcessesModel::setProcesses(const QList<Process> &processes)
{
    if (processes == rows_)
        return;
    bool sameNames = processes.size() == rows_.size();
    for (qsizetype i = 0; sameNames && i < processes.size(); ++i)
        sameNames = processes[i].name == rows_[i].name;
    if (!sameNames) {
        beginResetModel();
        rows_ = processes;
        endResetModel();
        emit countChanged();
        return;
    }
    rows_ = processes;
    emit dataChanged(index(0), index(int(rows_.size()) - 1));
}

} // namespace zerotee
