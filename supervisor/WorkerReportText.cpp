#include "WorkerReportText.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QStringList>

namespace zerotee {

namespace {

QString number(const QJsonValue &value)
{
    return QString::number(value.toDouble(), 'g', 4);
}

QString valueText(const QJsonValue &value)
{
    if (value.isString())
        return value.toString();
    if (value.isDouble())
        return number(value);
    if (value.isBool())
        return value.toBool() ? QStringLiteral("true") : QStringLiteral("false");
    if (value.isArray())
        return QString::fromUtf8(QJsonDocument(value.toArray()).toJson(QJsonDocument::Compact));
    if (value.isObject())
        return QString::fromUtf8(QJsonDocument(value.toObject()).toJson(QJsonDocument::Compact));
    return QStringLiteral("null");
}

/// "start"/"end" of an AI event.
QString trackedEventText(const QString &label, const QJsonObject &report)
{
    const QString state = report.value(QStringLiteral("state")).toString();
    if (state == QStringLiteral("start")) {
        QString text = label + QStringLiteral(" started");
        if (report.contains(QStringLiteral("score")))
            text +=
                QStringLiteral(" (score %1)").arg(number(report.value(QStringLiteral("score"))));
        return text;
    }
    QString text = label + QStringLiteral(" ended");
    if (report.contains(QStringLiteral("duration_ms")))
        text += QStringLiteral(" after %1 s")
                    .arg(number(report.value(QStringLiteral("duration_ms")).toDouble() / 1000.0));
    if (const QString reason = report.value(QStringLiteral("reason")).toString(); !reason.isEmpty())
        text += QStringLiteral(" (%1)").arg(reason);
    return text;
}

QString detectionText(const QJsonObject &report)
{
    QString text = report.value(QStringLiteral("label")).toString(QStringLiteral("object"));
    if (report.contains(QStringLiteral("score")))
        text += QStringLiteral(", score %1").arg(number(report.value(QStringLiteral("score"))));
    const QJsonArray box = report.value(QStringLiteral("box")).toArray();
    if (box.size() == 4)
        text += QStringLiteral(", at %1,%2 size %3x%4")
                    .arg(number(box[0]), number(box[1]), number(box[2]), number(box[3]));
    return text;
}

/// key=value for every field but the type, sorted: the words of a report we know nothing of.
QString fieldsText(const QJsonObject &report)
{
    QStringList parts;
    for (auto it = report.begin(); it != report.end(); ++it)
        if (it.key() != QStringLiteral("type"))
            parts << it.key() + u'=' + valueText(it.value());
    return parts.isEmpty() ? QStringLiteral("(the worker sent no details)") : parts.join(u' ');
}

} // namespace

QString workerReportText(const QJsonObject &report)
{
    if (report.value(QStringLiteral("type")).toString() == QStringLiteral("detection"))
        return detectionText(report);

    // What happened: the AI's and the recorder's "label", the RTSP server's "event".
    QString what = report.value(QStringLiteral("label")).toString();
    if (what.isEmpty())
        what = report.value(QStringLiteral("event")).toString();
    if (what.isEmpty())
        return fieldsText(report);

    if (report.contains(QStringLiteral("state")))
        return trackedEventText(what, report);
    if (what == QStringLiteral("listening") && report.contains(QStringLiteral("port"))) {
        QStringList urls;
        for (const QJsonValue &url : report.value(QStringLiteral("urls")).toArray())
            urls << url.toString();
        QString text = QStringLiteral("listening on port %1")
                           .arg(report.value(QStringLiteral("port")).toInt());
        return urls.isEmpty() ? text
                              : text + QStringLiteral(": ") + urls.join(QStringLiteral(", "));
    }
    QStringList details;
    if (const QString file = report.value(QStringLiteral("file")).toString(); !file.isEmpty())
        details << QFileInfo(file).fileName();
    if (const QString message = report.value(QStringLiteral("message")).toString();
        !message.isEmpty())
        details << message;
    QString text = what;
    if (!details.isEmpty())
        text += QStringLiteral(": ") + details.join(u' ');
    if (const QString reason = report.value(QStringLiteral("reason")).toString(); !reason.isEmpty())
        text += QStringLiteral(" (%1)").arg(reason);
    return text;
}

} // namespace zerotee
