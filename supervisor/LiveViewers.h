#pragma once

#include <QJsonArray>
#include <QObject>
#include <QStringList>
#include <map>
#include <memory>

class QProcess;
class QWebSocket;

namespace zerotee {

class Supervisor;

/// The browsers' live views: each WebSocket viewer of /api/live?camera=&stream= gets its own
/// zerotee-live process reading the stream's bus (no encoder: the stream's own serves all),
/// whose fragmented MP4 is relayed as binary messages for Media Source Extensions. The stream
/// is taken for the viewer (its encoder starts when cold) and given back when the viewer goes.
/// A viewer that cannot keep up is closed with the reason rather than buffered without bound
/// (docs/web.md).
///
/// Thread context: thread-bound to the main thread.
class LiveViewers : public QObject {
    Q_OBJECT

public:
    LiveViewers(Supervisor &supervisor, QStringList programDirs, QObject *parent = nullptr);
    ~LiveViewers() override;

    /// Serves @p socket (already authorised) the live view of @p camera's @p stream, or closes
    /// it with the reason (also sent first as a JSON text message).
    void accept(std::unique_ptr<QWebSocket> socket, const QString &camera, const QString &stream);
    int count() const { return int(viewers_.size()); }
    QJsonArray status() const;

private:
    struct Viewer;
    void close(int id, const QString &reason);

    Supervisor &supervisor_;
    QStringList programDirs_;
    std::map<int, std::unique_ptr<Viewer>> viewers_;
    int nextId_ = 1;
};

} // namespace zerotee
