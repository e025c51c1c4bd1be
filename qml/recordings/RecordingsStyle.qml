pragma Singleton
import QtQuick

// The Recordings page's palette and touch sizes: a neutral dark theme for control rooms.
QtObject {
    readonly property color background: "#101418"
    readonly property color card: "#1b2127"
    readonly property color raised: "#2a323b"
    readonly property color text: "#e6e9ec"
    readonly property color muted: "#9aa4ad"
    readonly property color accent: "#2f9bff"
    readonly property color danger: "#e5484d"
    readonly property color video: "#000000"

    // Every control is at least this tall and wide (finger, not mouse).
    readonly property int touch: 48
    readonly property int spacing: 8
    readonly property int radius: 8
    readonly property int fontSmall: 14
    readonly property int fontNormal: 16
    readonly property int fontLarge: 20
    readonly property int fontTitle: 24
}
