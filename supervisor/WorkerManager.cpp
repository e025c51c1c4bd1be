#include "WorkerManager.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QTimer>

#include <algorithm>

namespace zerotee {

namespace {

bool hasProcess(WorkerProcess::State state)
{
    using State = WorkerProcess::State;
    return state == State::Starting || state == State::Running || state == State::Stopping;
}

} // namespace

WorkerManager::WorkerManager(WorkerCommandBuilder builder, QObject *parent)
    : QObject(parent), builder_(std::move(builder))
{
}

WorkerManager::~WorkerManager() = default;

WorkerManager::Result WorkerManager::notFound(const QString &name) const
{
    return {.error = QStringLiteral("no worker named '%1'").arg(name)};
}

WorkerManager::Result WorkerManager::add(WorkerSpec spec, bool start)
{
    if (QString error = WorkerSpec::validateName(spec.name); !error.isEmpty())
        return {.error = error};
    if (isNameTaken(spec.name))
        return {.error = QStringLiteral("a worker named '%1' exists already").arg(spec.name)};
    if (QString error = builder_.complete(spec); !error.isEmpty())
        return {.error = error};

    auto owned = std::make_unique<WorkerProcess>(std::move(spec));
    WorkerProcess *worker = owned.get();
    const QString name = worker->name();
    connect(worker, &WorkerProcess::stateChanged, this,
            [this, worker, name](WorkerProcess::State state) {
                emit workerStateChanged(name, state);
                if (!hasProcess(state))
                    finishRetiring(worker);
            });
    connect(worker, &WorkerProcess::reportReceived, this,
            [this, name](const QJsonObject &report) { emit workerReport(name, report); });
    workers_.push_back(std::move(owned));
    qCInfo(lcWorker).noquote() << "added worker" << name << "("
                               << workerKindName(worker->spec().kind) << ")";
    emit workerAdded(name);
    if (start)
        worker->start();
    return {.worker = worker};
}

WorkerManager::Result WorkerManager::remove(const QString &name)
{
    auto it = std::find_if(workers_.begin(), workers_.end(),
                           [&](const auto &w) { return w->name() == name; });
    if (it == workers_.end())
        return notFound(name);
    std::unique_ptr<WorkerProcess> worker = std::move(*it);
    workers_.erase(it);
    WorkerProcess *raw = worker.get();
    retire(std::move(worker));
    return {.worker = raw};
}

void WorkerManager::retire(std::unique_ptr<WorkerProcess> worker)
{
    WorkerProcess *raw = worker.get();
    qCInfo(lcWorker).noquote() << "removing worker" << raw->name();
    retiring_.push_back(std::move(worker));
    raw->stop();
    if (!hasProcess(raw->state()))
        finishRetiring(raw);
}

void WorkerManager::finishRetiring(WorkerProcess *worker)
{
    auto it = std::find_if(retiring_.begin(), retiring_.end(),
                           [&](const auto &w) { return w.get() == worker; });
    if (it == retiring_.end())
        return;
    // Deleted from the event loop: this may run inside the worker's own stateChanged().
    QMetaObject::invokeMethod(
        this,
        [this, worker] {
            auto found = std::find_if(retiring_.begin(), retiring_.end(),
                                      [&](const auto &w) { return w.get() == worker; });
            if (found == retiring_.end() || hasProcess(worker->state()))
                return;
            const QString name = worker->name();
            retiring_.erase(found);
            qCInfo(lcWorker).noquote() << "removed worker" << name;
            emit workerRemoved(name);
        },
        Qt::QueuedConnection);
}

WorkerManager::Result WorkerManager::start(const QString &name)
{
    WorkerProcess *w = worker(name);
    if (!w)
        return notFound(name);
    w->start();
    return {.worker = w};
}

WorkerManager::Result WorkerManager::stop(const QString &name)
{
    WorkerProcess *w = worker(name);
    if (!w)
        return notFound(name);
    w->stop();
    return {.worker = w};
}

WorkerManager::Result WorkerManager::restart(const QString &name)
{
    WorkerProcess *w = worker(name);
    if (!w)
        return notFound(name);
    w->restart();
    return {.worker = w};
}

bool WorkerManager::waitUntilIdle(WorkerProcess *worker, const QDeadlineTimer &deadline)
{
    if (!hasProcess(worker->state()))
        return true;
    QEventLoop loop;
    QObject::connect(worker, &WorkerProcess::stateChanged, &loop,
                     [&loop](WorkerProcess::State state) {
                         if (!hasProcess(state))
                             loop.quit();
                     });
    QTimer timeout;
    timeout.setSingleShot(true);
    QObject::connect(&timeout, &QTimer::timeout, &loop, &QEventLoop::quit);
    timeout.start(std::max<qint64>(0, deadline.remainingTime()));
    loop.exec();
    return !hasProcess(worker->state());
}

bool WorkerManager::stopAll(int deadlineMs)
{
    const QDeadlineTimer deadline(deadlineMs);
    std::vector<WorkerProcess *> order;
    for (const auto &w : retiring_)
        order.push_back(w.get());
    for (auto it = workers_.rbegin(); it != workers_.rend(); ++it)
        order.push_back(it->get());

    // QPointer-like safety is not needed: workers are only deleted from queued calls, and the
    // local event loops below do run those, so look each one up again before touching it.
    auto alive = [this](WorkerProcess *w) {
        auto owns = [w](const auto &p) { return p.get() == w; };
        return std::any_of(workers_.begin(), workers_.end(), owns) ||
               std::any_of(retiring_.begin(), retiring_.end(), owns);
    };

    bool allStopped = true;
    for (WorkerProcess *w : order) {
        if (!alive(w))
            continue;
        w->stop();
        if (!alive(w) || waitUntilIdle(w, deadline))
            continue;
        allStopped = false;
        qCWarning(lcWorker).noquote() << "shutdown deadline passed; killing" << w->name();
        w->kill();
        waitUntilIdle(w, QDeadlineTimer(2000));
    }
    return allStopped;
}

QList<WorkerProcess *> WorkerManager::workers() const
{
    QList<WorkerProcess *> list;
    list.reserve(qsizetype(workers_.size()));
    for (const auto &w : workers_)
        list.append(w.get());
    return list;
}

WorkerProcess *WorkerManager::worker(const QString &name) const
{
    for (const auto &w : workers_) {
        if (w->name() == name)
            return w.get();
    }
    return nullptr;
}

bool WorkerManager::isNameTaken(const QString &name) const
{
    auto named = [&](const auto &w) { return w->name() == name; };
    return std::any_of(workers_.begin(), workers_.end(), named) ||
           std::any_of(retiring_.begin(), retiring_.end(), named);
}

QString WorkerManager::uniqueName(const QString &base) const
{
    if (!isNameTaken(base))
        return base;
    for (int n = 2;; ++n) {
        const QString candidate = QStringLiteral("%1-%2").arg(base).arg(n);
        if (!isNameTaken(candidate))
            return candidate;
    }
}

QJsonArray WorkerManager::snapshot() const
{
    QJsonArray array;
    for (const auto &w : workers_)
        array.append(w->status());
    return array;
}

} // namespace zerotee
