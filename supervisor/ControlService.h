#pragma once

#include <QJsonObject>
#include <QStringList>

namespace zerotee {

class Supervisor;

/// The control verbs, one code path for the control socket (zeroteectl), the HTTP API and the
/// panel. A request is a JSON object {"cmd": VERB, ...}; the answer is {"ok": true, "result": …}
/// or {"ok": false, "error": "what was wrong"}. Bad requests never throw or crash.
///
///   status | workers | start {name} | stop {name} | restart {name}
///   add {kind, name?, camera?, options?, autostart?} | remove {name} | events {since?, limit?}
///   trigger {label?, camera?}   (event recording on the recorders)
///
/// Thread context: thread-bound to the main thread.
class ControlService {
public:
    explicit ControlService(Supervisor &supervisor) : supervisor_(supervisor) {}

    QJsonObject handle(const QJsonObject &request);

    static QStringList verbs();
    static QJsonObject failure(const QString &error);
    static QJsonObject success(const QJsonValue &result);

private:
    Supervisor &supervisor_;
};

} // namespace zerotee
