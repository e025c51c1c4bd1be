#include "MqttBridge.h"

#include "EventLog.h"

#include <mosquitto.h>

#include <QElapsedTimer>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcMqtt, "zerotee.mqtt")

namespace zerotee {

namespace {

/// Unacknowledged messages handed to libmosquitto at once (its own default in-flight limit):
/// the rest wait in our bounded queue, where the oldest can still be dropped.
constexpr size_t kMaxInFlight = 20;
/// A broker that takes the TCP connection but does not answer CONNECT within this is given up.
constexpr int kConnackTimeoutMs = 10000;

void initLibrary()
{
    struct Library {
        Library() { mosquitto_lib_init(); }
        ~Library() { mosquitto_lib_cleanup(); }
    };
    static Library library;
}

const char *orNull(const QByteArray &s)
{
    return s.isEmpty() ? nullptr : s.constData();
}

} // namespace

MqttBridge::MqttBridge(const MqttConfig &config, EventLog &events,
                       std::function<QString(const QString &)> cameraOf, const QStringList &cameras,
                       const QString &version, QObject *parent)
    : QObject(parent), config_(config), events_(events),
      formatter_(config, version, std::move(cameraOf)), cameras_(cameras),
      wake_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK))
{
}

MqttBridge::~MqttBridge()
{
    stop(0);
}

QString MqttBridge::stateName(State state)
{
    switch (state) {
    case State::Connecting:
        return QStringLiteral("connecting");
    case State::Connected:
        return QStringLiteral("connected");
    case State::Disconnected:
        return QStringLiteral("disconnected");
    case State::Refused:
        return QStringLiteral("refused");
    case State::Failed:
        return QStringLiteral("failed");
    case State::Stopped:
        return QStringLiteral("stopped");
    }
    return {};
}

void MqttBridge::start()
{
    if (thread_.joinable())
        return;
    initLibrary();
    for (const MqttMessage &message : formatter_.initialMessages(cameras_))
        publish(message);
    follow_ = connect(&events_, &EventLog::eventAdded, this, [this](const QJsonObject &event) {
        for (const MqttMessage &message : formatter_.fromEvent(event))
            publish(message);
    });
    setState(State::Connecting);
    thread_ = std::thread([this] { run(); });
}

void MqttBridge::stop(int drainMs)
{
    if (!thread_.joinable())
        return;
    disconnect(follow_);
    // A clean disconnect does not fire the will: say it ourselves, sent with the rest.
    publish({formatter_.availabilityTopic(), "offline", true});
    drainMs_ = drainMs;
    stopping_ = true;
    wake();
    thread_.join();
    setState(State::Stopped);
}

void MqttBridge::publish(const MqttMessage &message)
{
    {
        std::lock_guard lock(mutex_);
        if (message.retain) {
            retained_[message.topic] = message.payload;
            dirty_.insert(message.topic);
        } else {
            ++enqueued_;
            queue_.push_back(message);
            while (queue_.size() > size_t(config_.queueSize)) {
                queue_.pop_front();
                ++dropped_;
            }
        }
    }
    wake();
}

void MqttBridge::wake()
{
    const uint64_t one = 1;
    if (write(wake_.get(), &one, sizeof one) < 0 && errno != EAGAIN)
        qCWarning(lcMqtt) << "wake:" << strerror(errno);
}

bool MqttBridge::sleepFor(int ms)
{
    QElapsedTimer timer;
    timer.start();
    while (!stopping_ && timer.elapsed() < ms) {
        pollfd fd{wake_.get(), POLLIN, 0};
        if (poll(&fd, 1, int(ms - timer.elapsed())) > 0) {
            uint64_t count;
            [[maybe_unused]] ssize_t n = read(wake_.get(), &count, sizeof count);
        }
    }
    return !stopping_;
}

QString MqttBridge::describe(int rc)
{
    QString text = rc == MOSQ_ERR_ERRNO ? QString::fromLocal8Bit(strerror(errno))
                                        : QString::fromUtf8(mosquitto_strerror(rc));
    if (text.endsWith(u'.'))
        text.chop(1);
    return text;
}

