import QtQuick
import Zerotee.Panel
import Zerotee.Controls

// Detection boxes over a video that is letterboxed into this item (as GstGLQt6VideoItem draws
// it with force-aspect-ratio): boxes are normalized to the frame, the frame is fitted into the
// item. Each box fades with its model opacity (stale detections disappear).
Item {
    id: overlay
    property var model
    property real sourceWidth: 16
    property real sourceHeight: 9

    readonly property real fit: Math.min(width / Math.max(1, sourceWidth), height / Math.max(1, sourceHeight))
    readonly property real frameWidth: sourceWidth * fit
    readonly property real frameHeight: sourceHeight * fit
    readonly property real frameX: (width - frameWidth) / 2
    readonly property real frameY: (height - frameHeight) / 2

    Repeater {
        id: boxes
        objectName: "detectionBoxes"
        model: overlay.model
        delegate: Rectangle {
            objectName: "detectionBox"
            x: overlay.frameX + boxX * overlay.frameWidth
            y: overlay.frameY + boxY * overlay.frameHeight
            width: boxWidth * overlay.frameWidth
            height: boxHeight * overlay.frameHeight
            color: "transparent"
            border.color: Theme.detection
            border.width: Math.max(2, Math.round(3 * Theme.scale))
            opacity: boxOpacity
            Behavior on opacity { NumberAnimation { duration: 120 } }
            Rectangle {
                x: -parent.border.width / 2
                y: parent.y > tag.height + 2 ? -height : 0
                width: tag.implicitWidth + 2 * Theme.spacing
                height: tag.implicitHeight + 4
                color: Theme.detection
                Text {
                    id: tag
                    anchors.centerIn: parent
                    text: label + " " + Math.round(score * 100) + "%"
                    color: "#000000"
                    font.pixelSize: Theme.fontSmall
                    font.bold: true
                }
            }
        }
    }
}
