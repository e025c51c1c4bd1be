#include "WindowPlacement.h"

#include <QGuiApplication>
#include <QInputDevice>
#include <QQuickWindow>
#include <QScreen>

#include <algorithm>

namespace zerotee {

namespace {
constexpr int kDesktopWidth = 1280;
constexpr int kDesktopHeight = 800;
} // namespace

bool WindowPlacement::isDevicePlatform(const QString &platform)
{
    static const QStringList device = {QStringLiteral("eglfs"), QStringLiteral("linuxfb"),
                                       QStringLiteral("vkkhrdisplay"), QStringLiteral("directfb"),
                                       QStringLiteral("vnc")};
    return device.contains(platform);
}

bool WindowPlacement::hasTouchScreen()
{
    for (const QInputDevice *device : QInputDevice::devices())
        if (device->type() == QInputDevice::DeviceType::TouchScreen)
            return true;
    return false;
}

WindowPlacement::Decision WindowPlacement::decide(const PanelConfig &panel, const QString &platform,
                                                  bool touchScreen, const QRect &screen,
                                                  const QRect &available)
{
    Decision d;
    if (panel.fullscreen.has_value()) {
        d.fullscreen = *panel.fullscreen;
        d.reason = d.fullscreen ? QStringLiteral("asked for (--fullscreen)")
                                : QStringLiteral("asked for (--window)");
    } else if (isDevicePlatform(platform)) {
        d.fullscreen = true;
        d.reason = QStringLiteral("device platform %1").arg(platform);
    } else if (touchScreen) {
        d.fullscreen = true;
        d.reason = QStringLiteral("touch screen present");
    } else {
        d.reason = QStringLiteral("desktop (%1, no touch screen)").arg(platform);
    }
    if (d.fullscreen) {
        d.geometry = screen;
        return d;
    }
    const QRect area = available.isValid() ? available : screen;
    QSize size = panel.windowWidth > 0
                     ? QSize(panel.windowWidth, panel.windowHeight)
                     : QSize(kDesktopWidth, kDesktopHeight).boundedTo(area.size());
    d.geometry = QRect(QPoint(0, 0), size);
    d.geometry.moveCenter(area.center());
    // A window larger than the screen keeps its size, but its title bar stays reachable.
    d.geometry.moveTopLeft(QPoint(std::max(d.geometry.left(), area.left()),
                                  std::max(d.geometry.top(), area.top())));
    return d;
}

WindowPlacement::Decision WindowPlacement::place(QQuickWindow *window, const PanelConfig &panel)
{
    QScreen *screen = window->screen() ? window->screen() : QGuiApplication::primaryScreen();
    const QRect geometry = screen ? screen->geometry() : QRect(0, 0, 800, 480);
    const QRect available = screen ? screen->availableGeometry() : geometry;
    const Decision d =
        decide(panel, QGuiApplication::platformName(), hasTouchScreen(), geometry, available);
    window->setGeometry(d.geometry);
    if (d.fullscreen)
        window->showFullScreen();
    else
        window->showNormal();
    return d;
}

} // namespace zerotee
