#pragma once

#include "KeyedRowsModel.h"

#include <QJsonArray>
#include <QtQml/qqmlregistration.h>

namespace zerotee {

/// The cameras: capture state and rate from the supervisor, preview rate and latency from the
/// PreviewController. One row per configured camera, in configuration order.
///
/// Thread context: thread-bound to the main thread.
class CamerasModel : public KeyedRowsModel {
    Q_OBJECT
    QML_ELEMENT
    Q_PROPERTY(int count READ rowCount NOTIFY countChanged)

public:
    enum Role {
        NameRole = Qt::UserRole + 1,
        SourceRole,
        StateRole, ///< stopped, starting, running, error
        ErrorRole,
        FpsRole,
        WidthRole,
        HeightRole,
        FramesRole,
        PreviewStateRole, ///< unavailable, waiting, live, failed
        PreviewErrorRole,
        PreviewFpsRole,
        LatencyMsRole, ///< capture to preview sink, -1 when unknown
    };
    Q_ENUM(Role)

    explicit CamerasModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

    /// The status answer's `cameras` array.
    void update(const QJsonArray &cameras);
    void setPreview(const QString &camera, const QString &state, const QString &error, double fps,
                    double latencyMs);

    Q_INVOKABLE QString nameAt(int row) const;

signals:
    void countChanged();

private:
    struct Row {
        QString name, source, state, error;
        double fps = 0;
        int width = 0, height = 0;
        qint64 frames = 0;
        QString previewState = QStringLiteral("waiting"), previewError;
        double previewFps = 0, latencyMs = -1;
        bool operator==(const Row &) const = default;
    };
    QList<Row> rows_;
};

} // namespace zerotee
