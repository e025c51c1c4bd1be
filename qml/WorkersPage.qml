import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Templates as T
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// Every worker as a card (objectName "workerCard_<name>", toggle "startStop_<name>"), in one to
// three columns by width; add and remove. All of it goes through PanelController, that is the
// control API.
Item {
    id: page
    readonly property int columns: width >= 1150 * Theme.scale ? 3 : width >= 680 * Theme.scale ? 2 : 1

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacing
            Text {
                Layout.fillWidth: true
                text: qsTr("Workers: %1 of %2 running").arg(PanelController.workers.runningCount).arg(PanelController.workers.count)
                color: Theme.text
                font.pixelSize: Theme.fontLarge
                font.bold: true
                elide: Text.ElideRight
            }
            TouchButton {
                objectName: "addWorker"
                role: "primary"
                text: qsTr("Add worker")
                onClicked: {
                    addDialog.reset()
                    addDialog.open()
                }
            }
        }

        Flickable {
            id: flick
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            contentHeight: grid.implicitHeight
            boundsBehavior: Flickable.StopAtBounds
            ScrollIndicator.vertical: ScrollIndicator {}

            GridLayout {
                id: grid
                width: flick.width
                columns: page.columns
                columnSpacing: Theme.spacing
                rowSpacing: Theme.spacing
                Repeater {
                    model: PanelController.workers
                    WorkerCard {
                        objectName: "workerCard_" + model.name
                        Layout.fillWidth: true
                        Layout.alignment: Qt.AlignTop
                        Layout.preferredWidth: 1
                        name: model.name
                        kind: model.kind
                        camera: model.camera
                        workerState: model.workerState
                        failureReason: model.failureReason
                        active: model.active
                        busy: model.busy
                        fps: model.fps
                        drops: model.drops
                        cpu: model.cpu
                        rssMb: model.rssMb
                        clients: model.clients
                        currentFile: model.currentFile
                        detail: model.detail
                        uptime: model.uptime
                        restarts: model.restarts
                        onToggleRequested: PanelController.toggleWorker(name)
                        onRestartRequested: PanelController.restartWorker(name)
                        onRemoveRequested: {
                            confirm.workerName = name
                            confirm.open()
                        }
                    }
                }
            }
        }
        Text {
            visible: PanelController.workers.count === 0
            Layout.fillWidth: true
            Layout.fillHeight: true
            text: qsTr("No workers. Tap “Add worker” to record, stream or detect.")
            color: Theme.textDim
            font.pixelSize: Theme.fontLarge
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
        }
    }

    AddWorkerDialog {
        id: addDialog
        objectName: "addWorkerDialog"
        parent: T.Overlay.overlay
        cameras: PanelController.cameraNames
        defaultDir: PanelController.recordingsDir
        onAddRequested: (kind, name, camera, options) => {
            var error = PanelController.addWorker(kind, name, camera, options)
            if (error.length === 0)
                close()
            else
                addDialog.error = error
        }
    }

    ConfirmDialog {
        id: confirm
        objectName: "removeDialog"
        property string workerName
        parent: T.Overlay.overlay
        title: qsTr("Remove %1?").arg(workerName)
        message: qsTr("The worker stops (a recording in progress is finalized) and is removed. Its files stay.")
        onConfirmed: PanelController.removeWorker(workerName)
    }
}
