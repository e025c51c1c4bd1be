import QtQuick
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// Title, capture state and rate, workers running, clock.
Rectangle {
    id: bar
    implicitHeight: Theme.touch
    color: Theme.surface
    readonly property var sys: PanelController.system

    Rectangle { anchors.bottom: parent.bottom; width: parent.width; height: 1; color: Theme.border }

    RowLayout {
        anchors.fill: parent
        anchors.leftMargin: Theme.margin
        anchors.rightMargin: Theme.margin
        spacing: Theme.margin
        Text {
            text: "zerotee"
            color: Theme.text
            font.pixelSize: Theme.fontTitle
            font.bold: true
        }
        StateChip {
            objectName: "captureChip"
            workerState: bar.sys.captureOk ? "running" : (bar.sys.captureSummary.indexOf("error") >= 0 ? "error" : "starting")
            Layout.maximumWidth: bar.width * 0.4
            maxWidth: bar.width * 0.4
        }
        Text {
            Layout.fillWidth: true
            text: bar.sys.captureOk ? qsTr("%1 fps").arg(bar.sys.captureFps.toFixed(0)) : bar.sys.captureSummary
            color: Theme.textDim
            font.pixelSize: Theme.fontBody
            elide: Text.ElideRight
        }
        Text {
            objectName: "workersSummary"
            text: qsTr("%1/%2 workers").arg(PanelController.workers.runningCount).arg(PanelController.workers.count)
            color: PanelController.workers.runningCount === PanelController.workers.count ? Theme.text : Theme.warning
            font.pixelSize: Theme.fontBody
        }
        Text {
            id: clock
            color: Theme.text
            font.pixelSize: Theme.fontLarge
            font.family: "monospace"
            text: Qt.formatTime(new Date(), "HH:mm")
            Timer {
                interval: 5000; running: true; repeat: true
                onTriggered: clock.text = Qt.formatTime(new Date(), "HH:mm")
            }
        }
    }
}
