import QtQuick
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// One worker: name, kind, state chip (with the failure reason), key figures and a large
// start/stop toggle (objectName "startStop_<name>"). `compact` leaves only name, state and
// toggle (the live page's side list). Removing asks first.
Rectangle {
    id: card
    property string name
    property string kind
    property string camera
    property string workerState: "stopped"
    property string failureReason
    property bool active: false
    property bool busy: false
    property real fps: 0
    property int drops: 0
    property real cpu: 0
    property real rssMb: 0
    property int clients: -1
    property string currentFile
    property string detail
    property real uptime: 0
    property int restarts: 0
    property bool compact: false
    property string togglePrefix: "startStop_"

    signal toggleRequested()
    signal restartRequested()
    signal removeRequested()

    readonly property string kindLabel: kind === "recorder" ? "REC" : kind === "rtsp" ? "RTSP"
                                      : kind === "ai" ? "AI" : kind === "encoder" ? "ENC" : "CUSTOM"
    // A stream's encoder comes and goes with the workers that use the stream: restart only.
    readonly property bool supervisorOwned: kind === "encoder"

    implicitWidth: Math.round(360 * Theme.scale)
    implicitHeight: layout.implicitHeight + 2 * Theme.margin
    radius: Theme.radius
    color: Theme.surface
    border.color: workerState === "failed" ? Theme.error : Theme.border
    border.width: 1

    function formatUptime(s) {
        if (s <= 0) return "–"
        if (s < 60) return Math.floor(s) + " s"
        if (s < 3600) return Math.floor(s / 60) + " min"
        return (s / 3600).toFixed(1) + " h"
    }

    ColumnLayout {
        id: layout
        anchors.fill: parent
        anchors.margins: Theme.margin
        spacing: Theme.spacing

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacing
            Rectangle {
                implicitWidth: kindText.implicitWidth + 2 * Theme.spacing
                implicitHeight: kindText.implicitHeight + 6
                radius: 4
                color: Theme.surfaceHigh
                Text {
                    id: kindText
                    anchors.centerIn: parent
                    text: card.kindLabel
                    color: Theme.textDim
                    font.pixelSize: Theme.fontSmall
                    font.bold: true
                }
            }
            Text {
                objectName: "workerName"
                Layout.fillWidth: true
                text: card.name
                color: Theme.text
                font.pixelSize: Theme.fontLarge
                font.bold: true
                elide: Text.ElideRight
            }
            StateChip {
                objectName: "stateChip"
                workerState: card.workerState
                reason: card.failureReason
                maxWidth: card.width * 0.45
            }
        }

        Text {
            objectName: "failureReason"
            Layout.fillWidth: true
            visible: !card.compact && card.failureReason.length > 0
                     && (card.workerState === "failed" || card.workerState === "crashed"
                         || card.workerState === "backing-off")
            text: card.failureReason
            color: card.workerState === "failed" ? Theme.error : Theme.warning
            font.pixelSize: Theme.fontSmall
            wrapMode: Text.Wrap
            maximumLineCount: 3
            elide: Text.ElideRight
        }

        GridLayout {
            Layout.fillWidth: true
            visible: !card.compact
            columns: card.width > 420 * Theme.scale ? 4 : 3
            columnSpacing: Theme.margin
            rowSpacing: Theme.spacing
            Figure { label: qsTr("fps"); value: card.active ? card.fps.toFixed(1) : "–" }
            Figure {
                label: qsTr("drops"); value: card.drops
                valueColor: card.drops > 0 ? Theme.warning : Theme.text
            }
            Figure { label: qsTr("CPU"); value: card.active ? card.cpu.toFixed(0) + " %" : "–" }
            Figure { label: qsTr("memory"); value: card.active ? card.rssMb.toFixed(0) + " MB" : "–" }
            Figure { visible: card.clients >= 0; label: qsTr("clients"); value: card.clients }
            Figure { label: qsTr("up"); value: card.formatUptime(card.uptime) }
            Figure { visible: card.restarts > 0; label: qsTr("restarts"); value: card.restarts }
        }

        Text {
            objectName: "currentFile"
            Layout.fillWidth: true
            visible: !card.compact && card.currentFile.length > 0
            text: qsTr("file: ") + card.currentFile
            color: Theme.textDim
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideMiddle
        }
        Text {
            Layout.fillWidth: true
            visible: !card.compact && card.detail.length > 0
            text: card.detail
            color: Theme.textDim
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
        }

        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacing
            TouchButton {
                objectName: card.togglePrefix + card.name
                visible: !card.supervisorOwned
                Layout.fillWidth: true
                implicitHeight: card.compact ? Theme.touch : Theme.touchLarge
                text: card.busy ? (card.workerState === "stopping" ? qsTr("Stopping…") : qsTr("Starting…"))
                                : card.active ? qsTr("Stop") : qsTr("Start")
                role: card.active ? "danger" : "ok"
                fontSize: Theme.fontLarge
                enabled: card.workerState !== "stopping"
                onClicked: card.toggleRequested()
            }
            TouchButton {
                objectName: "restart_" + card.name
                visible: !card.compact || card.supervisorOwned
                Layout.fillWidth: card.supervisorOwned
                text: qsTr("Restart")
                enabled: card.active
                onClicked: card.restartRequested()
            }
            TouchButton {
                objectName: "remove_" + card.name
                visible: !card.compact && !card.supervisorOwned
                text: qsTr("Remove")
                onClicked: card.removeRequested()
            }
        }
    }
}
