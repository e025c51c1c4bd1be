#include "ProcessesModel.h"

namespace zerotee {

ProcessesModel::ProcessesModel(QObject *parent) : KeyedRowsModel(parent) {}

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
    if (replaceRows(rows_, processes, [](const Process &p) { return p.name; }) == RowsChange::Reset)
        emit countChanged();
}

} // namespace zerotee
