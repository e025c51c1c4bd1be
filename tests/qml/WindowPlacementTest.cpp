// Where the panel's window goes (issue 17: an 800x480 window in the corner of a 1280x800 panel).
#include "WindowPlacement.h"

#include <QTest>

using namespace zerotee;

class WindowPlacementTest : public QObject {
    Q_OBJECT

    const QRect screen_{0, 0, 1280, 800};

private slots:
    void devicePlatformsAndTouchScreensFillTheScreen()
    {
        for (const char *platform : {"eglfs", "linuxfb"}) {
            const auto d =
                WindowPlacement::decide({}, QString::fromLatin1(platform), false, screen_, screen_);
            QVERIFY2(d.fullscreen, platform);
            QCOMPARE(d.geometry, screen_);
        }
        const auto touch =
            WindowPlacement::decide({}, QStringLiteral("xcb"), true, screen_, screen_);
        QVERIFY(touch.fullscreen);
        QCOMPARE(touch.reason, QStringLiteral("touch screen present"));
    }

    void desktopGetsAFittedCentredWindow()
    {
        const QRect desktop(0, 0, 1920, 1080), available(0, 32, 1920, 1048);
        const auto d =
            WindowPlacement::decide({}, QStringLiteral("xcb"), false, desktop, available);
        QVERIFY(!d.fullscreen);
        QCOMPARE(d.geometry.size(), QSize(1280, 800));
        QCOMPARE(d.geometry.center(), available.center());
        // A small desktop: the window is bounded by what is available.
        const auto small = WindowPlacement::decide({}, QStringLiteral("wayland"), false,
                                                   QRect(0, 0, 1024, 600), QRect(0, 0, 1024, 570));
        QCOMPARE(small.geometry, QRect(0, 0, 1024, 570));
    }

    void flagsAndConfigurationWin()
    {
        PanelConfig window;
        window.fullscreen = false;
        window.windowWidth = 800;
        window.windowHeight = 480;
        const auto w =
            WindowPlacement::decide(window, QStringLiteral("eglfs"), true, screen_, screen_);
        QVERIFY(!w.fullscreen);
        QCOMPARE(w.geometry, QRect(240, 160, 800, 480));
        PanelConfig full;
        full.fullscreen = true;
        const auto f =
            WindowPlacement::decide(full, QStringLiteral("xcb"), false, screen_, screen_);
        QVERIFY(f.fullscreen);
        QCOMPARE(f.geometry, screen_);
    }

    void aWindowLargerThanTheScreenKeepsItsTitleBarOnIt()
    {
        PanelConfig big;
        big.fullscreen = false;
        big.windowWidth = 1920;
        big.windowHeight = 1080;
        const auto d = WindowPlacement::decide(big, QStringLiteral("xcb"), false, screen_, screen_);
        QCOMPARE(d.geometry, QRect(0, 0, 1920, 1080));
    }
};

QTEST_GUILESS_MAIN(WindowPlacementTest)
#include "WindowPlacementTest.moc"
