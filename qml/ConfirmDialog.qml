import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Templates as T
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// "Remove worker X?" — a destructive action asks once, with large buttons.
Popup {
    id: dialog
    property string title
    property string message
    property string confirmText: qsTr("Remove")
    signal confirmed()

    modal: true
    dim: true
    anchors.centerIn: T.Overlay.overlay
    width: Math.min(parent ? parent.width - 2 * Theme.margin : 400, 520 * Theme.scale)
    padding: Theme.margin * 1.5
    background: Rectangle {
        color: Theme.surfaceHigh
        radius: Theme.radius
        border.color: Theme.border
    }
    T.Overlay.modal: Rectangle { color: "#b0000000" }

    contentItem: ColumnLayout {
        spacing: Theme.margin
        Text {
            Layout.fillWidth: true
            text: dialog.title
            color: Theme.text
            font.pixelSize: Theme.fontTitle
            font.bold: true
            wrapMode: Text.Wrap
        }
        Text {
            Layout.fillWidth: true
            text: dialog.message
            color: Theme.textDim
            font.pixelSize: Theme.fontBody
            wrapMode: Text.Wrap
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.margin
            TouchButton {
                objectName: "confirmCancel"
                Layout.fillWidth: true
                text: qsTr("Cancel")
                onClicked: dialog.close()
            }
            TouchButton {
                objectName: "confirmOk"
                Layout.fillWidth: true
                role: "danger"
                text: dialog.confirmText
                onClicked: { dialog.close(); dialog.confirmed() }
            }
        }
    }
}
