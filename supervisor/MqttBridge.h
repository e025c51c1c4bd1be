#pragma once

#include "MqttConfig.h"
#include "MqttEventFormatter.h"
#include "UniqueFd.h"

#include <QJsonObject>
#include <QLoggingCategory>
#include <QObject>
#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

Q_DECLARE_LOGGING_CATEGORY(lcMqtt)

struct mosquitto;

namespace zerotee {

class EventLog;

/// Publishes the supervisor's events to an MQTT broker (docs/mqtt.md) with libmosquitto.
///
/// The main thread never waits on the network: an EventLog entry becomes messages
/// (MqttEventFormatter) that are only put in memory here. Events wait in a bounded queue that
/// drops the oldest when full (counted); state topics (retained) keep only their latest value and
/// are all sent again on every connection, so a broker restarted without persistence gets them
/// back. A thread of its own connects (with backoff), sends and acknowledges; the broker's last
/// will says "offline" when the supervisor dies. A refused login is not retried: status and the
/// event log say why.
///
/// Thread context: thread-bound to the main thread, except the network thread inside.
class MqttBridge : public QObject {
    Q_OBJECT

public:
    enum class State { Connecting, Connected, Disconnected, Refused, Failed, Stopped };

    /// @p cameraOf: the camera a worker reads; @p cameras: every camera (discovery).
    MqttBridge(const MqttConfig &config, EventLog &events,
               std::function<QString(const QString &)> cameraOf, const QStringList &cameras,
               const QString &version, QObject *parent = nullptr);
    ~MqttBridge() override;

    /// Starts the network thread and follows the event log.
    void start();
    /// Says "offline", sends what is queued (at most @p drainMs) and disconnects. Idempotent.
    void stop(int drainMs = 1000);

    /// Queues one message (an event) or replaces a state (retained). Never blocks on I/O.
    void publish(const MqttMessage &message);

    /// state, broker, connected, queued, in_flight, queue_size, published, dropped, ...
    QJsonObject snapshot() const;
    static QString stateName(State state);

private:
    struct InFlight {
        MqttMessage message;
        bool state; // a retained state topic (sent again on every connection anyway)
    };

    void run();
    /// One connection, from connect until it is lost, refused or stopped.
    void serve(mosquitto *mosq);
    /// Hands queued messages to libmosquitto while fewer than kMaxInFlight are unacknowledged.
    bool flush(mosquitto *mosq);
    bool configure(mosquitto *mosq);
    void connectionLost();
    void setState(State state, const QString &error = {});
    /// Waits @p ms on the wake descriptor; false when stopping.
    bool sleepFor(int ms);
    void wake();
    /// Adds an "mqtt" entry to the event log, from any thread (queued to the main thread).
    void note(const QString &message);
    static QString describe(int rc);

    static void onConnect(mosquitto *, void *self, int rc);
    static void onDisconnect(mosquitto *, void *self, int rc);
    static void onPublish(mosquitto *, void *self, int mid);
    static void onLog(mosquitto *, void *self, int level, const char *text);

    const MqttConfig config_;
    EventLog &events_;
    MqttEventFormatter formatter_;
    QStringList cameras_;
    UniqueFd wake_;
    std::thread thread_;
    std::atomic<bool> stopping_{false};
    int drainMs_ = 1000;
    QMetaObject::Connection follow_;

    mutable std::mutex mutex_; // everything below; never held while calling libmosquitto
    std::deque<MqttMessage> queue_;
    std::map<QByteArray, QByteArray> retained_;
    std::set<QByteArray> dirty_;       // retained topics not sent on this connection yet
    std::map<int, InFlight> inFlight_; // by message id
    State state_ = State::Stopped;
    QString lastError_;
    QString lastLibraryError_; // libmosquitto's latest error log line (OpenSSL's reason)
    bool connected_ = false;
    int connackCode_ = -1;
    quint64 enqueued_ = 0, published_ = 0, dropped_ = 0, connects_ = 0, failures_ = 0;
};

} // namespace zerotee
