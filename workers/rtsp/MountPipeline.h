#pragma once

#include "ElementChoice.h"
#include "MountConfig.h"
#include "RtspOptions.h"

#include <QString>

namespace zerotee {

/// Writes the gst-launch description of a mount's media: read the bus, scale and rate-limit only
/// when the mount's profile asks for it, encode once, then payload for gst-rtsp-server or hand
/// to rtspclientsink for push mode.
///
/// Thread context: pure functions.
class MountPipeline {
public:
    enum class Output { RtspPayloader, PushSink };

    /// Elements named in the description: the bus source, the encoder, the payloader.
    static constexpr const char *kSourceName = "src";
    static constexpr const char *kEncoderName = "enc";
    static constexpr const char *kPayloaderName = "pay0";
    static constexpr const char *kPushSinkName = "push";

    /// The description (without the "( … )" gst-rtsp-server wants around it).
    static QString describe(const RtspOptions &options, const MountConfig &mount,
                            const ElementChoice &elements, Output output,
                            const QString &clientName);
    /// "encoder property=value …" with the bitrate and GOP mapped to the element's properties.
    static QString encoderDescription(const QString &encoder, int bitrateKbps, int gop);
    /// A value quoted for gst_parse_launch.
    static QString quoted(const QString &value);
    /// "rtsp-live" for "/live", "rtsp-cam-sub" for "/cam/sub": the name the bus shows.
    static QString clientNameFor(const QString &prefix, const QString &path);
};

} // namespace zerotee
