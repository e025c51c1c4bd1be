#pragma once

#include <array>
#include <string>
#include <string_view>

namespace zerotee {

/// What the project knows of each codec an encoded stream may carry: the GStreamer elements
/// that make, parse and payload it and the caps between them. The one table the encoder, the
/// recorder, the RTSP server and the supervisor's checks read, so adding a codec is one row.
///
/// Thread context: any (constant data).
struct VideoCodec {
    const char *name;         ///< in configuration and on command lines: "h264"
    const char *label;        ///< for people: "H.264"
    const char *mediaType;    ///< caps: "video/x-h264"
    const char *parser;       ///< "h264parse"
    const char *payloader;    ///< RTP: "rtph264pay"
    const char *storedFormat; ///< stream-format in MP4 and Matroska: "avc"
    /// Encoder factories, preferred first (hardware, then software); nullptr pads the list.
    std::array<const char *, 4> encoders;

    /// nullptr when no codec has that name.
    static const VideoCodec *find(std::string_view name);
    /// "h264, h265": for messages.
    static std::string names();
    /// "vpuenc_hevc, v4l2h265enc, x265enc": for messages.
    std::string encoderList() const;
};

inline constexpr std::array<VideoCodec, 2> kVideoCodecs{{
    {"h264",
     "H.264",
     "video/x-h264",
     "h264parse",
     "rtph264pay",
     "avc",
     {"vpuenc_h264", "v4l2h264enc", "x264enc", "openh264enc"}},
    // i.MX 8M Plus VPU (vpuenc_hevc), V4L2 M2M encoders, then x265 in software.
    {"h265",
     "H.265",
     "video/x-h265",
     "h265parse",
     "rtph265pay",
     "hvc1",
     {"vpuenc_hevc", "v4l2h265enc", "x265enc", nullptr}},
}};

inline const VideoCodec *VideoCodec::find(std::string_view name)
{
    for (const VideoCodec &codec : kVideoCodecs)
        if (name == codec.name)
            return &codec;
    return nullptr;
}

inline std::string VideoCodec::names()
{
    std::string text;
    for (const VideoCodec &codec : kVideoCodecs)
        text.append(text.empty() ? "" : ", ").append(codec.name);
    return text;
}

inline std::string VideoCodec::encoderList() const
{
    std::string text;
    for (const char *encoder : encoders)
        if (encoder)
            text.append(text.empty() ? "" : ", ").append(encoder);
    return text;
}

} // namespace zerotee
