import QtQuick
import Zerotee.Recordings // the C++ types (RecordingsModel); Qt 6.4 does not give them to the implicit import
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.Templates as T
import Zerotee.Controls

// The Recordings page: the recorder's segments and event clips per camera and day, playback with
// seek, delete with confirmation, disk usage and retention. Landscape: list beside the player;
// portrait: player above the list. Works from 800x480 up to 1920x1080.
//
//   RecordingsPage { rootPath: "/var/lib/zerotee/recordings"; recorderOptions: {max_age_hours: 48} }
Rectangle {
    id: page
    /// The recorder's output folder (its --dir / configuration option "dir").
    property string rootPath
    /// The recorder worker's options as in the configuration; the retention keys are shown.
    property var recorderOptions: ({})
    readonly property alias recordings: recordingsModel
    readonly property alias playerPane: playerPane
    readonly property alias deleteDialog: deleteDialog
    property string selectedPath

    readonly property bool landscape: width >= height
    readonly property bool compact: width < 1000 || height < 600

    color: Theme.background

    RecordingsModel {
        id: recordingsModel
        rootPath: page.rootPath
        retentionOptions: page.recorderOptions
    }

    function playRow(row) {
        const item = recordingsModel.get(row);
        if (item.filePath === undefined)
            return;
        selectedPath = item.filePath;
        playerPane.play(item.url, item.camera + " · " + Qt.formatDateTime(item.startTime, "yyyy-MM-dd HH:mm:ss")
                                  + (item.isEvent ? " · " + item.eventLabel : ""));
    }
    function askDelete(row) {
        deleteDialog.ask(recordingsModel.get(row));
    }
    function deletePath(filePath) {
        // The player holds the file open; let it go first.
        if (filePath === selectedPath) {
            playerPane.stop();
            selectedPath = "";
        }
        recordingsModel.remove(recordingsModel.indexOfPath(filePath));
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: page.compact ? 8 : 16
        spacing: page.compact ? 6 : 12

        Banner {
            objectName: "errorBanner"
            Layout.fillWidth: true
            text: recordingsModel.errorMessage
            onDismissed: recordingsModel.clearError()
        }
        DiskUsageBar {
            Layout.fillWidth: true
            recordings: recordingsModel
        }
        FilterBar {
            objectName: "filterBar"
            Layout.fillWidth: true
            recordings: recordingsModel
        }

        GridLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            columns: page.landscape ? 2 : 1
            columnSpacing: page.compact ? 8 : 16
            rowSpacing: page.compact ? 8 : 16

            // Portrait: the player first (on top).
            PlayerPane {
                id: playerPane
                objectName: "playerPane"
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.column: page.landscape ? 1 : 0
                Layout.row: 0
                Layout.preferredWidth: page.landscape ? page.width * 0.5 : page.width
                Layout.preferredHeight: page.landscape ? -1 : page.height * 0.4
            }

            ListView {
                id: list
                objectName: "recordingList"
                Layout.fillWidth: true
                Layout.fillHeight: true
                Layout.column: 0
                Layout.row: page.landscape ? 0 : 1
                Layout.preferredWidth: page.landscape ? page.width * 0.5 : page.width
                Layout.minimumHeight: Theme.rowHeight * 2
                clip: true
                spacing: 6
                model: recordingsModel
                boundsBehavior: Flickable.StopAtBounds
                ScrollBar.vertical: ScrollBar {
                    width: 12
                    policy: ScrollBar.AsNeeded
                }
                delegate: RecordingDelegate {
                    width: ListView.view.width - 14
                    compact: page.compact
                    selected: filePath === page.selectedPath
                    onPlayRequested: page.playRow(index)
                    onDeleteRequested: page.askDelete(index)
                }
                Text {
                    anchors.centerIn: parent
                    width: parent.width - 32
                    visible: list.count === 0
                    horizontalAlignment: Text.AlignHCenter
                    wrapMode: Text.Wrap
                    color: Theme.textDim
                    font.pixelSize: Theme.fontLarge
                    text: recordingsModel.scanning ? qsTr("Looking for recordings…")
                                              : qsTr("No recordings here yet. The recorder writes them to %1.").arg(page.rootPath)
                }
            }
        }
    }

    ConfirmDeleteDialog {
        id: deleteDialog
        objectName: "confirmDeleteDialog"
        parent: T.Overlay.overlay
        onConfirmed: filePath => page.deletePath(filePath)
    }
}
