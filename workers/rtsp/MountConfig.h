#pragma once

#include <QString>
#include <optional>

namespace zerotee {

/// One RTSP mount point and the profile it serves. Zero means "as the bus carries it" (size,
/// frame rate) or "the worker-wide default" (bitrate, GOP).
///
/// Thread context: a plain value.
struct MountConfig {
    QString path = QStringLiteral("/live");
    int width = 0;
    int height = 0;
    int fps = 0;
    int bitrateKbps = 0;
    int gop = 0;

    bool scales() const { return width > 0 && height > 0; }
    bool changesRate() const { return fps > 0; }

    /// Parses a mount profile: `PATH:WxH@FPS[,bitrate=KBPS][,gop=FRAMES]`, where the size and the
    /// rate may each be left out (`/sub:640x360`, `/low:@5`, `/hd:1280x720@30,bitrate=3000`).
    static std::optional<MountConfig> parse(const QString &spec, QString *error);
    /// A mount path: starts with '/', then letters, digits, '-', '_', '.', '/'; no "//".
    static bool isValidPath(const QString &path);
    /// "WxH" with both even and within 16..8192.
    static bool parseSize(const QString &text, int *width, int *height);
};

} // namespace zerotee
