#include "TriggerParser.h"

#include "SegmentNamer.h"
#include "WorkerProtocol.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace zerotee {

TriggerParser::Result TriggerParser::parse(const std::string &line)
{
    Result result;
    const QByteArray bytes = QByteArray::fromStdString(line).trimmed();
    if (bytes.isEmpty())
        return result;
    QJsonParseError error{};
    const QJsonDocument document = QJsonDocument::fromJson(bytes, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        result.error = "not a JSON object: " + line;
        return result;
    }
    const QJsonObject object = document.object();
    if (protocol::commandOf(object) != protocol::Command::Trigger)
        return result;
    result.isTrigger = true;
    const QString label = object.value("label").toString();
    result.label = SegmentNamer::sanitiseLabel(label.isEmpty() ? "event" : label.toStdString());
    return result;
}

} // namespace zerotee
