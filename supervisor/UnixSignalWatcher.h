#pragma once

#include <QObject>
#include <memory>

class QSocketNotifier;

namespace zerotee {

/// Turns SIGTERM/SIGINT/SIGHUP into a Qt signal on the main thread (self-pipe: the handler
/// only writes the signal number to a socket).
///
/// Thread context: one instance per process, thread-bound to the main thread.
class UnixSignalWatcher : public QObject {
    Q_OBJECT

public:
    explicit UnixSignalWatcher(std::initializer_list<int> numbers, QObject *parent = nullptr);
    ~UnixSignalWatcher() override;

signals:
    void received(int signal);

private:
    std::unique_ptr<QSocketNotifier> notifier_;
};

} // namespace zerotee
