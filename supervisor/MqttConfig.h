#pragma once

#include <QList>
#include <QPair>
#include <QString>

namespace zerotee {

/// The MQTT event bridge (`[mqtt]`, `--mqtt HOST[:PORT]`): where zerotee's events go and how
/// the bridge connects. The bridge runs when `host` is set and `enabled` is true (docs/mqtt.md).
struct MqttConfig {
    bool enabled = true;
    QString host; // empty = no bridge
    int port = 1883;
    QString clientId; // empty = "zerotee-<device>"
    QString username;
    QString password;
    /// Topics are <topicPrefix>/<device>/...; device empty = this machine's host name.
    QString topicPrefix = QStringLiteral("zerotee");
    QString device;
    bool discovery = true; // Home Assistant MQTT discovery configs
    QString discoveryPrefix = QStringLiteral("homeassistant");
    int qos = 1;
    int keepaliveSeconds = 30;
    /// Events held while the broker is away; beyond it the oldest is dropped (and counted).
    int queueSize = 1000;
    int reconnectMinSeconds = 1;
    int reconnectMaxSeconds = 30;
    /// TLS: on when caFile is set; certFile + keyFile for a client certificate.
    QString caFile;
    QString certFile;
    QString keyFile;
    bool tlsInsecure = false; // skip the host-name check (a test broker's certificate)

    bool active() const { return enabled && !host.isEmpty(); }
    /// The device part of the topics: `device`, or the host name made topic-safe.
    QString effectiveDevice() const;
    QString effectiveClientId() const
    {
        return clientId.isEmpty() ? QStringLiteral("zerotee-") + effectiveDevice() : clientId;
    }
    /// Parses "HOST" or "HOST:PORT" (an IPv6 address in brackets: "[::1]:1883"). False when
    /// malformed; @p error says why.
    bool setBroker(const QString &text, QString *error);
    /// Every (key, reason) wrong with these settings, keys as in the file ("mqtt.port").
    QList<QPair<QString, QString>> problems() const;
};

} // namespace zerotee
