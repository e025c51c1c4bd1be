import QtQuick
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// Live video: one tile per camera (tap a tile to enlarge it, tap again for all), boxes and
// figures toggles, a manual trigger. On a large landscape screen the workers, streams and the
// latest events sit beside the video; in portrait they go below it.
Item {
    id: page
    property bool portrait: height > width
    property bool roomy: (portrait ? height >= 900 : width >= 1200)
    property string enlarged: ""
    signal showPage(int index)

    readonly property int cameraCount: PanelController.cameras.count

    GridLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacing
        columns: page.portrait || !page.roomy ? 1 : 2
        columnSpacing: Theme.margin
        rowSpacing: Theme.spacing

        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.preferredWidth: 3
            spacing: Theme.spacing

            GridLayout {
                id: tiles
                Layout.fillWidth: true
                Layout.fillHeight: true
                columns: page.enlarged !== "" || page.cameraCount <= 1 ? 1 : page.cameraCount <= 4 ? 2 : 3
                columnSpacing: Theme.spacing
                rowSpacing: Theme.spacing
                Repeater {
                    model: PanelController.cameras
                    CameraTile {
                        objectName: "cameraTile_" + name
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        visible: page.enlarged === "" || page.enlarged === name
                        cameraName: name
                        captureState: model.captureState
                        captureError: error
                        fps: model.fps
                        captureWidth: model.captureWidth
                        captureHeight: model.captureHeight
                        previewState: model.previewState
                        previewError: model.previewError
                        previewFps: model.previewFps
                        latencyMs: model.latencyMs
                        showStats: PanelController.preview.statsVisible
                        showOverlay: PanelController.preview.overlayEnabled
                        detections: PanelController.detectionsFor(name)
                        enlarged: page.enlarged === name
                        onTapped: {
                            if (page.cameraCount > 1)
                                page.enlarged = page.enlarged === name ? "" : name
                        }
                    }
                }
            }

            Flow {
                Layout.fillWidth: true
                spacing: Theme.spacing
                TouchButton {
                    objectName: "toggleOverlay"
                    text: qsTr("Boxes")
                    checkable: true
                    checked: PanelController.preview.overlayEnabled
                    onToggled: PanelController.preview.overlayEnabled = checked
                }
                TouchButton {
                    objectName: "toggleStats"
                    text: qsTr("Figures")
                    checkable: true
                    checked: PanelController.preview.statsVisible
                    onToggled: PanelController.preview.statsVisible = checked
                }
                TouchButton {
                    objectName: "triggerRecording"
                    text: qsTr("Record event")
                    onClicked: PanelController.trigger("manual")
                }
                TouchButton {
                    visible: page.enlarged !== ""
                    text: qsTr("All cameras")
                    onClicked: page.enlarged = ""
                }
            }
        }

        // Beside (landscape) or below (portrait) the video when there is room.
        ColumnLayout {
            visible: page.roomy
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.preferredWidth: 2
            Layout.maximumWidth: page.portrait ? 100000 : Math.round(560 * Theme.scale)
            spacing: Theme.spacing

            Text {
                text: qsTr("Workers")
                color: Theme.text
                font.pixelSize: Theme.fontLarge
                font.bold: true
            }
            ListView {
                id: workerList
                Layout.fillWidth: true
                Layout.preferredHeight: Math.min(contentHeight, page.height * 0.45)
                clip: true
                spacing: Theme.spacing
                model: PanelController.workers
                delegate: WorkerCard {
                    width: workerList.width
                    compact: true
                    togglePrefix: "liveToggle_"
                    name: model.name
                    kind: model.kind
                    workerState: model.workerState
                    failureReason: model.failureReason
                    active: model.active
                    busy: model.busy
                    onToggleRequested: PanelController.toggleWorker(name)
                }
            }

            Text {
                visible: PanelController.rtspMounts.count > 0
                text: qsTr("Streams")
                color: Theme.text
                font.pixelSize: Theme.fontLarge
                font.bold: true
            }
            Repeater {
                model: PanelController.rtspMounts
                Rectangle {
                    Layout.fillWidth: true
                    implicitHeight: Theme.touch
                    radius: Theme.radius
                    color: Theme.surface
                    border.color: Theme.border
                    RowLayout {
                        anchors.fill: parent
                        anchors.leftMargin: Theme.margin
                        spacing: Theme.spacing
                        Text {
                            Layout.fillWidth: true
                            text: url
                            color: Theme.accent
                            font.pixelSize: Theme.fontBody
                            font.bold: true
                            elide: Text.ElideMiddle
                        }
                        Text {
                            text: qsTr("%n viewer(s)", "", clients)
                            color: Theme.textDim
                            font.pixelSize: Theme.fontSmall
                        }
                        TouchButton {
                            text: qsTr("Copy")
                            onClicked: PanelController.copyText(url)
                        }
                    }
                }
            }

            RowLayout {
                Layout.fillWidth: true
                Text {
                    Layout.fillWidth: true
                    text: qsTr("Latest events")
                    color: Theme.text
                    font.pixelSize: Theme.fontLarge
                    font.bold: true
                }
                TouchButton {
                    text: qsTr("All events")
                    onClicked: page.showPage(4)
                }
            }
            ListView {
                id: eventList
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                interactive: false
                model: PanelController.events
                delegate: EventRow {
                    width: eventList.width
                    compact: true
                    alternate: index % 2 === 1
                    eventTime: model.time
                    eventSource: model.source
                    eventMessage: model.message
                    eventLevel: model.level
                    eventCount: model.count
                }
            }
        }
    }
}
