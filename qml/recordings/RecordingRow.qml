import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

// One recording in the list: start time (UTC), camera and day, event label, duration, size.
// Tapping it plays it.
AbstractButton {
    id: row

    required property int index
    required property string startText
    required property string camera
    required property string day
    required property string durationText
    required property string sizeText
    required property string eventLabel
    required property bool isEvent
    required property string filePath
    property bool selected: false

    implicitHeight: 64
    padding: 8
    leftPadding: 12
    rightPadding: 12

    background: Rectangle {
        radius: RecordingsStyle.radius
        color: row.down ? RecordingsStyle.raised : row.selected ? "#1f3a55" : RecordingsStyle.card
        border.width: row.selected ? 2 : 0
        border.color: RecordingsStyle.accent
    }

    contentItem: RowLayout {
        spacing: 12
        ColumnLayout {
            spacing: 2
            Layout.fillWidth: true
            RowLayout {
                spacing: 8
                Text {
                    text: row.startText
                    color: RecordingsStyle.text
                    font.pixelSize: RecordingsStyle.fontLarge
                    font.bold: true
                }
                Rectangle {
                    objectName: "eventBadge"
                    visible: row.isEvent
                    radius: height / 2
                    color: RecordingsStyle.accent
                    implicitHeight: badgeText.implicitHeight + 6
                    implicitWidth: badgeText.implicitWidth + 16
                    Layout.maximumWidth: 140
                    Text {
                        id: badgeText
                        anchors.centerIn: parent
                        width: Math.min(implicitWidth, 124)
                        text: row.eventLabel
                        elide: Text.ElideRight
                        color: RecordingsStyle.background
                        font.pixelSize: RecordingsStyle.fontSmall
                        font.bold: true
                    }
                }
            }
            Text {
                text: row.camera + " · " + row.day
                color: RecordingsStyle.muted
                font.pixelSize: RecordingsStyle.fontSmall
                elide: Text.ElideRight
                Layout.fillWidth: true
            }
        }
        ColumnLayout {
            spacing: 2
            Text {
                text: row.durationText
                color: RecordingsStyle.text
                font.pixelSize: RecordingsStyle.fontNormal
                Layout.alignment: Qt.AlignRight
            }
            Text {
                text: row.sizeText
                color: RecordingsStyle.muted
                font.pixelSize: RecordingsStyle.fontSmall
                Layout.alignment: Qt.AlignRight
            }
        }
    }
}
