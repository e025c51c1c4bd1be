import QtQuick
import QtQuick.Layouts

// A modal question over the whole page: nothing behind it takes taps until it is answered.
Rectangle {
    id: dialog

    property string title: ""
    property string message: ""
    property string confirmText: qsTr("Delete")

    signal accepted()
    signal rejected()

    function open() { visible = true }
    function close() { visible = false }

    visible: false
    color: "#c0000000"

    MouseArea { // swallows taps outside the card
        anchors.fill: parent
    }

    Rectangle {
        anchors.centerIn: parent
        width: Math.min(parent.width - 32, 560)
        height: content.implicitHeight + 48
        radius: RecordingsStyle.radius * 2
        color: RecordingsStyle.card
        border.color: RecordingsStyle.raised

        ColumnLayout {
            id: content
            anchors.fill: parent
            anchors.margins: 24
            spacing: 16
            Text {
                text: dialog.title
                color: RecordingsStyle.text
                font.pixelSize: RecordingsStyle.fontLarge
                font.bold: true
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            Text {
                objectName: "dialogMessage"
                text: dialog.message
                color: RecordingsStyle.text
                font.pixelSize: RecordingsStyle.fontNormal
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            RowLayout {
                spacing: 16
                Layout.fillWidth: true
                TouchButton {
                    objectName: "cancelButton"
                    text: qsTr("Cancel")
                    Layout.fillWidth: true
                    onClicked: { dialog.close(); dialog.rejected() }
                }
                TouchButton {
                    objectName: "confirmButton"
                    text: dialog.confirmText
                    tone: RecordingsStyle.danger
                    Layout.fillWidth: true
                    onClicked: { dialog.close(); dialog.accepted() }
                }
            }
        }
    }
}
