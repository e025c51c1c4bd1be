import QtQuick
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// One camera's live video (a GstGLQt6VideoItem fed by the capture's preview branch), its state,
// the detection boxes, and on demand the frame rate and latency. Tapping it emits tapped()
// (the live page enlarges or shrinks it). The video item is made at run time so that the panel
// (and its tests) work where the GStreamer Qt6 plugin is missing.
Rectangle {
    id: tile
    property string cameraName
    property string captureState
    property string captureError
    property real fps
    property int captureWidth: 16
    property int captureHeight: 9
    property string previewState: "waiting"
    property string previewError
    property real previewFps
    property real latencyMs: -1
    property bool showStats: false
    property bool showOverlay: true
    property var detections
    property bool enlarged: false
    property Item video: null
    signal tapped()

    color: Theme.video
    border.color: Theme.border
    border.width: 1
    clip: true

    Component.onCompleted: {
        if (!PanelController.preview.available)
            return
        try {
            video = Qt.createQmlObject(
                'import org.freedesktop.gstreamer.Qt6GLVideoItem 1.0\n'
                + 'GstGLQt6VideoItem { anchors.fill: parent }', videoHolder, "CameraTileVideo")
            video.objectName = "preview_" + cameraName
            PanelController.preview.registerVideoItem(cameraName, video)
        } catch (e) {
            console.warn("zerotee: no live video item:", e)
            video = null
        }
    }
    Component.onDestruction: {
        if (video)
            PanelController.preview.unregisterVideoItem(cameraName, video)
    }

    Item {
        id: videoHolder
        objectName: "videoHolder"
        anchors.fill: parent
        anchors.margins: 1
    }

    DetectionOverlay {
        objectName: "detectionOverlay"
        anchors.fill: videoHolder
        visible: tile.showOverlay
        model: tile.detections
        sourceWidth: tile.captureWidth
        sourceHeight: tile.captureHeight
    }

    // No picture: say why.
    Column {
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.margin
        spacing: Theme.spacing
        visible: tile.previewState !== "live" || tile.captureState !== "running"
        Text {
            width: parent.width
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            color: Theme.textDim
            font.pixelSize: Theme.fontBody
            text: tile.captureState === "error" ? qsTr("No picture: %1").arg(tile.captureError)
                : tile.captureState !== "running" ? qsTr("Camera %1 is starting…").arg(tile.cameraName)
                : tile.previewState === "unavailable" ? qsTr("Live video is not available on this display (capture, recording and streaming run)")
                : tile.previewState === "failed" ? qsTr("Live video failed: %1").arg(tile.previewError)
                : qsTr("Waiting for video…")
        }
        TouchButton {
            objectName: "retryPreview_" + tile.cameraName
            anchors.horizontalCenter: parent.horizontalCenter
            visible: tile.previewState === "failed"
            text: qsTr("Retry")
            onClicked: PanelController.preview.retry(tile.cameraName)
        }
    }

    // Camera name and state, top left.
    Rectangle {
        anchors.left: parent.left
        anchors.top: parent.top
        anchors.margins: Theme.spacing
        width: nameRow.implicitWidth + 2 * Theme.spacing
        height: nameRow.implicitHeight + Theme.spacing
        radius: Theme.radius / 2
        color: "#a0000000"
        Row {
            id: nameRow
            anchors.centerIn: parent
            spacing: Theme.spacing
            Rectangle {
                width: Math.round(10 * Theme.scale); height: width; radius: width / 2
                anchors.verticalCenter: parent.verticalCenter
                color: Theme.stateColor(tile.captureState)
            }
            Text {
                text: tile.cameraName
                color: Theme.text
                font.pixelSize: Theme.fontBody
                font.bold: true
            }
        }
    }

    // Figures on demand, top right.
    Rectangle {
        objectName: "statsOverlay"
        visible: tile.showStats
        anchors.right: parent.right
        anchors.top: parent.top
        anchors.margins: Theme.spacing
        width: statsColumn.implicitWidth + 2 * Theme.spacing
        height: statsColumn.implicitHeight + Theme.spacing
        radius: Theme.radius / 2
        color: "#b0000000"
        Column {
            id: statsColumn
            anchors.centerIn: parent
            Text {
                color: Theme.text
                font.pixelSize: Theme.fontSmall
                font.family: "monospace"
                text: qsTr("capture %1 fps  %2×%3").arg(tile.fps.toFixed(1)).arg(tile.captureWidth).arg(tile.captureHeight)
            }
            Text {
                objectName: "previewFigures"
                color: Theme.text
                font.pixelSize: Theme.fontSmall
                font.family: "monospace"
                text: qsTr("preview %1 fps  latency %2").arg(tile.previewFps.toFixed(1))
                      .arg(tile.latencyMs >= 0 ? tile.latencyMs.toFixed(1) + " ms" : "–")
            }
        }
    }

    TapHandler {
        onTapped: tile.tapped()
    }
}
