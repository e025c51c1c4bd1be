#include "LiveViewers.h"

#include "Supervisor.h"
#include "WebSocketRefusal.h"
#include "WorkerCommandBuilder.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTimer>
#include <QWebSocket>

namespace zerotee {

namespace {

/// More than this waiting to be sent to one browser (several seconds of a 4 Mbit/s stream):
/// the viewer is too slow for live, and is told so rather than fall ever further behind.
constexpr qint64 kMaxQueuedBytes = 8 * 1024 * 1024;

QString consumerName(int id)
{
    return QStringLiteral("web-live-%1").arg(id);
}

} // namespace

struct LiveViewers::Viewer {
    std::unique_ptr<QWebSocket> socket;
    std::unique_ptr<QProcess> process;
    QString camera;
    QString stream;
    qint64 bytesSent = 0;
    bool closing = false;
};

LiveViewers::LiveViewers(Supervisor &supervisor, QStringList programDirs, QObject *parent)
    : QObject(parent), supervisor_(supervisor), programDirs_(std::move(programDirs))
{
}

LiveViewers::~LiveViewers()
{
    while (!viewers_.empty())
        close(viewers_.begin()->first, QStringLiteral("the server is stopping"));
}

void LiveViewers::accept(std::unique_ptr<QWebSocket> socket, const QString &camera,
                         const QString &stream)
{
    const int id = nextId_++;
    auto refuse = [&socket](const QString &reason) {
        refuseWebSocket(std::move(socket), QWebSocketProtocol::CloseCodePolicyViolated, reason);
    };
    QString socketPath, error;
    std::optional<StreamConfig> config =
        supervisor_.acquireStream(camera, stream, consumerName(id), &socketPath, &error);
    if (!config) {
        refuse(error);
        return;
    }
    if (config->codec != QLatin1String("h264")) {
        supervisor_.releaseStream(consumerName(id));
        refuse(QStringLiteral("stream '%1' is %2: browsers get H.264 only (configure an H.264 "
                              "stream for the page)")
                   .arg(stream, config->codec));
        return;
    }
    const QString program =
        WorkerCommandBuilder({}, programDirs_).findExecutable(QStringLiteral("zerotee-live"));
    if (program.isEmpty()) {
        supervisor_.releaseStream(consumerName(id));
        refuse(QStringLiteral("zerotee-live is not installed next to the supervisor"));
        return;
    }

    auto viewer = std::make_unique<Viewer>();
    viewer->socket = std::move(socket);
    viewer->camera = camera;
    viewer->stream = stream;
    viewer->process = std::make_unique<QProcess>();
    viewer->process->setProgram(program);
    viewer->process->setArguments(
        {QStringLiteral("--socket"), socketPath, QStringLiteral("--name"), consumerName(id)});
    viewer->process->setProcessChannelMode(QProcess::SeparateChannels);
    Viewer *v = viewer.get();
    connect(v->process.get(), &QProcess::readyReadStandardOutput, this, [this, id, v] {
        const QByteArray data = v->process->readAllStandardOutput();
        if (v->socket->bytesToWrite() > kMaxQueuedBytes) {
            close(id, QStringLiteral("the browser does not keep up with the live stream"));
            return;
        }
        v->bytesSent += data.size();
        v->socket->sendBinaryMessage(data);
    });
    connect(v->process.get(), &QProcess::finished, this, [this, id, v](int code) {
        const QString said = QString::fromUtf8(v->process->readAllStandardError()).trimmed();
        close(id, QStringLiteral("the live muxer ended (exit %1)%2")
                      .arg(code)
                      .arg(said.isEmpty() ? QString()
                                          : QStringLiteral(": ") + said.section(u'\n', -1)));
    });
    connect(v->socket.get(), &QWebSocket::disconnected, this,
            [this, id] { close(id, QStringLiteral("the viewer left")); });
    viewers_.emplace(id, std::move(viewer));
    v->process->start();
}

void LiveViewers::close(int id, const QString &reason)
{
    auto it = viewers_.find(id);
    if (it == viewers_.end() || it->second->closing)
        return;
    Viewer &v = *it->second;
    v.closing = true;
    v.process->disconnect(this);
    v.socket->disconnect(this);
    if (v.socket->state() == QAbstractSocket::ConnectedState)
        v.socket->close(QWebSocketProtocol::CloseCodeNormal, reason.left(120));
    supervisor_.releaseStream(consumerName(id));
    // Deleted from the event loop: this may run inside one of their own signals. A running
    // muxer is asked to stop (SIGTERM), killed if it has not within 2 s; never waited for here.
    QProcess *process = v.process.release();
    if (process->state() == QProcess::NotRunning) {
        process->deleteLater();
    } else {
        connect(process, &QProcess::finished, process, &QObject::deleteLater);
        QTimer::singleShot(2000, process, [process] { process->kill(); });
        process->terminate();
    }
    v.socket.release()->deleteLater();
    viewers_.erase(it);
}

QJsonArray LiveViewers::status() const
{
    QJsonArray list;
    for (const auto &[id, v] : viewers_)
        list.append(QJsonObject{{QStringLiteral("viewer"), consumerName(id)},
                                {QStringLiteral("camera"), v->camera},
                                {QStringLiteral("stream"), v->stream},
                                {QStringLiteral("bytes_sent"), v->bytesSent}});
    return list;
}

} // namespace zerotee
