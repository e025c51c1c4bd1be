import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.Templates as T
import Zerotee.Controls

// Asks before a recording is deleted: deleting cannot be undone. open() with the recording's
// roles (RecordingsModel.get()); confirmed(filePath) when the operator taps Delete.
Popup {
    id: dialog
    property var recording: ({})
    signal confirmed(string filePath)

    function ask(recording) {
        dialog.recording = recording;
        open();
    }

    modal: true
    dim: true
    closePolicy: Popup.CloseOnEscape | Popup.CloseOnPressOutside
    anchors.centerIn: T.Overlay.overlay
    width: Math.min(parent ? parent.width - 32 : 560, 560)
    padding: 20

    background: Rectangle {
        radius: Theme.radius * 2
        color: Theme.surface
        border.color: Theme.error
        border.width: 2
    }
    T.Overlay.modal: Rectangle { color: "#b0000000" }

    contentItem: ColumnLayout {
        spacing: 16
        Text {
            Layout.fillWidth: true
            text: qsTr("Delete this recording?")
            color: Theme.text
            font.pixelSize: Theme.fontTitle
            font.bold: true
        }
        Text {
            objectName: "confirmDeleteDetails"
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: Theme.text
            font.pixelSize: Theme.fontLarge
            text: dialog.recording.filePath === undefined ? "" :
                  dialog.recording.camera + " · " + Qt.formatDateTime(dialog.recording.startTime, "yyyy-MM-dd HH:mm:ss")
                  + (dialog.recording.isEvent ? " · " + dialog.recording.eventLabel : "")
                  + "\n" + Format.duration(dialog.recording.durationS, dialog.recording.durationStatus)
                  + " · " + Format.bytes(dialog.recording.sizeBytes)
                  + "\n" + qsTr("The file is deleted from the disk; this cannot be undone.")
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: 16
            TouchButton {
                objectName: "cancelDeleteButton"
                Layout.fillWidth: true
                text: qsTr("Keep")
                onClicked: dialog.close()
            }
            TouchButton {
                objectName: "confirmDeleteButton"
                Layout.fillWidth: true
                text: qsTr("Delete")
                role: "danger"
                onClicked: {
                    const path = dialog.recording.filePath;
                    dialog.close();
                    dialog.confirmed(path);
                }
            }
        }
    }
}
