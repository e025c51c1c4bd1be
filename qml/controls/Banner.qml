import QtQuick
import QtQuick.Layouts

// An error or warning across the top: what went wrong, and on its own line what to do. Stays
// until dismissed (or until the cause goes away).
Rectangle {
    id: banner
    property string text: ""
    property string hint: ""
    property string level: "error"
    signal dismissed()

    visible: text.length > 0
    implicitHeight: visible ? Math.max(Theme.touch + 2 * Theme.spacing, column.implicitHeight + 2 * Theme.spacing) : 0
    color: level === "error" ? "#4a1518" : level === "warning" ? "#4a3510" : "#12304a"
    border.color: level === "error" ? Theme.error : level === "warning" ? Theme.warning : Theme.accent
    border.width: 1

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.margin
        anchors.rightMargin: Theme.spacing
        spacing: Theme.margin
        ColumnLayout {
            id: column
            Layout.fillWidth: true
            spacing: 2
            Text {
                objectName: "bannerText"
                Layout.fillWidth: true
                text: banner.text
                color: Theme.text
                font.pixelSize: Theme.fontBody
                font.bold: true
                wrapMode: Text.Wrap
                maximumLineCount: 2
                elide: Text.ElideRight
            }
            Text {
                objectName: "bannerHint"
                Layout.fillWidth: true
                visible: banner.hint.length > 0
                text: banner.hint
                color: Theme.textDim
                font.pixelSize: Theme.fontSmall
                wrapMode: Text.Wrap
                maximumLineCount: 2
                elide: Text.ElideRight
            }
        }
        TouchButton {
            objectName: "bannerDismiss"
            text: qsTr("Dismiss")
            onClicked: banner.dismissed()
        }
    }
}
