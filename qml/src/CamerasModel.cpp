#include "CamerasModel.h"

#include <QJsonObject>

namespace zerotee {

CamerasModel::CamerasModel(QObject *parent) : KeyedRowsModel(parent) {}

int CamerasModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(rows_.size());
}

QHash<int, QByteArray> CamerasModel::roleNames() const
{
    return {{NameRole, "name"},
            {SourceRole, "source"},
            {StateRole, "captureState"},
            {ErrorRole, "error"},
            {FpsRole, "fps"},
            {WidthRole, "captureWidth"},
            {HeightRole, "captureHeight"},
            {FramesRole, "frames"},
            {PreviewStateRole, "previewState"},
            {PreviewErrorRole, "previewError"},
            {PreviewFpsRole, "previewFps"},
            {LatencyMsRole, "latencyMs"}};
}

QVariant CamerasModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || index.row() >= rows_.size())
        return {};
    const Row &r = rows_[index.row()];
    switch (role) {
    case NameRole:
        return r.name;
    case SourceRole:
        return r.source;
    case StateRole:
        return r.state;
    case ErrorRole:
        return r.error;
    case FpsRole:
        return r.fps;
    case WidthRole:
        return r.width;
    case HeightRole:
        return r.height;
    case FramesRole:
        return r.frames;
    case PreviewStateRole:
        return r.previewState;
    case PreviewErrorRole:
        return r.previewError;
    case PreviewFpsRole:
        return r.previewFps;
    case LatencyMsRole:
        return r.latencyMs;
    }
    return {};
}

void CamerasModel::update(const QJsonArray &cameras)
{
    QList<Row> rows;
    for (const QJsonValue &value : cameras) {
        const QJsonObject c = value.toObject();
        Row r;
        r.name = c.value(QStringLiteral("name")).toString();
        r.source = c.value(QStringLiteral("source")).toString();
        r.state = c.value(QStringLiteral("state")).toString();
        r.error = c.value(QStringLiteral("error")).toString();
        r.fps = c.value(QStringLiteral("fps")).toDouble();
        r.width = c.value(QStringLiteral("width")).toInt();
        r.height = c.value(QStringLiteral("height")).toInt();
        r.frames = c.value(QStringLiteral("frames")).toInteger();
        for (const Row &old : rows_) {
            if (old.name == r.name) {
                r.previewState = old.previewState;
                r.previewError = old.previewError;
                r.previewFps = old.previewFps;
                r.latencyMs = old.latencyMs;
            }
        }
        rows << r;
    }
    if (replaceRows(rows_, rows, [](const Row &r) { return r.name; }) == RowsChange::Reset)
        emit countChanged();
}

void CamerasModel::setPreview(const QString &camera, const QString &state, const QString &error,
                              double fps, double latencyMs)
{
    for (qsizetype i = 0; i < rows_.size(); ++i) {
        Row &r = rows_[i];
        if (r.name != camera)
            continue;
        if (r.previewState == state && r.previewError == error && r.previewFps == fps &&
            r.latencyMs == latencyMs)
            return;
        r.previewState = state;
        r.previewError = error;
        r.previewFps = fps;
        r.latencyMs = latencyMs;
        emit dataChanged(index(int(i)), index(int(i)),
                         {PreviewStateRole, PreviewErrorRole, PreviewFpsRole, LatencyMsRole});
        return;
    }
}

QString CamerasModel::nameAt(int row) const
{
    return row >= 0 && row < rows_.size() ? rows_[row].name : QString();
}

} // namespace zerotee
