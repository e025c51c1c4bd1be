#pragma once

#include <QObject>
#include <QTimer>

namespace zerotee {

/// sd_notify for `Type=notify` units: READY=1 once up, STATUS= lines, WATCHDOG=1 kicks at half
/// the unit's WatchdogSec. Does nothing when not started by systemd (no NOTIFY_SOCKET).
///
/// Thread context: thread-bound to the main thread.
class SystemdNotifier : public QObject {
    Q_OBJECT

public:
    explicit SystemdNotifier(QObject *parent = nullptr);

    bool active() const { return active_; }
    void ready(const QString &status);
    void status(const QString &status);
    void stopping();

private:
    bool active_ = false;
    QTimer watchdog_;
};

} // namespace zerotee
