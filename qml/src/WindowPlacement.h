#pragma once

#include <SupervisorConfig.h>

#include <QRect>
#include <QString>

class QQuickWindow;

namespace zerotee {

/// Where the panel's window goes: filling the screen on a device panel, a window on a desktop.
///
/// Full screen when --fullscreen or `[panel] fullscreen = true`; a window when --window WxH or
/// `fullscreen = false`; otherwise full screen where the platform is a device one (eglfs,
/// linuxfb: there is no desktop to return to) or a touch screen is present, else a window.
/// A window without a size is fitted to the screen (at most 1280x800) and centred.
///
/// Full screen sets the screen's geometry before showFullScreen(): without a window manager
/// (a kiosk X server, Xvfb) the fullscreen request alone is never answered and the window
/// stayed at its 800x480 in a corner.
///
/// Thread context: main (GUI) thread.
class WindowPlacement {
public:
    struct Decision {
        bool fullscreen = false;
        QRect geometry; ///< on the screen, in its coordinates
        QString reason; ///< why, for the log
    };

    /// The decision for @p panel on a screen of @p screen geometry (available: @p available,
    /// without panels and docks) under QPA @p platform, with or without a touch screen.
    static Decision decide(const PanelConfig &panel, const QString &platform, bool touchScreen,
                           const QRect &screen, const QRect &available);
    /// eglfs, linuxfb and the other platforms that draw straight to a display.
    static bool isDevicePlatform(const QString &platform);
    /// Whether Qt sees a touch screen among its input devices.
    static bool hasTouchScreen();

    /// decide() for this machine and @p window's screen, applied: shown full screen or as a
    /// window. Returns the decision.
    static Decision place(QQuickWindow *window, const PanelConfig &panel);
};

} // namespace zerotee
