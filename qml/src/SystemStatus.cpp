#include "SystemStatus.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QStorageInfo>

#include <ctime>

namespace zerotee {

namespace {

qint64 monotonicNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

/// MemTotal and MemAvailable from /proc/meminfo, in MiB.
void readMemory(double *totalMb, double *availableMb)
{
    QFile file(QStringLiteral("/proc/meminfo"));
    if (!file.open(QIODevice::ReadOnly))
        return;
    for (const QByteArray &line : file.readAll().split('\n')) {
        const QList<QByteArray> parts = line.simplified().split(' ');
        if (parts.size() < 2)
            continue;
        if (parts[0] == "MemTotal:")
            *totalMb = parts[1].toDouble() / 1024.0;
        else if (parts[0] == "MemAvailable:")
            *availableMb = parts[1].toDouble() / 1024.0;
    }
}

} // namespace

SystemStatus::SystemStatus(QObject *parent)
    : QObject(parent), self_(pid_t(QCoreApplication::applicationPid()))
{
}

double SystemStatus::readTemperature(const QString &root)
{
    double hottest = -1000;
    const QDir dir(root);
    for (const QString &zone :
         dir.entryList({QStringLiteral("thermal_zone*")}, QDir::Dirs | QDir::NoDotAndDotDot)) {
        QFile file(dir.filePath(zone + QStringLiteral("/temp")));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        bool ok = false;
        const double milli = file.readAll().trimmed().toDouble(&ok);
        if (ok)
            hottest = std::max(hottest, milli / 1000.0);
    }
    return hottest;
}

void SystemStatus::update(const QJsonObject &status, const QString &diskPath)
{
    self_.sample(monotonicNs());
    QList<ProcessesModel::Process> processes;
    processes << ProcessesModel::Process{QStringLiteral("zerotee (capture, bus, panel)"),
                                         qint64(self_.pid()), self_.cpuPercent(),
                                         double(self_.rssBytes()) / (1024.0 * 1024.0)};
    double cpu = self_.cpuPercent();
    for (const QJsonValue &value : status.value(QStringLiteral("workers")).toArray()) {
        const QJsonObject w = value.toObject();
        const qint64 pid = w.value(QStringLiteral("pid")).toInteger();
        if (pid <= 0)
            continue;
        const double workerCpu = w.value(QStringLiteral("cpu_percent")).toDouble();
        cpu += workerCpu;
        processes << ProcessesModel::Process{
            w.value(QStringLiteral("name")).toString(), pid, workerCpu,
            double(w.value(QStringLiteral("rss_bytes")).toInteger()) / (1024.0 * 1024.0)};
    }
    processes_.setProcesses(processes);
    cpuTotal_ = cpu;

    QStringList parts;
    bool ok = true;
    double fps = 0;
    for (const QJsonValue &value : status.value(QStringLiteral("cameras")).toArray()) {
        const QJsonObject c = value.toObject();
        const QString state = c.value(QStringLiteral("state")).toString();
        fps += c.value(QStringLiteral("fps")).toDouble();
        ok = ok && state == u"running";
        parts << QStringLiteral("%1 %2").arg(c.value(QStringLiteral("name")).toString(), state);
    }
    captureSummary_ = parts.join(QStringLiteral(", "));
    captureOk_ = ok && !parts.isEmpty();
    captureFps_ = fps;
    uptimeS_ = status.value(QStringLiteral("uptime_s")).toDouble();

    readMemory(&memTotalMb_, &memAvailableMb_);
    // The recordings folder may not exist yet: measure the nearest existing parent.
    QString path = diskPath.isEmpty() ? QDir::rootPath() : diskPath;
    while (!QFileInfo::exists(path) && path != QDir::rootPath())
        path = QFileInfo(path).absolutePath();
    const QStorageInfo storage(path);
    diskPath_ = diskPath.isEmpty() ? storage.rootPath() : diskPath;
    diskFreeGb_ = double(storage.bytesAvailable()) / 1e9;
    diskTotalGb_ = double(storage.bytesTotal()) / 1e9;
    temperatureC_ = readTemperature();
    emit changed();
}

} // namespace zerotee
