import QtQuick
import QtQuick.Controls.Basic

// A row of large chips to pick one value, or "all" (the empty string). Flicks sideways when
// there are more chips than room.
ListView {
    id: chips

    property var options: []
    property string current: ""
    property string allLabel: qsTr("All")

    signal picked(string value)

    orientation: ListView.Horizontal
    spacing: RecordingsStyle.spacing
    implicitHeight: RecordingsStyle.touch
    clip: true
    boundsBehavior: Flickable.StopAtBounds
    model: [""].concat(options)

    delegate: TouchButton {
        required property string modelData
        objectName: "chip_" + (modelData === "" ? "all" : modelData)
        height: chips.height
        text: modelData === "" ? chips.allLabel : modelData
        checkable: false
        tone: modelData === chips.current ? RecordingsStyle.accent : RecordingsStyle.card
        textColor: modelData === chips.current ? RecordingsStyle.background : RecordingsStyle.text
        background: Rectangle {
            radius: height / 2
            color: parent.down ? Qt.lighter(parent.tone, 1.4) : parent.tone
            border.width: 1
            border.color: parent.modelData === chips.current ? RecordingsStyle.accent : RecordingsStyle.raised
        }
        onClicked: chips.picked(modelData)
    }
}
