pragma Singleton
import QtQuick

// Numbers as people read them: sizes, durations.
QtObject {
    function bytes(value) {
        if (value === undefined || value < 0)
            return "?";
        const units = ["B", "KB", "MB", "GB", "TB"];
        let scaled = value;
        let unit = 0;
        while (scaled >= 1000 && unit < units.length - 1) {
            scaled /= 1000;
            ++unit;
        }
        return (unit === 0 || scaled >= 100 ? Math.round(scaled) : scaled.toFixed(1)) + " " + units[unit];
    }

    // Seconds as m:ss or h:mm:ss.
    function seconds(value) {
        const total = Math.max(0, Math.floor(value));
        const h = Math.floor(total / 3600);
        const m = Math.floor((total % 3600) / 60);
        const s = total % 60;
        const ss = (s < 10 ? "0" : "") + s;
        if (h > 0)
            return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
        return m + ":" + ss;
    }

    // A recording's duration, or what is known of it: "probing" → "…", else the status.
    function duration(value, status) {
        if (status === "known")
            return seconds(value);
        if (status === "probing")
            return "…";
        return status; // "unknown", "unreadable"
    }
}
