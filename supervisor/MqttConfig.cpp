#include "MqttConfig.h"

#include <QFileInfo>
#include <QRegularExpression>
#include <QSysInfo>

namespace zerotee {

namespace {

const QRegularExpression &deviceRe()
{
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9_-]{1,64}$"));
    return re;
}

/// A topic prefix: levels of printable characters, no wildcards, no empty level.
bool validPrefix(const QString &prefix)
{
    static const QRegularExpression re(QStringLiteral("^[^/#+\\s]+(/[^/#+\\s]+)*$"));
    return re.match(prefix).hasMatch() && prefix.size() <= 128;
}

} // namespace

QString MqttConfig::effectiveDevice() const
{
    if (!device.isEmpty())
        return device;
    QString name = QSysInfo::machineHostName().section(u'.', 0, 0);
    name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9_-]")), QStringLiteral("_"));
    return name.isEmpty() ? QStringLiteral("zerotee") : name.left(64);
}

bool MqttConfig::setBroker(const QString &text, QString *error)
{
    static const QRegularExpression re(
        QStringLiteral("^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+)(?::(\\d{1,5}))?$"));
    const QRegularExpressionMatch m = re.match(text);
    if (!m.hasMatch()) {
        *error = QStringLiteral("'%1' is not HOST or HOST:PORT").arg(text);
        return false;
    }
    QString h = m.captured(1);
    if (h.startsWith(u'['))
        h = h.mid(1, h.size() - 2);
    if (!m.captured(2).isEmpty()) {
        const int p = m.captured(2).toInt();
        if (p < 1 || p > 65535) {
            *error = QStringLiteral("port %1 is out of range 1..65535").arg(p);
            return false;
        }
        port = p;
    }
    host = h;
    return true;
}

QList<QPair<QString, QString>> MqttConfig::problems() const
{
    QList<QPair<QString, QString>> out;
    auto add = [&](const char *key, const QString &reason) {
        out.append({QStringLiteral("mqtt.") + QString::fromLatin1(key), reason});
    };
    static const QRegularExpression hostRe(QStringLiteral("^[A-Za-z0-9_.:-]{1,253}$"));
    if (!host.isEmpty() && !hostRe.match(host).hasMatch())
        add("host", QStringLiteral("'%1' is not a host name or IP address").arg(host));
    if (port < 1 || port > 65535)
        add("port", QStringLiteral("%1 is out of range 1..65535").arg(port));
    if (!device.isEmpty() && !deviceRe().match(device).hasMatch())
        add("device",
            QStringLiteral("'%1' is not a topic level of [A-Za-z0-9_-] (64 at most)").arg(device));
    if (!validPrefix(topicPrefix))
        add("topic_prefix",
            QStringLiteral("'%1' is not a topic without wildcards (+ #), spaces or empty levels")
                .arg(topicPrefix));
    if (!validPrefix(discoveryPrefix))
        add("discovery_prefix",
            QStringLiteral("'%1' is not a topic without wildcards (+ #), spaces or empty levels")
                .arg(discoveryPrefix));
    if (clientId.size() > 128)
        add("client_id", QStringLiteral("is longer than 128 characters"));
    if (!password.isEmpty() && username.isEmpty())
        add("password", QStringLiteral("needs mqtt.username (MQTT sends no password alone)"));
    if (qos < 0 || qos > 2)
        add("qos", QStringLiteral("%1 is not 0, 1 or 2").arg(qos));
    if (reconnectMinSeconds > reconnectMaxSeconds)
        add("reconnect_min", QStringLiteral("%1 s is more than mqtt.reconnect_max (%2 s)")
                                 .arg(reconnectMinSeconds)
                                 .arg(reconnectMaxSeconds));
    const struct {
        const char *key;
        const QString &path;
    } files[] = {{"ca_file", caFile}, {"cert_file", certFile}, {"key_file", keyFile}};
    for (const auto &file : files)
        if (!file.path.isEmpty() && !QFileInfo(file.path).isReadable())
            add(file.key, QStringLiteral("'%1' is not a readable file").arg(file.path));
    if (certFile.isEmpty() != keyFile.isEmpty())
        add(certFile.isEmpty() ? "cert_file" : "key_file",
            QStringLiteral("a client certificate needs both mqtt.cert_file and mqtt.key_file"));
    if (!certFile.isEmpty() && caFile.isEmpty())
        add("ca_file", QStringLiteral("is needed for TLS (mqtt.cert_file is set)"));
    if (tlsInsecure && caFile.isEmpty())
        add("tls_insecure", QStringLiteral("applies only with TLS (set mqtt.ca_file)"));
    return out;
}

} // namespace zerotee
