#pragma once

#include <QLocalServer>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcControl)

namespace zerotee {

class ControlService;
class EventLog;

/// The local control socket zeroteectl talks to: one JSON object per line each way. A request
/// {"cmd":"events","follow":true} keeps the connection open and streams every new event as a
/// line. A line that is not a JSON object gets an error answer; the connection stays usable.
/// No fds travel here, so plain QLocalSocket I/O is right.
///
/// Thread context: thread-bound to the main thread.
class ControlSocketServer : public QLocalServer {
    Q_OBJECT

public:
    ControlSocketServer(ControlService &service, EventLog &events, QObject *parent = nullptr);
    ~ControlSocketServer() override;

    /// Listens at @p path (mode 0600, stale socket replaced). Returns false with @p error set.
    bool start(const QString &path, QString *error);

private:
    void serve(class QLocalSocket *socket);

    ControlService &service_;
    EventLog &events_;
    QString path_;
};

} // namespace zerotee
