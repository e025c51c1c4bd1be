import QtQuick
import QtQuick.Controls.Basic

// A button for fingers: at least Theme.touch high and wide, pressed state visible (no hover),
// a colour per role: "primary", "danger", "neutral" (default), "ok".
Button {
    id: control
    property string role: "neutral"
    property color tint: role === "primary" ? Theme.accent
                       : role === "danger" ? Theme.error
                       : role === "ok" ? Theme.ok : Theme.surfaceHigh
    property int fontSize: Theme.fontBody

    implicitHeight: Theme.touch
    implicitWidth: Math.max(Theme.touch, contentItem.implicitWidth + 2 * Theme.margin)
    focusPolicy: Qt.NoFocus
    hoverEnabled: false

    contentItem: Text {
        text: control.text
        font.pixelSize: control.fontSize
        font.bold: control.role !== "neutral"
        color: control.enabled ? (control.role === "neutral" ? Theme.text : "#ffffff") : Theme.textDim
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
    }
    background: Rectangle {
        radius: Theme.radius
        color: !control.enabled ? Theme.surface
             : control.down ? Qt.darker(control.tint, 1.4)
             : control.checked ? Qt.lighter(control.tint, 1.3) : control.tint
        border.color: control.checked ? Theme.accent : Theme.border
        border.width: control.checked ? 2 : 1
    }
}
