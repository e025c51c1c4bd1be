#pragma once

#include "ProcessesModel.h"

#include <ProcessSampler.h>

#include <QJsonObject>
#include <QObject>
#include <QtQml/qqmlregistration.h>

namespace zerotee {

/// The machine and the processes: capture state and rate, CPU and memory of every process,
/// free disk where recordings go, memory, and the temperature where the board exposes one
/// (/sys/class/thermal). Fed with the status answer every refresh.
///
/// Thread context: thread-bound to the main thread.
class SystemStatus : public QObject {
    Q_OBJECT
    QML_ELEMENT
    QML_UNCREATABLE("PanelController.system")
    Q_PROPERTY(QString captureSummary READ captureSummary NOTIFY changed)
    Q_PROPERTY(bool captureOk READ captureOk NOTIFY changed)
    Q_PROPERTY(double captureFps READ captureFps NOTIFY changed)
    Q_PROPERTY(double cpuTotal READ cpuTotal NOTIFY changed)
    Q_PROPERTY(double memTotalMb READ memTotalMb NOTIFY changed)
    Q_PROPERTY(double memAvailableMb READ memAvailableMb NOTIFY changed)
    Q_PROPERTY(QString diskPath READ diskPath NOTIFY changed)
    Q_PROPERTY(double diskFreeGb READ diskFreeGb NOTIFY changed)
    Q_PROPERTY(double diskTotalGb READ diskTotalGb NOTIFY changed)
    Q_PROPERTY(bool hasTemperature READ hasTemperature NOTIFY changed)
    Q_PROPERTY(double temperatureC READ temperatureC NOTIFY changed)
    Q_PROPERTY(double uptimeS READ uptimeS NOTIFY changed)
    Q_PROPERTY(ProcessesModel *processes READ processes CONSTANT)

public:
    explicit SystemStatus(QObject *parent = nullptr);

    /// @p status: the control API's status answer; @p diskPath: where recordings go.
    void update(const QJsonObject &status, const QString &diskPath);

    QString captureSummary() const { return captureSummary_; }
    bool captureOk() const { return captureOk_; }
    double captureFps() const { return captureFps_; }
    double cpuTotal() const { return cpuTotal_; }
    double memTotalMb() const { return memTotalMb_; }
    double memAvailableMb() const { return memAvailableMb_; }
    QString diskPath() const { return diskPath_; }
    double diskFreeGb() const { return diskFreeGb_; }
    double diskTotalGb() const { return diskTotalGb_; }
    bool hasTemperature() const { return temperatureC_ > -273; }
    double temperatureC() const { return temperatureC_; }
    double uptimeS() const { return uptimeS_; }
    ProcessesModel *processes() { return &processes_; }

    /// The hottest thermal zone under @p root in °C, or -1000 when there is none.
    static double readTemperature(const QString &root = QStringLiteral("/sys/class/thermal"));

signals:
    void changed();

private:
    ProcessSampler self_;
    ProcessesModel processes_;
    QString captureSummary_;
    bool captureOk_ = false;
    double captureFps_ = 0;
    double cpuTotal_ = 0;
    double memTotalMb_ = 0;
    double memAvailableMb_ = 0;
    QString diskPath_;
    double diskFreeGb_ = 0;
    double diskTotalGb_ = 0;
    double temperatureC_ = -1000;
    double uptimeS_ = 0;
};

} // namespace zerotee
