#pragma once

#include "KeyedRowsModel.h"

#include <QJsonArray>
#include <QtQml/qqmlregistration.h>

namespace zerotee {

/// The cameras' encoded streams (docs/streams.md): each encoded once by its own encoder worker
/// and shared by the recorder, every RTSP mount and push. Fed with the status answer's `streams`
/// array: what encodes it, at what size, rate and bitrate, for how many consumers, and the
/// keyframes forced and access units dropped so far.
///
/// Thread context: thread-bound to the main thread.
class EncodedStreamsModel : public KeyedRowsModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        CameraRole = Qt::UserRole + 1,
        NameRole,
        StateRole,    ///< "running", "idle", "starting", "failed"…
        EncoderRole,  ///< the encoder element, e.g. "x264enc", "v4l2h264enc"
        CodecRole,    ///< "h264", "h265"
        SizeRole,     ///< "1920x1080", or "" at the camera's size
        FpsRole,      ///< 0 at the camera's rate
        BitrateRole,  ///< configured kbit/s
        MeasuredRole, ///< kbit/s measured on the stream's bus, 0 when idle
        GopRole,
        ConsumersRole, ///< connections to the stream's bus right now
        UsersRole,     ///< the workers configured on it, "recorder, rtsp"
        KeyframesForcedRole,
        DropsRole,
    };
    Q_ENUM(Role)

    explicit EncodedStreamsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void update(const QJsonArray &streams);

signals:
    void countChanged();

private:
    struct Row {
        QString camera, name, state, encoder, codec, size, users;
        int fps = 0, bitrate = 0, measured = 0, gop = 0, consumers = 0;
        qint64 keyframesForced = 0, drops = 0;
        bool operator==(const Row &) const = default;
    };
    QList<Row> rows_;
};

} // namespace zerotee
