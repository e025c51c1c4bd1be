#include "BusServer.h"

#include "ConsumerAdmission.h"
#include "PrivateSocket.h"
#include "UnixSocket.h"

#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QSocketNotifier>
#include <fcntl.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcBus, "zerotee.bus")

namespace zerotee {

struct BusServer::Watch {
    std::unique_ptr<QSocketNotifier> read;
    std::unique_ptr<QSocketNotifier> write;
};

namespace {

constexpr size_t kMaxRefusals = 16;
constexpr qint64 kRefusalRepeatSecs = 60;

} // namespace

BusServer::BusServer(QString stream, BusPublisher &publisher, QObject *parent)
    : QLocalServer(parent), stream_(std::move(stream)), publisher_(publisher)
{
    deadlineTimer_.setSingleShot(true);
    connect(&deadlineTimer_, &QTimer::timeout, this, [this] {
        {
            std::lock_guard lock(publisher_.mutex());
            publisher_.publisher().handleTimeouts(FramePublisher::Clock::now());
        }
        refresh();
    });
    publisher_.setWakeHandler([this] {
        // Coalesce: one queued refresh however many frames were published meanwhile.
        if (!refreshQueued_.exchange(true))
            QMetaObject::invokeMethod(
                this, [this] { refresh(); }, Qt::QueuedConnection);
    });
    publisher_.setClientHandler([this, stream = stream_](const ClientStats &client, bool admitted,
                                                         DisconnectReason reason,
                                                         const std::string &detail) {
        if (!admitted && reason == DisconnectReason::Refused) {
            // Called with the publisher's lock held, possibly off the main thread.
            QMetaObject::invokeMethod(
                this,
                [this, client, text = QString::fromStdString(detail)] {
                    noteRefusal(client, text);
                },
                Qt::QueuedConnection);
            return;
        }
        if (admitted)
            qCInfo(lcBus).noquote()
                << stream << "consumer" << client.id << QString::fromStdString(client.name) << "pid"
                << client.peer.pid << "joined, policy" << wire::policyName(client.policy) << "quota"
                << client.quota << (client.degraded ? "(degraded: pool too small)" : "");
        else
            qCInfo(lcBus).noquote()
                << stream << "consumer" << client.id << QString::fromStdString(client.name)
                << "left:" << disconnectReasonName(reason) << QString::fromStdString(detail);
    });
}

BusServer::~BusServer()
{
    publisher_.setWakeHandler({});
    publisher_.setClientHandler({});
    {
        std::lock_guard lock(publisher_.mutex());
        publisher_.publisher().closeAll();
    }
    watches_.clear();
    close();
    if (!path_.isEmpty())
        ::unlink(QFile::encodeName(path_).constData());
}

bool BusServer::start(const QString &path, QString *error)
{
    ConsumerAdmission::FileAccess access;
    {
        std::lock_guard lock(publisher_.mutex());
        const FramePublisher::Options &options = publisher_.publisher().options();
        access = ConsumerAdmission::socketAccess(options.allowedUids, options.allowedGids);
    }
    if (!listenPrivateSocket(*this, path, access.mode, error, access.group))
        return false;
    path_ = path;
    qCInfo(lcBus).noquote() << stream_ << "bus at" << path;
    return true;
}

void BusServer::incomingConnection(quintptr descriptor)
{
    UniqueFd fd{static_cast<int>(descriptor)};
    ::fcntl(fd.get(), F_SETFL, ::fcntl(fd.get(), F_GETFL) | O_NONBLOCK);
    ::fcntl(fd.get(), F_SETFD, FD_CLOEXEC);
    int id;
    {
        std::lock_guard lock(publisher_.mutex());
        id = publisher_.publisher().addClient(std::move(fd), FramePublisher::Clock::now());
    }
    if (id < 0 && id != -EACCES) {
        qCWarning(lcBus).noquote() << stream_ << "cannot take a connection:" << strerror(-id);
        return;
    }
    refresh(); // a refused peer stays until it read why (FramePublisher::addClient)
}

void BusServer::noteRefusal(const ClientStats &client, const QString &reason)
{
    const QString name = QString::fromStdString(client.name);
    const QString key = QStringLiteral("%1/%2/%3").arg(client.peer.uid).arg(name, reason);
    const QDateTime now = QDateTime::currentDateTimeUtc();
    auto it = std::ranges::find_if(refusals_, [&](const Refusal &r) { return r.key == key; });
    if (it == refusals_.end()) {
        if (refusals_.size() == kMaxRefusals)
            refusals_.pop_front();
        refusals_.push_back(Refusal{key, {}, 0, now, now, {}});
        it = refusals_.end() - 1;
    }
    Refusal &refusal = *it;
    refusal.count++;
    refusal.last = now;
    refusal.details = QJsonObject{
        {QStringLiteral("uid"), qint64(client.peer.uid)},
        {QStringLiteral("user"),
         QString::fromStdString(ConsumerAdmission::userName(client.peer.uid))},
        {QStringLiteral("pid"), qint64(client.peer.pid)},
        {QStringLiteral("name"), name},
        {QStringLiteral("reason"), reason},
        {QStringLiteral("count"), refusal.count},
        {QStringLiteral("first"), refusal.first.toString(Qt::ISODateWithMs)},
        {QStringLiteral("last"), refusal.last.toString(Qt::ISODateWithMs)},
    };
    if (refusal.signalled.isValid() && refusal.signalled.secsTo(now) < kRefusalRepeatSecs)
        return; // a consumer retrying: counted above, logged and signalled once a minute
    refusal.signalled = now;
    qCWarning(lcBus).noquote() << stream_ << "refused consumer"
                               << (name.isEmpty() ? QStringLiteral("?") : name) << "pid"
                               << client.peer.pid << "uid" << client.peer.uid << ":" << reason;
    QString who = name.isEmpty() ? QStringLiteral("a consumer") : QStringLiteral("'%1'").arg(name);
    emit consumerRefused(QStringLiteral("refused %1 (pid %2, uid %3): %4")
                             .arg(who)
                             .arg(client.peer.pid)
                             .arg(client.peer.uid)
                             .arg(reason),
                         refusal.details);
}

void BusServer::serve(uint32_t client, bool readable, bool writable)
{
    {
        std::lock_guard lock(publisher_.mutex());
        FramePublisher &publisher = publisher_.publisher();
        auto now = FramePublisher::Clock::now();
        if (readable)
            publisher.handleReadable(client, now);
        if (writable)
            publisher.handleWritable(client, now);
    }
    refresh();
}

void BusServer::refresh()
{
    refreshQueued_ = false;
    std::vector<FramePublisher::PollItem> items;
    FramePublisher::Clock::time_point deadline;
    {
        std::lock_guard lock(publisher_.mutex());
        items = publisher_.publisher().pollItems();
        deadline = publisher_.publisher().nextDeadline();
    }

    // Drop the notifiers of clients that are gone, add those of new ones.
    std::map<uint32_t, std::unique_ptr<Watch>> next;
    for (const FramePublisher::PollItem &item : items) {
        auto it = watches_.find(item.client);
        std::unique_ptr<Watch> watch;
        if (it != watches_.end() && it->second->read->socket() == item.fd) {
            watch = std::move(it->second);
        } else {
            watch = std::make_unique<Watch>();
            uint32_t id = item.client;
            watch->read = std::make_unique<QSocketNotifier>(item.fd, QSocketNotifier::Read);
            connect(watch->read.get(), &QSocketNotifier::activated, this,
                    [this, id] { serve(id, true, false); });
            watch->write = std::make_unique<QSocketNotifier>(item.fd, QSocketNotifier::Write);
            connect(watch->write.get(), &QSocketNotifier::activated, this,
                    [this, id] { serve(id, false, true); });
        }
        watch->write->setEnabled(item.wantWrite);
        next.emplace(item.client, std::move(watch));
    }
    // Notifiers must go before their fds are reused; the publisher already closed those fds,
    // so disable before destroying to keep Qt from polling a stale descriptor.
    for (auto &[id, watch] : watches_) {
        if (watch) {
            watch->read->setEnabled(false);
            watch->write->setEnabled(false);
        }
    }
    watches_ = std::move(next);

    if (deadline == FramePublisher::Clock::time_point::max()) {
        deadlineTimer_.stop();
    } else {
        auto ms =
            std::chrono::ceil<std::chrono::milliseconds>(deadline - FramePublisher::Clock::now());
        deadlineTimer_.start(int(std::clamp<int64_t>(ms.count(), 0, 60000)));
    }
}

QJsonObject BusServer::snapshot()
{
    PublisherStats stats;
    std::vector<ClientStats> clients;
    unsigned capacity = 0;
    {
        std::lock_guard lock(publisher_.mutex());
        stats = publisher_.publisher().stats();
        clients = publisher_.publisher().clientStats();
        capacity = publisher_.publisher().options().poolCapacity;
    }
    QJsonArray refused; // recent refusals, most recent last
    for (const Refusal &refusal : refusals_)
        refused.append(refusal.details);
    QJsonArray clientList;
    for (const ClientStats &c : clients) {
        clientList.append(QJsonObject{
            {QStringLiteral("id"), qint64(c.id)},
            {QStringLiteral("name"), QString::fromStdString(c.name)},
            {QStringLiteral("pid"), qint64(c.peer.pid)},
            {QStringLiteral("policy"), QString::fromLatin1(wire::policyName(c.policy))},
            {QStringLiteral("quota"), qint64(c.quota)},
            {QStringLiteral("degraded"), c.degraded},
            {QStringLiteral("frames_sent"), qint64(c.framesSent)},
            {QStringLiteral("dropped_quota"), qint64(c.droppedQuota)},
            {QStringLiteral("dropped_socket"), qint64(c.droppedSocket)},
            {QStringLiteral("skipped_policy"), qint64(c.skippedByPolicy)},
            {QStringLiteral("held"), qint64(c.held)},
        });
    }
    return QJsonObject{
        {QStringLiteral("socket"), path_},
        {QStringLiteral("clients"), qint64(stats.clients)},
        {QStringLiteral("frames_published"), qint64(stats.framesPublished)},
        {QStringLiteral("frames_sent"), qint64(stats.framesSent)},
        {QStringLiteral("dropped_quota"), qint64(stats.droppedQuota)},
        {QStringLiteral("dropped_socket"), qint64(stats.droppedSocket)},
        {QStringLiteral("skipped_policy"), qint64(stats.skippedByPolicy)},
        {QStringLiteral("evictions"), qint64(stats.evictions)},
        {QStringLiteral("clients_refused"), qint64(stats.clientsRefused)},
        {QStringLiteral("refused"), refused},
        {QStringLiteral("buffers_registered"), qint64(stats.buffersRegistered)},
        {QStringLiteral("pool_capacity"), qint64(capacity)},
        {QStringLiteral("buffers_held"), qint64(stats.buffersHeld)},
        {QStringLiteral("consumers"), clientList},
    };
}

} // namespace zerotee
