#pragma once

#include <QString>

namespace zerotee {

struct RtspOptions;

/// Which GStreamer elements scale and encode, picked from what the registry has (hardware
/// first) unless the options name them.
///
/// Thread context: a plain value; pick() reads the GStreamer registry (after gst_init).
struct ElementChoice {
    QString encoder; // empty in --encoded mode
    QString scaler;  // empty in --encoded mode
    bool softwareScaler = false;

    /// Hardware encoders, then x264enc; openh264enc last (it delivered ~24.6 fps of 30 over
    /// RTSP here, see PLATFORM-NOTES).
    static constexpr const char *kEncoders[] = {"v4l2h264enc", "vpuenc_h264", "x264enc",
                                                "openh264enc"};
    static constexpr const char *kScalers[] = {"imxvideoconvert_g2d", "v4l2convert",
                                               "videoconvertscale"};

    /// Fills the choice; false with @p error when nothing fits or an override is missing.
    static bool pick(const RtspOptions &options, ElementChoice *choice, QString *error);
};

} // namespace zerotee
