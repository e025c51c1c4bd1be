#include "EventLog.h"

#include <QDateTime>

namespace zerotee {

EventLog::EventLog(int capacity, QObject *parent) : QObject(parent), capacity_(capacity) {}

QJsonObject EventLog::append(const QString &type, const QString &source, const QString &message,
                             const QJsonObject &data)
{
    QJsonObject event = data;
    event.insert(QStringLiteral("id"), nextId_++);
    event.insert(QStringLiteral("time"),
                 QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs));
    event.insert(QStringLiteral("type"), type);
    event.insert(QStringLiteral("source"), source);
    event.insert(QStringLiteral("message"), message);
    events_.push_back(event);
    while (int(events_.size()) > capacity_)
        events_.pop_front();
    emit eventAdded(event);
    return event;
}

QJsonArray EventLog::since(qint64 afterId, int limit) const
{
    QJsonArray out;
    auto it = events_.begin();
    while (it != events_.end() && (*it)[QStringLiteral("id")].toInteger() <= afterId)
        ++it;
    qsizetype available = events_.end() - it;
    if (available > limit)
        it += available - limit;
    for (; it != events_.end(); ++it)
        out.append(*it);
    return out;
}

} // namespace zerotee
