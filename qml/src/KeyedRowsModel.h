#pragma once

#include <QAbstractListModel>
#include <QList>

namespace zerotee {

/// Base of the panel's list models whose rows are rebuilt from every status answer (cameras,
/// workers, RTSP mounts, processes). replaceRows() tells the views no more than is true: a reset
/// only when the rows' keys change (an item added, removed or reordered), otherwise dataChanged
/// for each row that differs, so delegates, and a button the operator is pressing, survive the
/// once-a-second refresh.
///
/// Thread context: thread-bound to the main thread.
class KeyedRowsModel : public QAbstractListModel {
    Q_OBJECT

public:
    using QAbstractListModel::QAbstractListModel;

protected:
    enum class RowsChange { None, Data, Reset };

    /// Makes @p rows equal to @p next; @p keyOf gives a row's identity.
    template <typename Row, typename KeyOf>
    RowsChange replaceRows(QList<Row> &rows, const QList<Row> &next, KeyOf keyOf)
    {
        bool sameKeys = rows.size() == next.size();
        for (qsizetype i = 0; sameKeys && i < next.size(); ++i)
            sameKeys = keyOf(rows[i]) == keyOf(next[i]);
        if (!sameKeys) {
            beginResetModel();
            rows = next;
            endResetModel();
            return RowsChange::Reset;
        }
        RowsChange change = RowsChange::None;
        for (qsizetype i = 0; i < next.size(); ++i) {
            if (rows[i] == next[i])
                continue;
            rows[i] = next[i];
            emit dataChanged(index(int(i)), index(int(i)));
            change = RowsChange::Data;
        }
        return change;
    }
};

} // namespace zerotee
