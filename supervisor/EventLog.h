#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <deque>

namespace zerotee {

/// The supervisor's recent incidents and detections, newest last: worker state changes,
/// capture errors, detections reported by workers. Bounded; followers get each new entry.
///
/// Thread context: thread-bound to the main thread.
class EventLog : public QObject {
    Q_OBJECT

public:
    explicit EventLog(int capacity = 1000, QObject *parent = nullptr);

    /// Adds an event {id, time (ISO 8601 UTC), type, source, message, data...}.
    QJsonObject append(const QString &type, const QString &source, const QString &message,
                       const QJsonObject &data = {});
    /// Events with an id greater than @p afterId, at most @p limit (newest kept).
    QJsonArray since(qint64 afterId, int limit = 200) const;
    qint64 lastId() const { return nextId_ - 1; }

signals:
    void eventAdded(const QJsonObject &event);

private:
    int capacity_;
    qint64 nextId_ = 1;
    std::deque<QJsonObject> events_;
};

} // namespace zerotee
