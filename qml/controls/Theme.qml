pragma Singleton
import QtQuick

// The design system of the panel and its Recordings page.
// Colours, sizes and type for a dark control room: low glare, high contrast for state, touch
// targets of at least 9 mm (48 px at 133-160 dpi). Main.qml sets `scale` from the window size
// (1 at 800x480, up to 1.5 on large screens).
QtObject {
    property real scale: 1.0

    readonly property color background: "#0d1117"
    readonly property color surface: "#161b22"
    readonly property color surfaceHigh: "#1f2630"
    readonly property color pressed: "#2a323c"
    readonly property color border: "#30363d"
    readonly property color text: "#e6edf3"
    readonly property color textDim: "#9aa5b1"
    readonly property color accent: "#3d9bff"
    readonly property color ok: "#2fbf71"
    readonly property color busy: "#3d9bff"
    readonly property color warning: "#f0a020"
    readonly property color error: "#ff5a5a"
    readonly property color idle: "#6e7781"
    readonly property color detection: "#ffd23f"
    readonly property color video: "#000000"

    // Touch targets: never below 48 px.
    readonly property int touch: Math.round(48 * scale)
    readonly property int touchLarge: Math.round(56 * scale)
    readonly property int rowHeight: Math.round(64 * scale)
    readonly property int spacing: Math.round(8 * scale)
    readonly property int margin: Math.round(12 * scale)
    readonly property int radius: Math.round(8 * scale)

    readonly property int fontSmall: Math.round(13 * scale)
    readonly property int fontBody: Math.round(15 * scale)
    readonly property int fontLarge: Math.round(18 * scale)
    readonly property int fontTitle: Math.round(22 * scale)
    readonly property int fontHuge: Math.round(26 * scale)

    function stateColor(state) {
        switch (state) {
        case "running": return ok
        case "live": return ok
        case "starting": case "stopping": case "waiting": return busy
        case "crashed": case "backing-off": return warning
        case "failed": case "error": return error
        default: return idle
        }
    }
    function stateLabel(state) {
        return state === "backing-off" ? "backing off" : state
    }
}
