#pragma once

#include "KeyedRowsModel.h"

#include <QJsonArray>
#include <QtQml/qqmlregistration.h>

namespace zerotee {

/// The RTSP mounts of the running RTSP workers: URL (with the host as viewers on the network
/// reach it), clients, size and rate. Fed with the status answer's `workers` array; each RTSP
/// worker reports its mounts every second.
///
/// Thread context: thread-bound to the main thread.
class RtspMountsModel : public KeyedRowsModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)
    Q_PROPERTY(int totalClients READ totalClients NOTIFY countChanged)

public:
    enum Role {
        WorkerRole = Qt::UserRole + 1,
        PathRole,
        UrlRole,
        ClientsRole,
        SizeRole, ///< "640x360", or "" at the camera's size
        FpsRole,  ///< 0 at the camera's rate
        EncoderRole,
        BitrateRole, ///< kbit/s while encoding
        EncodingRole,
        StreamRole, ///< the camera's encoded stream the mount serves ("" when it encodes itself)
    };
    Q_ENUM(Role)

    explicit RtspMountsModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    void update(const QJsonArray &workers);
    int totalClients() const;

    /// Replaces the host of @p url by @p address when the worker reported a host name or a
    /// wildcard: an operator copies a URL that works from another machine.
    static QString reachableUrl(const QString &url, const QString &address);
    /// The first non-loopback IPv4 address of this machine, or "".
    static QString primaryAddress();

signals:
    void countChanged();

private:
    struct Row {
        QString worker, path, url, size, encoder, stream;
        int clients = 0, fps = 0, bitrate = 0;
        bool encoding = false;
        bool operator==(const Row &) const = default;
    };
    QList<Row> rows_;
    QString address_;
};

} // namespace zerotee
