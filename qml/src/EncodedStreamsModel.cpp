#include "EncodedStreamsModel.h"

#include <QJsonObject>

namespace zerotee {

EncodedStreamsModel::EncodedStreamsModel(QObject *parent) : KeyedRowsModel(parent) {}

int EncodedStreamsModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QHash<int, QByteArray> EncodedStreamsModel::roleNames() const
{
    return {{CameraRole, "camera"},
            {NameRole, "name"},
            {StateRole, "streamState"},
            {EncoderRole, "encoder"},
            {CodecRole, "codec"},
            {SizeRole, "size"},
            {FpsRole, "fps"},
            {BitrateRole, "bitrate"},
            {MeasuredRole, "measured"},
            {GopRole, "gop"},
            {ConsumersRole, "consumers"},
            {UsersRole, "users"},
            {KeyframesForcedRole, "keyframesForced"},
            {DropsRole, "drops"}};
}

QVariant EncodedStreamsModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Row &r = rows_[index.row()];
    switch (role) {
    case CameraRole:
        return r.camera;
    case NameRole:
        return r.name;
    case StateRole:
        return r.state;
    case EncoderRole:
        return r.encoder;
    case CodecRole:
        return r.codec;
    case SizeRole:
        return r.size;
    case FpsRole:
        return r.fps;
    case BitrateRole:
        return r.bitrate;
    case MeasuredRole:
        return r.measured;
    case GopRole:
        return r.gop;
    case ConsumersRole:
        return r.consumers;
    case UsersRole:
        return r.users;
    case KeyframesForcedRole:
        return r.keyframesForced;
    case DropsRole:
        return r.drops;
    }
    return {};
}

void EncodedStreamsModel::update(const QJsonArray &streams)
{
    QList<Row> rows;
    for (const QJsonValue &value : streams) {
        const QJsonObject s = value.toObject();
        Row r;
        r.camera = s.value(QStringLiteral("camera")).toString();
        r.name = s.value(QStringLiteral("name")).toString();
        r.state = s.value(QStringLiteral("state")).toString();
        r.encoder = s.value(QStringLiteral("encoder")).toString();
        r.codec = s.value(QStringLiteral("codec")).toString();
        const int width = s.value(QStringLiteral("width")).toInt();
        const int height = s.value(QStringLiteral("height")).toInt();
        if (width > 0 && height > 0)
            r.size = QStringLiteral("%1x%2").arg(width).arg(height);
        r.fps = s.value(QStringLiteral("fps")).toInt();
        r.bitrate = s.value(QStringLiteral("bitrate_kbps")).toInt();
        r.measured = s.value(QStringLiteral("measured_kbps")).toInt();
        r.gop = s.value(QStringLiteral("gop")).toInt();
        r.consumers = s.value(QStringLiteral("consumers")).toInt();
        QStringList users;
        for (const QJsonValue &user : s.value(QStringLiteral("consumer_workers")).toArray())
            users << user.toString();
        r.users = users.join(QStringLiteral(", "));
        r.keyframesForced = s.value(QStringLiteral("keyframes_forced")).toInteger();
        r.drops = s.value(QStringLiteral("drops")).toInteger();
        rows << r;
    }
    if (replaceRows(rows_, rows, [](const Row &r) { return r.camera + u'/' + r.name; }) ==
        RowsChange::Reset)
        emit countChanged();
}

} // namespace zerotee
