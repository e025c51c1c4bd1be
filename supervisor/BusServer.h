#pragma once

#include "BusPublisher.h"

#include <QDateTime>
#include <QJsonObject>
#include <QLocalServer>
#include <QLoggingCategory>
#include <QTimer>
#include <atomic>
#include <deque>
#include <map>
#include <memory>

class QSocketNotifier;

Q_DECLARE_LOGGING_CATEGORY(lcBus)

namespace zerotee {

/// Serves one camera's bus socket from the Qt event loop. QLocalServer accepts; each accepted
/// descriptor is taken raw (all I/O is sendmsg/recvmsg through the transport library, never
/// QLocalSocket reads, which would lose the fds) and handed to the camera's BusPublisher, whose
/// sockets are then watched with QSocketNotifiers and whose deadlines with a timer.
///
/// Thread context: thread-bound to the thread that created it (the main thread). wake() from
/// the capture's streaming thread is safe: it only queues a refresh.
class BusServer : public QLocalServer {
    Q_OBJECT

public:
    BusServer(QString stream, BusPublisher &publisher, QObject *parent = nullptr);
    ~BusServer() override;

    /// Creates @p path in a private directory; a stale socket is replaced, a live one is not
    /// stolen. The socket's group and mode follow the publisher's allowed users and groups
    /// (ConsumerAdmission::socketAccess). Returns false with @p error set.
    bool start(const QString &path, QString *error);
    QString path() const { return path_; }

    /// Clients, frames, drops by reason, evictions, per-client figures, recent refusals.
    QJsonObject snapshot();

signals:
    /// A consumer was refused (not allowed, pool full, protocol version): @p message says who
    /// and why, as the consumer was told. Repeats of the same refusal (a consumer retrying)
    /// are signalled again only after a minute; snapshot() counts every one.
    void consumerRefused(const QString &message, const QJsonObject &details);

protected:
    void incomingConnection(quintptr descriptor) override;

private:
    struct Watch;

    struct Refusal {
        QString key; // uid, name and reason: one entry per consumer retrying the same way
        QJsonObject details;
        qint64 count = 0;
        QDateTime first, last, signalled;
    };

    void refresh();
    void serve(uint32_t client, bool readable, bool writable);
    void noteRefusal(const ClientStats &client, const QString &reason);

    QString stream_;
    QString path_;
    BusPublisher &publisher_;
    std::map<uint32_t, std::unique_ptr<Watch>> watches_;
    QTimer deadlineTimer_;
    std::atomic<bool> refreshQueued_{false};
    std::deque<Refusal> refusals_; // most recent last, at most kMaxRefusals
};

} // namespace zerotee
