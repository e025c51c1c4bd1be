#include "SystemdNotifier.h"

#include <systemd/sd-daemon.h>

namespace zerotee {

SystemdNotifier::SystemdNotifier(QObject *parent) : QObject(parent)
{
    active_ = !qEnvironmentVariableIsEmpty("NOTIFY_SOCKET");
    uint64_t usec = 0;
    if (active_ && sd_watchdog_enabled(0, &usec) > 0) {
        watchdog_.setInterval(int(usec / 2000));
        connect(&watchdog_, &QTimer::timeout, this, [] { sd_notify(0, "WATCHDOG=1"); });
        watchdog_.start();
    }
}

void SystemdNotifier::ready(const QString &text)
{
    if (active_)
        sd_notify(0, ("READY=1\nSTATUS=" + text.toUtf8()).constData());
}

void SystemdNotifier::status(const QString &text)
{
    if (active_)
        sd_notify(0, ("STATUS=" + text.toUtf8()).constData());
}

void SystemdNotifier::stopping()
{
    if (active_)
        sd_notify(0, "STOPPING=1");
}

} // namespace zerotee
