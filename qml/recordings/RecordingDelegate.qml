import QtQuick
import QtQuick.Layouts
import Zerotee.Controls

// One recording in the list: start time, camera and day, duration, size, event label, and a
// delete button. A tap anywhere but the delete button plays it.
Rectangle {
    id: row
    required property int index
    required property string camera
    required property string day
    required property date startTime
    required property real durationS
    required property string durationStatus
    required property real sizeBytes
    required property string eventLabel
    required property bool isEvent
    required property string filePath
    property bool selected: false
    property bool compact: false
    // Too narrow for a size column (portrait phones): the size joins the second line.
    readonly property bool narrow: width < 560

    signal playRequested()
    signal deleteRequested()

    objectName: "recordingRow_" + index
    implicitHeight: Theme.rowHeight
    radius: Theme.radius
    color: tap.pressed ? Theme.pressed : Theme.surface
    border.color: selected ? Theme.accent : "transparent"
    border.width: 2

    MouseArea {
        id: tap
        anchors.fill: parent
        onClicked: row.playRequested()
    }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: 12
        anchors.rightMargin: 8
        spacing: row.compact ? 8 : 16

        ColumnLayout {
            Layout.fillWidth: true
            Layout.minimumWidth: 112
            spacing: 0
            Text {
                text: Qt.formatTime(row.startTime, "HH:mm:ss")
                color: Theme.text
                font.pixelSize: Theme.fontTitle
                font.bold: true
            }
            Text {
                Layout.fillWidth: true
                text: (row.narrow && row.isEvent ? row.eventLabel + " · " : "") + row.camera + " · " + row.day
                      + (row.narrow ? " · " + Format.bytes(row.sizeBytes) : "")
                color: Theme.textDim
                font.pixelSize: Theme.fontBody
                elide: Text.ElideRight
            }
        }
        Rectangle {
            visible: row.isEvent && !row.narrow
            Layout.preferredHeight: 32
            Layout.preferredWidth: Math.min(labelText.implicitWidth + 20, row.compact ? 96 : 180)
            radius: 16
            color: Qt.darker(Theme.warning, 2.2)
            border.color: Theme.warning
            Text {
                id: labelText
                anchors.fill: parent
                anchors.leftMargin: 10
                anchors.rightMargin: 10
                text: row.eventLabel
                color: Theme.warning
                font.pixelSize: Theme.fontBody
                font.bold: true
                verticalAlignment: Text.AlignVCenter
                horizontalAlignment: Text.AlignHCenter
                elide: Text.ElideRight
            }
        }
        Text {
            objectName: "durationText"
            Layout.preferredWidth: row.compact ? 72 : 96
            horizontalAlignment: Text.AlignRight
            text: Format.duration(row.durationS, row.durationStatus)
            color: row.durationStatus === "known" ? Theme.text : Theme.textDim
            font.pixelSize: Theme.fontLarge
        }
        Text {
            visible: !row.narrow
            Layout.preferredWidth: row.compact ? 72 : 96
            horizontalAlignment: Text.AlignRight
            text: Format.bytes(row.sizeBytes)
            color: Theme.textDim
            font.pixelSize: Theme.fontLarge
        }
        TouchButton {
            objectName: "deleteButton"
            text: qsTr("Delete")
            role: "danger"
            onClicked: row.deleteRequested()
        }
    }
}
