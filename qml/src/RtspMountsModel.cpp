#include "RtspMountsModel.h"

#include <QHostAddress>
#include <QJsonObject>
#include <QNetworkInterface>
#include <QUrl>

namespace zerotee {

RtspMountsModel::RtspMountsModel(QObject *parent)
    : KeyedRowsModel(parent), address_(primaryAddress())
{
}

int RtspMountsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QHash<int, QByteArray> RtspMountsModel::roleNames() const
{
    return {{WorkerRole, "worker"},   {PathRole, "path"},       {UrlRole, "url"},
            {ClientsRole, "clients"}, {SizeRole, "size"},       {FpsRole, "fps"},
            {EncoderRole, "encoder"}, {BitrateRole, "bitrate"}, {EncodingRole, "encoding"},
            {StreamRole, "stream"}};
}

QVariant RtspMountsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Row &r = rows_[index.row()];
    switch (role) {
    case WorkerRole:
        return r.worker;
    case PathRole:
        return r.path;
    case UrlRole:
        return r.url;
    case ClientsRole:
        return r.clients;
    case SizeRole:
        return r.size;
    case FpsRole:
        return r.fps;
    case EncoderRole:
        return r.encoder;
    case BitrateRole:
        return r.bitrate;
    case EncodingRole:
        return r.encoding;
    case StreamRole:
        return r.stream;
    }
    return {};
}

QString RtspMountsModel::primaryAddress()
{
    for (const QHostAddress &address : QNetworkInterface::allAddresses())
        if (address.protocol() == QAbstractSocket::IPv4Protocol && !address.isLoopback())
            return address.toString();
    return {};
}

QString RtspMountsModel::reachableUrl(const QString &url, const QString &address)
{
    QUrl parsed(url);
    if (address.isEmpty() || !parsed.isValid())
        return url;
    const QString host = parsed.host();
    const bool isAddress = !QHostAddress(host).isNull();
    if (isAddress && host != u"0.0.0.0" && host != u"::")
        return url; // bound to one address: that is the one
    parsed.setHost(address);
    return parsed.toString();
}

void RtspMountsModel::update(const QJsonArray &workers)
{
    QList<Row> rows;
    for (const QJsonValue &value : workers) {
        const QJsonObject w = value.toObject();
        if (w.value(QStringLiteral("kind")).toString() != u"rtsp" ||
            w.value(QStringLiteral("state")).toString() != u"running")
            continue;
        const QJsonObject reported = w.value(QStringLiteral("reported")).toObject();
        for (const QJsonValue &m : reported.value(QStringLiteral("mounts")).toArray()) {
            const QJsonObject mount = m.toObject();
            Row r;
            r.worker = w.value(QStringLiteral("name")).toString();
            r.path = mount.value(QStringLiteral("path")).toString();
            r.url = reachableUrl(mount.value(QStringLiteral("url")).toString(), address_);
            r.clients = mount.value(QStringLiteral("clients")).toInt();
            r.size = mount.value(QStringLiteral("size")).toString();
            r.fps = mount.value(QStringLiteral("fps")).toInt();
            r.encoder = mount.value(QStringLiteral("encoder")).toString();
            r.bitrate = mount.value(QStringLiteral("bitrate_kbps")).toInt();
            r.encoding = mount.value(QStringLiteral("encoder_running")).toBool();
            r.stream = w.value(QStringLiteral("stream")).toString();
            rows << r;
        }
    }
    // totalClients (NOTIFY countChanged) may move with any row.
    if (replaceRows(rows_, rows, [](const Row &r) { return r.url; }) != RowsChange::None)
        emit countChanged();
}

int RtspMountsModel::totalClients() const
{
    int total = 0;
    for (const Row &r : rows_)
        total += r.clients;
    return total;
}

} // namespace zerotee
