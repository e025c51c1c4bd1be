#include "ControlService.h"

#include "EventLog.h"
#include "Supervisor.h"
#include "WorkerKinds.h"

#include <QJsonArray>

namespace zerotee {

QStringList ControlService::verbs()
{
    return {QStringLiteral("status"), QStringLiteral("workers"), QStringLiteral("start"),
            QStringLiteral("stop"),   QStringLiteral("restart"), QStringLiteral("add"),
            QStringLiteral("remove"), QStringLiteral("events"),  QStringLiteral("trigger")};
}

QJsonObject ControlService::failure(const QString &error)
{
    return {{QStringLiteral("ok"), false}, {QStringLiteral("error"), error}};
}

QJsonObject ControlService::success(const QJsonValue &result)
{
    return {{QStringLiteral("ok"), true}, {QStringLiteral("result"), result}};
}

QJsonObject ControlService::handle(const QJsonObject &request)
{
    const QJsonValue cmdValue = request.value(QStringLiteral("cmd"));
    if (!cmdValue.isString())
        return failure(QStringLiteral("'cmd' is required and must be a string (one of %1)")
                           .arg(verbs().join(QStringLiteral(", "))));
    const QString cmd = cmdValue.toString();
    WorkerManager &workers = supervisor_.workers();

    auto nameOf = [&](QString *name) -> QString {
        const QJsonValue v = request.value(QStringLiteral("name"));
        if (!v.isString() || v.toString().isEmpty())
            return QStringLiteral("'%1' needs 'name' (a worker name)").arg(cmd);
        *name = v.toString();
        return {};
    };
    auto outcome = [&](const WorkerManager::Result &result, const QString &name) {
        if (!result.ok())
            return failure(result.error);
        WorkerProcess *worker = workers.worker(name);
        return success(worker ? QJsonValue(worker->status()) : QJsonValue(name));
    };

    if (cmd == QStringLiteral("status"))
        return success(supervisor_.status());
    if (cmd == QStringLiteral("workers"))
        return success(supervisor_.status().value(QStringLiteral("workers")));
    if (cmd == QStringLiteral("start") || cmd == QStringLiteral("stop") ||
        cmd == QStringLiteral("restart") || cmd == QStringLiteral("remove")) {
        QString name;
        if (QString error = nameOf(&name); !error.isEmpty())
            return failure(error);
        if (cmd == QStringLiteral("start"))
            return outcome(workers.start(name), name);
        if (cmd != QStringLiteral("restart"))
            if (QString why = supervisor_.encoderInUse(name); !why.isEmpty())
                return failure(why);
        if (cmd == QStringLiteral("stop"))
            return outcome(workers.stop(name), name);
        if (cmd == QStringLiteral("restart"))
            return outcome(workers.restart(name), name);
        WorkerManager::Result result = workers.remove(name);
        return result.ok() ? success(name) : failure(result.error);
    }
    if (cmd == QStringLiteral("add")) {
        WorkerConfig worker;
        const QJsonValue kind = request.value(QStringLiteral("kind"));
        if (!kind.isString())
            return failure(
                QStringLiteral("'add' needs 'kind' (%1)").arg(WorkerKindInfo::configurableNames()));
        worker.kind = kind.toString();
        const QJsonValue name = request.value(QStringLiteral("name"));
        if (!name.isUndefined() && !name.isString())
            return failure(QStringLiteral("'name' must be a string"));
        worker.name = name.toString();
        const QJsonValue camera = request.value(QStringLiteral("camera"));
        if (!camera.isUndefined() && !camera.isString())
            return failure(QStringLiteral("'camera' must be a string"));
        worker.camera =
            camera.isString() ? camera.toString() : supervisor_.config().cameras.first().name;
        const QJsonValue options = request.value(QStringLiteral("options"));
        if (!options.isUndefined() && !options.isObject())
            return failure(QStringLiteral("'options' must be an object"));
        worker.options = options.toObject().toVariantMap();
        const QJsonValue autostart = request.value(QStringLiteral("autostart"));
        if (!autostart.isUndefined() && !autostart.isBool())
            return failure(QStringLiteral("'autostart' must be true or false"));
        worker.autostart = autostart.toBool(true);
        WorkerManager::Result result = supervisor_.addWorker(worker, worker.autostart);
        if (!result.ok())
            return failure(result.error);
        return success(result.worker->status());
    }
    if (cmd == QStringLiteral("trigger")) {
        const QJsonValue label = request.value(QStringLiteral("label"));
        const QJsonValue camera = request.value(QStringLiteral("camera"));
        if ((!label.isUndefined() && !label.isString()) ||
            (!camera.isUndefined() && !camera.isString()))
            return failure(QStringLiteral("'label' and 'camera' must be strings"));
        if (camera.isString() && !supervisor_.config().camera(camera.toString()))
            return failure(QStringLiteral("no camera named '%1'").arg(camera.toString()));
        int delivered =
            supervisor_.trigger(camera.toString(), label.toString(), QStringLiteral("control"));
        return success(QJsonObject{{QStringLiteral("recorders"), delivered}});
    }
    if (cmd == QStringLiteral("events")) {
        const QJsonValue since = request.value(QStringLiteral("since"));
        if (!since.isUndefined() && !since.isDouble())
            return failure(QStringLiteral("'since' must be an event id (a number)"));
        const QJsonValue limit = request.value(QStringLiteral("limit"));
        if (!limit.isUndefined() && (!limit.isDouble() || limit.toInt() < 1))
            return failure(QStringLiteral("'limit' must be a positive number"));
        return success(supervisor_.events().since(since.toInteger(0), limit.toInt(200)));
    }
    return failure(QStringLiteral("unknown command '%1' (one of %2)")
                       .arg(cmd, verbs().join(QStringLiteral(", "))));
}

} // namespace zerotee
