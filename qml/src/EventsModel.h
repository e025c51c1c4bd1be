#pragma once

#include <QAbstractListModel>
#include <QDateTime>
#include <QJsonObject>
#include <QtQml/qqmlregistration.h>

namespace zerotee {

/// The live list of incidents and detections, newest first: worker state changes, capture
/// errors, AI events and detections, triggers. Fed with EventLog entries. Detections arrive
/// once per analysed frame, so consecutive ones of the same label from the same worker within
/// a few seconds are folded into one row with a count instead of flooding the list.
///
/// Thread context: thread-bound to the main thread.
class EventsModel : public QAbstractListModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        IdRole = Qt::UserRole + 1,
        TimeRole,    ///< local time, "HH:mm:ss"
        TypeRole,    ///< worker, capture, detection, event, trigger
        SourceRole,  ///< worker or camera name
        MessageRole, ///< what happened, in words
        LevelRole,   ///< info, warning, error, detection
        CountRole,   ///< folded detections
    };
    Q_ENUM(Role)

    explicit EventsModel(int capacity = 300, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// Adds one EventLog entry on top (or folds it into the top row).
    void add(const QJsonObject &event);
    Q_INVOKABLE void clear();

    /// The level an event is shown with.
    static QString levelOf(const QJsonObject &event);
    /// The message an event is shown with.
    static QString messageOf(const QJsonObject &event);

signals:
    void countChanged();

private:
    struct Row {
        qint64 id = 0;
        QDateTime time;
        QString type, source, message, level;
        int count = 1;
    };

    int capacity_;
    QList<Row> rows_; // newest first
};

} // namespace zerotee
