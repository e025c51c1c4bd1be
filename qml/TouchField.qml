import QtQuick
import QtQuick.Controls.Basic
import Zerotee.Panel
import Zerotee.Controls

// A text field for fingers (the on-screen keyboard opens when there is no hardware one).
TextField {
    id: field
    implicitHeight: Theme.touch
    font.pixelSize: Theme.fontBody
    color: Theme.text
    placeholderTextColor: Theme.textDim
    selectionColor: Theme.accent
    inputMethodHints: Qt.ImhNoPredictiveText
    leftPadding: Theme.margin
    rightPadding: Theme.margin
    background: Rectangle {
        radius: Theme.radius
        color: Theme.background
        border.color: field.activeFocus ? Theme.accent : Theme.border
        border.width: field.activeFocus ? 2 : 1
    }
}
