import QtQuick
import QtQuick.Controls.Basic

// A button sized for a finger (at least 48x48 px) in the page's dark palette. tone: "normal",
// "accent" (the main action) or "danger" (destructive). Pressed state is shown; nothing depends
// on hover.
Button {
    id: button
    property string tone: "normal"

    implicitHeight: RecordingsTheme.touch
    implicitWidth: Math.max(RecordingsTheme.touch, contentItem.implicitWidth + 32)
    font.pixelSize: RecordingsTheme.fontSize
    focusPolicy: Qt.NoFocus

    readonly property color toneColor: tone === "danger" ? RecordingsTheme.danger
                                      : tone === "accent" ? RecordingsTheme.accent
                                      : RecordingsTheme.cardRaised

    contentItem: Text {
        text: button.text
        font: button.font
        color: RecordingsTheme.text
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
        opacity: button.enabled ? 1 : 0.4
    }
    background: Rectangle {
        radius: RecordingsTheme.radius
        color: button.down ? Qt.darker(button.toneColor, 1.4)
                           : button.checked ? RecordingsTheme.accent : button.toneColor
        border.color: button.tone === "normal" ? RecordingsTheme.border : "transparent"
        opacity: button.enabled ? 1 : 0.5
    }
}
