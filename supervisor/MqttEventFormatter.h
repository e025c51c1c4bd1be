#pragma once

#include "MqttConfig.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QStringList>
#include <functional>

namespace zerotee {

/// One MQTT message. Retained ones are state (the latest value is what matters); the others
/// are events (each one matters, in order).
struct MqttMessage {
    QByteArray topic;
    QByteArray payload;
    bool retain = false;
};

/// Turns the supervisor's events (EventLog entries) into the topics and JSON payloads of
/// docs/mqtt.md, and makes the Home Assistant discovery configs. It keeps which AI events are
/// open per camera, so `<camera>/detected` says ON while anything is in view.
///
/// Thread context: thread-bound (the main thread, where the EventLog is).
class MqttEventFormatter {
public:
    /// @p cameraOf: the camera a worker reads (Supervisor::workerCamera).
    MqttEventFormatter(const MqttConfig &config, QString version,
                       std::function<QString(const QString &worker)> cameraOf);

    /// "<topic_prefix>/<device>".
    const QString &base() const { return base_; }
    QByteArray availabilityTopic() const;
    /// What every session starts with: availability online, per camera the discovery configs
    /// (when enabled) and `detected` OFF.
    QList<MqttMessage> initialMessages(const QStringList &cameras) const;
    /// The message(s) for one EventLog entry; none for the bridge's own ("mqtt") entries.
    QList<MqttMessage> fromEvent(const QJsonObject &event);

private:
    QList<MqttMessage> detectedChange(const QString &camera, const QString &key, bool open);
    QByteArray topic(const QString &rest) const;
    QJsonObject discoveryDevice() const;

    MqttConfig config_;
    QString version_;
    std::function<QString(const QString &)> cameraOf_;
    QString base_;
    QString nodeId_;
    QHash<QString, QSet<QString>> openEvents_; // camera → "worker#event_id"
};

} // namespace zerotee
