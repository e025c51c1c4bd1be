import QtQuick
import Zerotee.Panel
import Zerotee.Controls

// A worker's or camera's state as a coloured pill: running, starting, stopping, stopped,
// crashed, backing off, failed. A failure reason follows the label.
Rectangle {
    id: chip
    property string workerState: "stopped"
    property string reason: ""
    readonly property string label: Theme.stateLabel(workerState) + (reason.length > 0 && (workerState === "failed" || workerState === "crashed") ? ": " + reason : "")

    implicitHeight: Math.round(30 * Theme.scale)
    implicitWidth: Math.min(dot.anchors.leftMargin + dot.width + 2 * Theme.spacing
                            + labelText.implicitWidth + 2, maxWidth)
    property real maxWidth: 10000
    radius: height / 2
    color: Qt.rgba(Theme.stateColor(workerState).r, Theme.stateColor(workerState).g, Theme.stateColor(workerState).b, 0.18)
    border.color: Theme.stateColor(workerState)
    border.width: 1

    Rectangle {
        id: dot
        width: Math.round(10 * Theme.scale)
        height: width
        radius: width / 2
        color: Theme.stateColor(chip.workerState)
        anchors.verticalCenter: parent.verticalCenter
        anchors.left: parent.left
        anchors.leftMargin: Theme.spacing + 2
    }
    Text {
        id: labelText
        objectName: "stateChipLabel"
        text: chip.label
        color: Theme.text
        font.pixelSize: Theme.fontSmall
        font.bold: true
        elide: Text.ElideRight
        anchors.left: dot.right
        anchors.leftMargin: Theme.spacing
        anchors.right: parent.right
        anchors.rightMargin: Theme.spacing
        anchors.verticalCenter: parent.verticalCenter
    }
}
