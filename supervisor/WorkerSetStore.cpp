#include "WorkerSetStore.h"

#include "Supervisor.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSaveFile>

namespace zerotee {

namespace {

constexpr int kFormatVersion = 1;
constexpr int kSaveDelayMs = 100; // coalesces the several state changes of one operation

} // namespace

WorkerSetStore::WorkerSetStore(QString path, Supervisor &supervisor, QObject *parent)
    : QObject(parent), path_(std::move(path)), supervisor_(supervisor)
{
    saveTimer_.setSingleShot(true);
    saveTimer_.setInterval(kSaveDelayMs);
    connect(&saveTimer_, &QTimer::timeout, this, [this] {
        QString error;
        if (!save(&error))
            qCWarning(lcSupervisor).noquote() << "cannot save the worker set:" << error;
    });
}

QString WorkerSetStore::defaultPath()
{
    QString base = qEnvironmentVariable("XDG_STATE_HOME");
    if (base.isEmpty())
        base = QDir::homePath() + QStringLiteral("/.local/state");
    return base + QStringLiteral("/zerotee/workers.json");
}

std::optional<QList<WorkerConfig>> WorkerSetStore::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.exists())
        return std::nullopt;
    if (!file.open(QIODevice::ReadOnly)) {
        *error = QStringLiteral("%1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!document.isObject()) {
        *error = QStringLiteral("%1: not a JSON object (%2)").arg(path, parseError.errorString());
        return std::nullopt;
    }
    const QJsonObject root = document.object();
    if (root.value(QStringLiteral("version")).toInt() != kFormatVersion ||
        !root.value(QStringLiteral("workers")).isArray()) {
        *error = QStringLiteral("%1: not a version %2 worker set").arg(path).arg(kFormatVersion);
        return std::nullopt;
    }
    QList<WorkerConfig> workers;
    for (const QJsonValue &value : root.value(QStringLiteral("workers")).toArray()) {
        const QJsonObject o = value.toObject();
        WorkerConfig worker;
        worker.name = o.value(QStringLiteral("name")).toString();
        worker.kind = o.value(QStringLiteral("kind")).toString();
        worker.camera = o.value(QStringLiteral("camera")).toString(worker.camera);
        worker.autostart = o.value(QStringLiteral("autostart")).toBool(true);
        worker.options = o.value(QStringLiteral("options")).toObject().toVariantMap();
        if (worker.name.isEmpty() || worker.kind.isEmpty()) {
            *error = QStringLiteral("%1: a worker without name or kind").arg(path);
            return std::nullopt;
        }
        workers << worker;
    }
    return workers;
}

void WorkerSetStore::watch()
{
    WorkerManager &manager = supervisor_.workers();
    for (WorkerProcess *worker : manager.workers())
        wanted_.insert(worker->name(), worker->state() != WorkerProcess::State::Stopped);
    connect(&manager, &WorkerManager::workerAdded, this, [this](const QString &name) {
        wanted_.insert(name, false); // started right after, if it is to run
        scheduleSave();
    });
    connect(&manager, &WorkerManager::workerRemoved, this, [this](const QString &name) {
        if (!supervisor_.workers().worker(name))
            wanted_.remove(name);
        scheduleSave();
    });
    connect(&manager, &WorkerManager::workerStateChanged, this,
            [this](const QString &name, WorkerProcess::State state) {
                using State = WorkerProcess::State;
                if (state == State::Starting)
                    wanted_.insert(name, true);
                else if (state == State::Stopping || state == State::Stopped)
                    wanted_.insert(name, false);
                else
                    return; // crashes and back-offs do not change what the operator wants
                scheduleSave();
            });
    QString error;
    if (!save(&error))
        qCWarning(lcSupervisor).noquote() << "cannot save the worker set:" << error;
}

void WorkerSetStore::scheduleSave()
{
    if (!frozen_)
        saveTimer_.start();
}

void WorkerSetStore::freeze()
{
    if (frozen_)
        return;
    if (saveTimer_.isActive()) {
        saveTimer_.stop();
        save();
    }
    frozen_ = true;
    disconnect(&supervisor_.workers(), nullptr, this, nullptr);
}

bool WorkerSetStore::save(QString *error)
{
    QJsonArray workers;
    for (WorkerProcess *worker : supervisor_.workers().workers()) {
        const WorkerSpec &spec = worker->spec();
        if (spec.kind == WorkerKind::Encoder)
            continue; // started for the streams its consumers need, not by the operator
        workers.append(QJsonObject{
            {QStringLiteral("name"), spec.name},
            {QStringLiteral("kind"), workerKindName(spec.kind)},
            {QStringLiteral("camera"), supervisor_.workerCamera(spec.name)},
            {QStringLiteral("autostart"), wanted_.value(spec.name, false)},
            {QStringLiteral("options"), QJsonObject::fromVariantMap(spec.options)},
        });
    }
    const QJsonObject root{{QStringLiteral("version"), kFormatVersion},
                           {QStringLiteral("workers"), workers}};
    QDir().mkpath(QFileInfo(path_).absolutePath());
    QSaveFile file(path_);
    if (!file.open(QIODevice::WriteOnly) ||
        file.write(QJsonDocument(root).toJson(QJsonDocument::Indented)) < 0 || !file.commit()) {
        if (error)
            *error = QStringLiteral("%1: %2").arg(path_, file.errorString());
        return false;
    }
    emit saved();
    return true;
}

} // namespace zerotee
