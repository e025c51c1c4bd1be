import QtQuick
import QtQuick.Controls.Basic

// A large, checkable chip of the camera and day filters.
Button {
    id: chip
    implicitHeight: RecordingsTheme.touch
    implicitWidth: Math.max(72, label.implicitWidth + 36)
    focusPolicy: Qt.NoFocus

    contentItem: Text {
        id: label
        text: chip.text
        font.pixelSize: RecordingsTheme.fontSize
        font.bold: chip.checked
        color: chip.checked ? "#ffffff" : RecordingsTheme.text
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
    background: Rectangle {
        radius: height / 2
        color: chip.checked ? RecordingsTheme.accent
                            : chip.down ? RecordingsTheme.pressed : RecordingsTheme.card
        border.color: chip.checked ? RecordingsTheme.accent : RecordingsTheme.border
        border.width: 1
    }
}
