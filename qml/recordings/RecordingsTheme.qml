pragma Singleton
import QtQuick

// Colours, sizes and formatting shared by the page's components: a neutral dark palette for a
// control room, and touch targets of at least 48 px (9 mm at 160 dpi).
QtObject {
    readonly property color background: "#101418"
    readonly property color card: "#1b2127"
    readonly property color cardRaised: "#242c34"
    readonly property color pressed: "#2e3842"
    readonly property color border: "#2f3943"
    readonly property color text: "#e6e9ec"
    readonly property color textDim: "#9ba6b1"
    readonly property color accent: "#2f9bff"
    readonly property color danger: "#e5484d"
    readonly property color eventTint: "#f0a030"

    readonly property int touch: 48
    readonly property int rowHeight: 64
    readonly property int spacing: 8
    readonly property int radius: 8
    readonly property int fontSize: 18
    readonly property int smallFont: 15
    readonly property int largeFont: 22

    function formatBytes(bytes) {
        if (bytes === undefined || bytes < 0)
            return "?";
        const units = ["B", "KB", "MB", "GB", "TB"];
        let value = bytes;
        let unit = 0;
        while (value >= 1000 && unit < units.length - 1) {
            value /= 1000;
            ++unit;
        }
        return (unit === 0 || value >= 100 ? Math.round(value) : value.toFixed(1)) + " " + units[unit];
    }

    // Seconds as m:ss or h:mm:ss.
    function formatSeconds(seconds) {
        const total = Math.max(0, Math.floor(seconds));
        const h = Math.floor(total / 3600);
        const m = Math.floor((total % 3600) / 60);
        const s = total % 60;
        const ss = (s < 10 ? "0" : "") + s;
        if (h > 0)
            return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
        return m + ":" + ss;
    }

    function formatDuration(seconds, status) {
        if (status === "known")
            return formatSeconds(seconds);
        if (status === "probing")
            return "…";
        return status; // "unknown", "unreadable"
    }
}