void MqttBridge::setState(State state, const QString &error)
{
    std::lock_guard lock(mutex_);
    state_ = state;
    if (!error.isEmpty())
        lastError_ = error;
}

void MqttBridge::note(const QString &message)
{
    qCInfo(lcMqtt).noquote() << message;
    QMetaObject::invokeMethod(
        this,
        [this, message] {
            events_.append(QStringLiteral("mqtt"), QStringLiteral("mqtt"), message,
                           {{QStringLiteral("state"), snapshot().value(QStringLiteral("state"))}});
        },
        Qt::QueuedConnection);
}

bool MqttBridge::configure(mosquitto *mosq)
{
    mosquitto_threaded_set(mosq, true); // publish only queues; this thread's loop writes
    mosquitto_int_option(mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_connect_callback_set(mosq, &MqttBridge::onConnect);
    mosquitto_disconnect_callback_set(mosq, &MqttBridge::onDisconnect);
    mosquitto_publish_callback_set(mosq, &MqttBridge::onPublish);
    mosquitto_log_callback_set(mosq, &MqttBridge::onLog);
    const QByteArray will = formatter_.availabilityTopic();
    int rc = mosquitto_will_set(mosq, will.constData(), 7, "offline", config_.qos, true);
    if (rc == MOSQ_ERR_SUCCESS && !config_.username.isEmpty())
        rc = mosquitto_username_pw_set(mosq, config_.username.toUtf8().constData(),
                                       orNull(config_.password.toUtf8()));
    if (rc != MOSQ_ERR_SUCCESS) {
        setState(State::Failed, QStringLiteral("cannot set up the client: ") + describe(rc));
        return false;
    }
    if (!config_.caFile.isEmpty()) {
        const QByteArray ca = config_.caFile.toLocal8Bit(), cert = config_.certFile.toLocal8Bit(),
                         key = config_.keyFile.toLocal8Bit();
        rc = mosquitto_tls_set(mosq, ca.constData(), nullptr, orNull(cert), orNull(key), nullptr);
        if (rc == MOSQ_ERR_SUCCESS)
            rc = mosquitto_tls_insecure_set(mosq, config_.tlsInsecure);
        if (rc != MOSQ_ERR_SUCCESS) {
            setState(State::Failed, QStringLiteral("TLS set-up (mqtt.ca_file, cert_file, "
                                                   "key_file): ") +
                                        describe(rc));
            return false;
        }
    }
    return true;
}

void MqttBridge::run()
{
    const QByteArray clientId = config_.effectiveClientId().toUtf8();
    const QByteArray host = config_.host.toUtf8();
    const QString broker = QStringLiteral("%1:%2").arg(config_.host).arg(config_.port);
    mosquitto *mosq = mosquitto_new(clientId.constData(), true, this);
    int delayS = config_.reconnectMinSeconds;
    bool reported = false; // the current run of failures is in the event log
    while (mosq && !stopping_) {
        if (!configure(mosq)) {
            note(QStringLiteral("MQTT bridge not started: ") +
                 snapshot().value(QStringLiteral("last_error")).toString());
            break;
        }
        setState(State::Connecting);
        const int rc =
            mosquitto_connect_async(mosq, host.constData(), config_.port, config_.keepaliveSeconds);
        if (rc == MOSQ_ERR_SUCCESS) {
            serve(mosq);
        } else {
            const QString why = describe(rc); // before anything else can change errno
            std::lock_guard lock(mutex_);
            lastError_ = why;
        }
        const QJsonObject now = snapshot();
        const QString error = now.value(QStringLiteral("last_error")).toString();
        bool refused = false, wasConnected = false;
        {
            std::lock_guard lock(mutex_);
            wasConnected = connected_;
            connected_ = false;
            refused = connackCode_ == 4 || connackCode_ == 5;
            connackCode_ = -1;
            if (!stopping_ && !wasConnected)
                ++failures_;
        }
        connectionLost();
        if (stopping_)
            break;
        if (refused) {
            // Retrying with the same name and password cannot succeed: say so, once.
            setState(State::Refused);
            note(QStringLiteral("MQTT broker %1 refused the login: %2 (check mqtt.username and "
                                "mqtt.password); not retrying")
                     .arg(broker, error));
            while (sleepFor(60000)) {
            }
            break;
        }
        if (wasConnected) {
            delayS = config_.reconnectMinSeconds;
            reported = false;
        }
        setState(State::Disconnected);
        if (!reported) {
            note(QStringLiteral("MQTT broker %1 %2: %3; retrying every %4..%5 s")
                     .arg(broker,
                          wasConnected ? QStringLiteral("connection lost")
                                       : QStringLiteral("unreachable"),
                          error)
                     .arg(config_.reconnectMinSeconds)
                     .arg(config_.reconnectMaxSeconds));
            reported = true;
        }
        if (!sleepFor(delayS * 1000))
            break;
        delayS = std::min(delayS * 2, config_.reconnectMaxSeconds);
        mosquitto_reinitialise(mosq, clientId.constData(), true, this);
    }
    if (mosq)
        mosquitto_destroy(mosq);
    else
        setState(State::Failed, QStringLiteral("cannot create an MQTT client"));
}

void MqttBridge::serve(mosquitto *mosq)
{
    QElapsedTimer since, draining;
    since.start();
    for (;;) {
        bool connected;
        {
            std::lock_guard lock(mutex_);
            connected = connected_;
        }
        if (connected && !flush(mosq))
            return;
        if (stopping_) {
            if (!connected)
                return;
            if (!draining.isValid())
                draining.start();
            bool idle;
            {
                std::lock_guard lock(mutex_);
                idle = queue_.empty() && dirty_.empty() && inFlight_.empty();
            }
            if (idle || draining.elapsed() >= drainMs_) {
                mosquitto_disconnect(mosq);
                mosquitto_loop(mosq, 0, 1);
                return;
            }
        }
        if (!connected && since.elapsed() > kConnackTimeoutMs) {
            setState(
                State::Connecting,
                QStringLiteral("no answer to CONNECT within %1 s").arg(kConnackTimeoutMs / 1000));
            return;
        }
        // Wait for the socket or for new messages; libmosquitto then does the I/O without
        // waiting (timeout 0), keepalive pings included.
        pollfd fds[2] = {{mosquitto_socket(mosq), short(POLLIN), 0}, {wake_.get(), POLLIN, 0}};
        if (mosquitto_want_write(mosq))
            fds[0].events |= POLLOUT;
        poll(fds, 2, connected ? (stopping_ ? 50 : 1000) : 20);
        if (fds[1].revents & POLLIN) {
            uint64_t count;
            [[maybe_unused]] ssize_t n = read(wake_.get(), &count, sizeof count);
        }
        const int rc = mosquitto_loop(mosq, 0, 1);
        if (rc != MOSQ_ERR_SUCCESS) {
            const QString why = describe(rc);
            std::lock_guard lock(mutex_);
            if (connackCode_ <= 0 || lastError_.isEmpty())
                lastError_ = why;
            // "A TLS error occurred" alone does not help: OpenSSL's reason was logged.
            if (rc == MOSQ_ERR_TLS && !lastLibraryError_.isEmpty())
                lastError_ += QStringLiteral(" (") + lastLibraryError_ + u')';
            return;
        }
    }
}

bool MqttBridge::flush(mosquitto *mosq)
{
    for (;;) {
        InFlight item;
        {
            std::lock_guard lock(mutex_);
            if (inFlight_.size() >= kMaxInFlight)
                return true;
            if (!dirty_.empty()) {
                const QByteArray topic = *dirty_.begin();
                dirty_.erase(dirty_.begin());
                item = {{topic, retained_[topic], true}, true};
            } else if (!queue_.empty()) {
                item = {queue_.front(), false};
                queue_.pop_front();
            } else {
                return true;
            }
        }
        int mid = 0;
        const int rc = mosquitto_publish(
            mosq, &mid, item.message.topic.constData(), int(item.message.payload.size()),
            item.message.payload.constData(), config_.qos, item.message.retain);
        std::lock_guard lock(mutex_);
        if (rc != MOSQ_ERR_SUCCESS) {
            // Back where it was; the connection is probably going.
            if (item.state)
                dirty_.insert(item.message.topic);
            else
                queue_.push_front(item.message);
            lastError_ = QStringLiteral("publish: ") + describe(rc);
            return rc != MOSQ_ERR_NO_CONN && rc != MOSQ_ERR_CONN_LOST;
        }
        inFlight_[mid] = std::move(item);
    }
}

void MqttBridge::connectionLost()
{
    std::lock_guard lock(mutex_);
    // Events not acknowledged go back to the front, oldest first, and are sent again (at least
    // once); states are all sent on the next connection anyway.
    for (auto it = inFlight_.rbegin(); it != inFlight_.rend(); ++it)
        if (!it->second.state)
            queue_.push_front(it->second.message);
    inFlight_.clear();
    while (queue_.size() > size_t(config_.queueSize)) {
        queue_.pop_front();
        ++dropped_;
    }
    for (const auto &[topic, payload] : retained_)
        dirty_.insert(topic);
}

void MqttBridge::onConnect(mosquitto *, void *self, int rc)
{
    auto *bridge = static_cast<MqttBridge *>(self);
    {
        std::lock_guard lock(bridge->mutex_);
        bridge->connackCode_ = rc;
        if (rc != 0) {
            bridge->lastError_ = QString::fromUtf8(mosquitto_connack_string(rc));
            return;
        }
        bridge->connected_ = true;
        bridge->state_ = State::Connected;
        ++bridge->connects_;
        for (const auto &[topic, payload] : bridge->retained_)
            bridge->dirty_.insert(topic);
    }
    bridge->note(QStringLiteral("MQTT connected to %1:%2 as %3")
                     .arg(bridge->config_.host)
                     .arg(bridge->config_.port)
                     .arg(bridge->config_.effectiveClientId()));
}

void MqttBridge::onDisconnect(mosquitto *, void *self, int rc)
{
    auto *bridge = static_cast<MqttBridge *>(self);
    std::lock_guard lock(bridge->mutex_);
    if (rc != 0 && bridge->connected_)
        bridge->lastError_ = QStringLiteral("connection lost: ") + describe(rc);
}

void MqttBridge::onLog(mosquitto *, void *self, int level, const char *text)
{
    if (!(level & MOSQ_LOG_ERR) || !text)
        return;
    auto *bridge = static_cast<MqttBridge *>(self);
    std::lock_guard lock(bridge->mutex_);
    bridge->lastLibraryError_ = QString::fromUtf8(text);
}

void MqttBridge::onPublish(mosquitto *, void *self, int mid)
{
    auto *bridge = static_cast<MqttBridge *>(self);
    std::lock_guard lock(bridge->mutex_);
    if (bridge->inFlight_.erase(mid))
        ++bridge->published_;
}

QJsonObject MqttBridge::snapshot() const
{
    std::lock_guard lock(mutex_);
    return {
        {QStringLiteral("state"), stateName(state_)},
        {QStringLiteral("connected"), state_ == State::Connected},
        {QStringLiteral("broker"), QStringLiteral("%1:%2").arg(config_.host).arg(config_.port)},
        {QStringLiteral("tls"), !config_.caFile.isEmpty()},
        {QStringLiteral("client_id"), config_.effectiveClientId()},
        {QStringLiteral("topic_base"), formatter_.base()},
        {QStringLiteral("queued"), qint64(queue_.size())},
        {QStringLiteral("in_flight"), qint64(inFlight_.size())},
        {QStringLiteral("queue_size"), config_.queueSize},
        {QStringLiteral("enqueued"), qint64(enqueued_)},
        {QStringLiteral("published"), qint64(published_)},
        {QStringLiteral("dropped"), qint64(dropped_)},
        {QStringLiteral("connects"), qint64(connects_)},
        {QStringLiteral("connect_failures"), qint64(failures_)},
        {QStringLiteral("last_error"), lastError_},
    };
}

} // namespace zerotee
