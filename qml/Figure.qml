import QtQuick
import Zerotee.Panel
import Zerotee.Controls

// One key figure: a small label over a value.
Column {
    property string label
    property string value
    property color valueColor: Theme.text
    property bool large: false
    spacing: 0
    Text {
        text: parent.label
        color: Theme.textDim
        font.pixelSize: Theme.fontSmall
    }
    Text {
        text: parent.value
        color: parent.valueColor
        font.pixelSize: parent.large ? Theme.fontHuge : Theme.fontLarge
        font.bold: true
    }
}
