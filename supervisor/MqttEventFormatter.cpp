#include "MqttEventFormatter.h"

#include "WorkerProtocol.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <ctime>

namespace zerotee {

namespace {

QByteArray json(const QJsonObject &o)
{
    return QJsonDocument(o).toJson(QJsonDocument::Compact);
}

/// Home Assistant's object ids are [a-zA-Z0-9_-]; camera names may hold dots.
QString objectId(QString name)
{
    return name.replace(u'.', u'_');
}

/// The capture time as UTC ISO 8601, from the frame's CLOCK_MONOTONIC time stamp.
QString capturedUtc(qint64 ptsNs)
{
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    const qint64 ageMs = (qint64(now.tv_sec) * 1000000000 + now.tv_nsec - ptsNs) / 1000000;
    return QDateTime::currentDateTimeUtc().addMSecs(-ageMs).toString(Qt::ISODateWithMs);
}

/// Copies @p keys of @p from that are present.
void copy(const QJsonObject &from, QJsonObject &to, std::initializer_list<const char *> keys)
{
    for (const char *key : keys)
        if (const QJsonValue v = from.value(QLatin1String(key)); !v.isUndefined())
            to.insert(QLatin1String(key), v);
}

const QHash<QString, QString> &recordingStates()
{
    static const QHash<QString, QString> states{
        {protocol::recorder_event::kSegmentOpened, QStringLiteral("started")},
        {protocol::recorder_event::kSegmentClosed, QStringLiteral("finished")},
        {protocol::recorder_event::kSegmentRecovered, QStringLiteral("recovered")},
        {protocol::recorder_event::kSegmentDeleted, QStringLiteral("deleted")},
    };
    return states;
}

} // namespace

MqttEventFormatter::MqttEventFormatter(const MqttConfig &config, QString version,
                                       std::function<QString(const QString &)> cameraOf)
    : config_(config), version_(std::move(version)), cameraOf_(std::move(cameraOf)),
      base_(config.topicPrefix + u'/' + config.effectiveDevice()),
      nodeId_(QStringLiteral("zerotee_") + config.effectiveDevice())
{
}

QByteArray MqttEventFormatter::topic(const QString &rest) const
{
    return (base_ + u'/' + rest).toUtf8();
}

QByteArray MqttEventFormatter::availabilityTopic() const
{
    return topic(QStringLiteral("availability"));
}

QJsonObject MqttEventFormatter::discoveryDevice() const
{
    return {{QStringLiteral("identifiers"), QJsonArray{nodeId_}},
            {QStringLiteral("name"), QStringLiteral("zerotee ") + config_.effectiveDevice()},
            {QStringLiteral("manufacturer"), QStringLiteral("zerotee")},
            {QStringLiteral("model"), QStringLiteral("zerotee camera service")},
            {QStringLiteral("sw_version"), version_}};
}

QList<MqttMessage> MqttEventFormatter::initialMessages(const QStringList &cameras) const
{
    QList<MqttMessage> out{{availabilityTopic(), "online", true}};
    for (const QString &camera : cameras) {
        const QString id = objectId(camera);
        if (config_.discovery) {
            // One entity: its config topic, name, unique id and state topic; the rest shared.
            auto entity = [&](const char *component, const QString &suffix, const QString &name,
                              const QString &stateTopic, QJsonObject fields) {
                fields.insert(QStringLiteral("name"), camera + u' ' + name);
                fields.insert(QStringLiteral("unique_id"), nodeId_ + u'_' + id + u'_' + suffix);
                fields.insert(QStringLiteral("state_topic"),
                              QString::fromUtf8(topic(camera + u'/' + stateTopic)));
                fields.insert(QStringLiteral("availability_topic"),
                              QString::fromUtf8(availabilityTopic()));
                fields.insert(QStringLiteral("payload_available"), QStringLiteral("online"));
                fields.insert(QStringLiteral("payload_not_available"), QStringLiteral("offline"));
                fields.insert(QStringLiteral("json_attributes_topic"),
                              QString::fromUtf8(topic(camera + QStringLiteral("/detection"))));
                fields.insert(QStringLiteral("device"), discoveryDevice());
                const QString config = config_.discoveryPrefix + u'/' + QLatin1String(component) +
                                       u'/' + nodeId_ + u'/' + id + u'_' + suffix +
                                       QStringLiteral("/config");
                out.append({config.toUtf8(), json(fields), true});
            };
            entity("binary_sensor", QStringLiteral("detection"), QStringLiteral("detection"),
                   QStringLiteral("detected"),
                   {{QStringLiteral("payload_on"), QStringLiteral("ON")},
                    {QStringLiteral("payload_off"), QStringLiteral("OFF")},
                    {QStringLiteral("device_class"), QStringLiteral("motion")}});
            entity("sensor", QStringLiteral("last_detection"), QStringLiteral("last detection"),
                   QStringLiteral("detection"),
                   {{QStringLiteral("value_template"), QStringLiteral("{{ value_json.label }}")},
                    {QStringLiteral("icon"), QStringLiteral("mdi:cctv")}});
        }
        out.append({topic(camera + QStringLiteral("/detected")), "OFF", true});
    }
    return out;
}

QList<MqttMessage> MqttEventFormatter::detectedChange(const QString &camera, const QString &key,
                                                      bool open)
{
    QSet<QString> &set = openEvents_[camera];
    const bool wasOn = !set.isEmpty();
    if (open)
        set.insert(key);
    else
        set.remove(key);
    if (wasOn == !set.isEmpty())
        return {};
    return {{topic(camera + QStringLiteral("/detected")), set.isEmpty() ? "OFF" : "ON", true}};
}

QList<MqttMessage> MqttEventFormatter::fromEvent(const QJsonObject &event)
{
    const QString type = event.value(QStringLiteral("type")).toString();
    const QString source = event.value(QStringLiteral("source")).toString();
    if (type == QStringLiteral("mqtt"))
        return {};
    const QString workerCamera = cameraOf_(source);
    QJsonObject payload{{QStringLiteral("time"), event.value(QStringLiteral("time"))},
                        {QStringLiteral("id"), event.value(QStringLiteral("id"))}};

    if (type == QStringLiteral("detection") && !workerCamera.isEmpty()) {
        payload.insert(QStringLiteral("camera"), workerCamera);
        payload.insert(QStringLiteral("worker"), source);
        copy(event, payload, {"label", "score", "box", "event_id", "pts_ns"});
        if (event.contains(QStringLiteral("pts_ns")))
            payload.insert(QStringLiteral("captured"),
                           capturedUtc(event.value(QStringLiteral("pts_ns")).toInteger()));
        return {{topic(workerCamera + QStringLiteral("/detection")), json(payload)}};
    }

    const QString label = event.value(QStringLiteral("label")).toString();
    const QString state = event.value(QStringLiteral("state")).toString();
    if (type == QStringLiteral("event") && !workerCamera.isEmpty()) {
        payload.insert(QStringLiteral("camera"), workerCamera);
        payload.insert(QStringLiteral("worker"), source);
        if (const QString recording = recordingStates().value(label); !recording.isEmpty()) {
            payload.insert(QStringLiteral("state"), recording);
            payload.insert(QStringLiteral("path"), event.value(QStringLiteral("file")));
            copy(event, payload, {"reason"});
            return {{topic(workerCamera + QStringLiteral("/recording")), json(payload)}};
        }
        if (state == QStringLiteral("start") || state == QStringLiteral("end")) {
            copy(event, payload,
                 {"label", "state", "event_id", "score", "peak_score", "box", "pts_ns",
                  "start_pts_ns", "duration_ms", "reason", "detector"});
            QList<MqttMessage> out{{topic(workerCamera + QStringLiteral("/event")), json(payload)}};
            const QString key =
                source + u'#' +
                QString::number(event.value(QStringLiteral("event_id")).toInteger());
            out += detectedChange(workerCamera, key, state == QStringLiteral("start"));
            return out;
        }
    }

    if (type == QStringLiteral("worker") && !state.isEmpty()) {
        payload.insert(QStringLiteral("name"), source);
        payload.insert(QStringLiteral("state"), state);
        payload.insert(QStringLiteral("camera"), workerCamera);
        payload.insert(QStringLiteral("message"), event.value(QStringLiteral("message")));
        QList<MqttMessage> out{
            {topic(QStringLiteral("workers/") + source + QStringLiteral("/state")), json(payload),
             true}};
        // A worker that is not running any more closes its events (a crash sends no "end").
        if (state != QStringLiteral("running") && state != QStringLiteral("starting")) {
            for (auto it = openEvents_.begin(); it != openEvents_.end(); ++it)
                for (const QString &key : QSet<QString>(it.value()))
                    if (key.startsWith(source + u'#'))
                        out += detectedChange(it.key(), key, false);
        }
        return out;
    }

    if (type == QStringLiteral("capture") && !state.isEmpty()) {
        payload.insert(QStringLiteral("state"), state);
        payload.insert(QStringLiteral("message"), event.value(QStringLiteral("message")));
        return {{topic(source + QStringLiteral("/capture")), json(payload), true}};
    }

    // Everything else (triggers, streams, RTSP listening, budget warnings): the whole entry.
    return {{topic(QStringLiteral("event")), json(event)}};
}

} // namespace zerotee
