import QtQuick
import QtQuick.Controls.Basic
import Zerotee.Controls

// A large, checkable chip of the camera and day filters.
Button {
    id: chip
    implicitHeight: Theme.touch
    implicitWidth: Math.max(72, label.implicitWidth + 36)
    focusPolicy: Qt.NoFocus

    contentItem: Text {
        id: label
        text: chip.text
        font.pixelSize: Theme.fontLarge
        font.bold: chip.checked
        color: chip.checked ? "#ffffff" : Theme.text
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
    }
    background: Rectangle {
        radius: height / 2
        color: chip.checked ? Theme.accent
                            : chip.down ? Theme.pressed : Theme.surface
        border.color: chip.checked ? Theme.accent : Theme.border
        border.width: 1
    }
}
