import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.Templates as T

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
        radius: RecordingsTheme.radius * 2
        color: RecordingsTheme.card
        border.color: RecordingsTheme.danger
        border.width: 2
    }
    T.Overlay.modal: Rectangle { color: "#b0000000" }

    contentItem: ColumnLayout {
        spacing: 16
        Text {
            Layout.fillWidth: true
            text: qsTr("Delete this recording?")
            color: RecordingsTheme.text
            font.pixelSize: RecordingsTheme.largeFont
            font.bold: true
        }
        Text {
            objectName: "confirmDeleteDetails"
            Layout.fillWidth: true
            wrapMode: Text.Wrap
            color: RecordingsTheme.text
            font.pixelSize: RecordingsTheme.fontSize
            text: dialog.recording.filePath === undefined ? "" :
                  dialog.recording.camera + " · " + Qt.formatDateTime(dialog.recording.startTime, "yyyy-MM-dd HH:mm:ss")
                  + (dialog.recording.isEvent ? " · " + dialog.recording.eventLabel : "")
                  + "\n" + RecordingsTheme.formatDuration(dialog.recording.durationS, dialog.recording.durationStatus)
                  + " · " + RecordingsTheme.formatBytes(dialog.recording.sizeBytes)
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
                tone: "danger"
                onClicked: {
                    const path = dialog.recording.filePath;
                    dialog.close();
                    dialog.confirmed(path);
                }
            }
        }
    }
}
