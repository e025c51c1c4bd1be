import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts

// A full-width banner for an error that says what to do; hidden while text is empty.
Rectangle {
    id: banner
    property string text
    signal dismissed()

    visible: text !== ""
    implicitHeight: visible ? Math.max(RecordingsTheme.touch + 16, message.implicitHeight + 16) : 0
    radius: RecordingsTheme.radius
    color: Qt.darker(RecordingsTheme.danger, 1.6)
    border.color: RecordingsTheme.danger
    border.width: 2

    RowLayout {
        anchors.fill: parent
        anchors.margins: 8
        spacing: RecordingsTheme.spacing
        Text {
            id: message
            Layout.fillWidth: true
            text: banner.text
            wrapMode: Text.Wrap
            maximumLineCount: 4
            elide: Text.ElideRight
            color: RecordingsTheme.text
            font.pixelSize: RecordingsTheme.fontSize
        }
        TouchButton {
            objectName: "dismissErrorButton"
            text: qsTr("Dismiss")
            onClicked: banner.dismissed()
        }
    }
}
