#include "EventsModel.h"

namespace zerotee {

namespace {

constexpr qint64 kFoldMs = 3000;

} // namespace

EventsModel::EventsModel(int capacity, QObject *parent)
    : QAbstractListModel(parent), capacity_(capacity)
{
}

int EventsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QHash<int, QByteArray> EventsModel::roleNames() const
{
    return {{IdRole, "eventId"},    {TimeRole, "time"},       {TypeRole, "type"},
            {SourceRole, "source"}, {MessageRole, "message"}, {LevelRole, "level"},
            {CountRole, "count"}};
}

QVariant EventsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Row &r = rows_[index.row()];
    switch (role) {
    case IdRole:
        return r.id;
    case TimeRole:
        return r.time.toLocalTime().toString(QStringLiteral("HH:mm:ss"));
    case TypeRole:
        return r.type;
    case SourceRole:
        return r.source;
    case MessageRole:
        return r.message;
    case LevelRole:
        return r.level;
    case CountRole:
        return r.count;
    }
    return {};
}

QString EventsModel::levelOf(const QJsonObject &event)
{
    const QString type = event.value(QStringLiteral("type")).toString();
    const QString state = event.value(QStringLiteral("state")).toString();
    if (type == u"detection" || type == u"event")
        return event.value(QStringLiteral("event")).toString() == u"error"
                   ? QStringLiteral("error")
                   : QStringLiteral("detection");
    if (state == u"failed" || state == u"crashed" || state == u"error")
        return QStringLiteral("error");
    if (state == u"backing-off" || state == u"preview-failed")
        return QStringLiteral("warning");
    return QStringLiteral("info");
}

QString EventsModel::messageOf(const QJsonObject &event)
{
    // The supervisor's message says what happened in full (WorkerReportText); the panel words
    // the AI's objects its own way, from the report's label.
    const QString type = event.value(QStringLiteral("type")).toString();
    const QString message = event.value(QStringLiteral("message")).toString();
    const QString label = event.value(QStringLiteral("label")).toString();
    if (type == u"detection" && !label.isEmpty()) {
        const double score = event.value(QStringLiteral("score")).toDouble();
        return QStringLiteral("%1 detected (%2 %)").arg(label).arg(qRound(score * 100));
    }
    if (type == u"event" && !label.isEmpty()) {
        // AI events: the start and end of an object in view.
        const QString state = event.value(QStringLiteral("state")).toString();
        if (state == u"start")
            return QStringLiteral("%1 appeared").arg(label);
        if (state == u"end")
            return QStringLiteral("%1 gone after %2 s")
                .arg(label)
                .arg(event.value(QStringLiteral("duration_ms")).toDouble() / 1000.0, 0, 'f', 1);
    }
    if (type == u"trigger")
        return QStringLiteral("trigger '%1' sent to %2 recorder(s)")
            .arg(message)
            .arg(event.value(QStringLiteral("recorders")).toInt());
    return message;
}

void EventsModel::add(const QJsonObject &event)
{
    Row row;
    row.id = event.value(QStringLiteral("id")).toInteger();
    row.time =
        QDateTime::fromString(event.value(QStringLiteral("time")).toString(), Qt::ISODateWithMs);
    if (!row.time.isValid())
        row.time = QDateTime::currentDateTimeUtc();
    row.type = event.value(QStringLiteral("type")).toString();
    row.source = event.value(QStringLiteral("source")).toString();
    row.message = messageOf(event);
    row.level = levelOf(event);

    if (row.type == u"detection" && !rows_.isEmpty()) {
        Row &top = rows_.first();
        const QString label = event.value(QStringLiteral("label")).toString();
        if (top.type == u"detection" && top.source == row.source &&
            top.message.startsWith(label + u' ') && top.time.msecsTo(row.time) < kFoldMs) {
            top.count++;
            top.time = row.time;
            top.id = row.id;
            top.message = row.message;
            emit dataChanged(index(0), index(0));
            return;
        }
    }
    beginInsertRows({}, 0, 0);
    rows_.prepend(row);
    endInsertRows();
    if (rows_.size() > capacity_) {
        beginRemoveRows({}, capacity_, int(rows_.size()) - 1);
        rows_.resize(capacity_);
        endRemoveRows();
    }
    emit countChanged();
}

void EventsModel::clear()
{
    beginResetModel();
    rows_.clear();
    endResetModel();
    emit countChanged();
}

} // namespace zerotee
