#pragma once

#include "SupervisorConfig.h"

#include <QString>
#include <QVariantMap>

namespace zerotee {

/// Encode once: which camera stream each recorder and RTSP worker consumes, and the encoder
/// worker each stream in use needs (docs/streams.md).
///
/// A recorder or RTSP worker under the supervisor never encodes: it reads the H.264 or H.265
/// of a stream (`--encoded --codec C --socket <runtime_dir>/<camera>.<stream>.sock`). Which
/// stream:
///   - option `stream = "NAME"`: that stream of its camera (it must exist);
///   - else its own encoding options (size, fps, bitrate, gop, profile, codec, encoder, scaler) on
///     top of the camera's `main` stream: an existing stream with that encoding, or else a
///     stream of its own named after the worker (one encoder, shared with whoever asks for
///     the same encoding later);
///   - with none of these: the camera's `main` stream.
/// A worker with `encoded = true` reads the camera bus as it is (a camera that delivers H.264).
///
/// Thread context: a plain value type.
class StreamPlan {
public:
    struct Assignment {
        QString error;       ///< empty on success
        StreamConfig stream; ///< the stream it consumes (when usesStream)
        bool usesStream = false;
        QVariantMap options; ///< the worker's options for its command line
    };

    /// Assigns @p kind worker @p options of camera @p camera to a stream among @p streams (the
    /// camera's streams; an implicit one is appended when needed). @p workerName names an
    /// implicit stream. @p profileElements: the hardware profile's encoder/scaler, which count
    /// as "not set".
    static Assignment assign(const QString &kind, const QString &workerName,
                             const QVariantMap &options, const CameraConfig &camera,
                             const QMap<QString, QString> &profileElements,
                             QList<StreamConfig> *streams);

    /// Worker name of the encoder of @p stream on @p camera: "enc-<camera>-<stream>".
    static QString encoderWorkerName(const QString &camera, const QString &stream);
    /// Why @p stream cannot be encoded on a machine whose GStreamer registry holds
    /// @p registryElements ("no H.265 encoder …, looked for …"), or empty. A stream naming its
    /// own encoder is the worker's to check.
    static QString missingEncoder(const StreamConfig &stream, const QStringList &registryElements);
    /// Options of the encoder worker publishing @p stream on @p output.
    static QVariantMap encoderOptions(const StreamConfig &stream, const CameraConfig &camera,
                                      const QMap<QString, QString> &profileElements,
                                      const QString &output);
};

} // namespace zerotee
