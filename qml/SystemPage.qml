import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// The machine: capture state and rate, CPU and memory of each process, free disk where the
// recordings go, memory, and the temperature where the board has a sensor.
Item {
    id: page
    readonly property var sys: PanelController.system

    component Tile: Rectangle {
        property string label
        property string value
        property string note
        property color valueColor: Theme.text
        Layout.fillWidth: true
        implicitHeight: tileColumn.implicitHeight + 2 * Theme.margin
        radius: Theme.radius
        color: Theme.surface
        border.color: Theme.border
        Column {
            id: tileColumn
            anchors.fill: parent
            anchors.margins: Theme.margin
            spacing: 2
            Text { text: label; color: Theme.textDim; font.pixelSize: Theme.fontSmall }
            Text {
                width: parent.width
                text: value; color: valueColor
                font.pixelSize: Theme.fontHuge; font.bold: true
                elide: Text.ElideRight
            }
            Text {
                width: parent.width
                visible: note.length > 0
                text: note; color: Theme.textDim; font.pixelSize: Theme.fontSmall
                elide: Text.ElideMiddle
            }
        }
    }

    function uptime(s) {
        var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60)
        return h > 0 ? h + " h " + m + " min" : m + " min " + Math.floor(s % 60) + " s"
    }

    Flickable {
        id: flick
        anchors.fill: parent
        anchors.margins: Theme.spacing
        contentHeight: column.implicitHeight
        clip: true
        boundsBehavior: Flickable.StopAtBounds
        ScrollIndicator.vertical: ScrollIndicator {}

        ColumnLayout {
            id: column
            width: flick.width
            spacing: Theme.spacing

            GridLayout {
                Layout.fillWidth: true
                columns: flick.width >= 1000 * Theme.scale ? 4 : flick.width >= 520 * Theme.scale ? 2 : 1
                columnSpacing: Theme.spacing
                rowSpacing: Theme.spacing
                Tile {
                    objectName: "captureTile"
                    label: qsTr("Capture")
                    value: sys.captureOk ? sys.captureFps.toFixed(1) + " fps" : qsTr("not running")
                    valueColor: sys.captureOk ? Theme.ok : Theme.error
                    note: sys.captureSummary
                }
                Tile {
                    label: qsTr("CPU (zerotee and workers)")
                    value: sys.cpuTotal.toFixed(0) + " %"
                    note: qsTr("100 % = one core")
                }
                Tile {
                    label: qsTr("Memory available")
                    value: (sys.memAvailableMb / 1024).toFixed(1) + " GB"
                    note: qsTr("of %1 GB").arg((sys.memTotalMb / 1024).toFixed(1))
                }
                Tile {
                    objectName: "diskTile"
                    label: qsTr("Free disk")
                    value: sys.diskFreeGb.toFixed(1) + " GB"
                    valueColor: sys.diskFreeGb < 1 ? Theme.error : sys.diskFreeGb < 5 ? Theme.warning : Theme.text
                    note: sys.diskPath
                }
                Tile {
                    visible: sys.hasTemperature
                    label: qsTr("Temperature")
                    value: sys.temperatureC.toFixed(0) + " °C"
                    valueColor: sys.temperatureC >= 80 ? Theme.error : sys.temperatureC >= 70 ? Theme.warning : Theme.text
                }
                Tile {
                    label: qsTr("Up")
                    value: page.uptime(sys.uptimeS)
                    note: "zerotee " + PanelController.version
                }
                Tile {
                    label: qsTr("Live video")
                    value: PanelController.preview.available ? qsTr("on") : qsTr("off")
                    note: PanelController.preview.renderer
                }
            }

            Text {
                text: qsTr("Processes")
                color: Theme.text
                font.pixelSize: Theme.fontLarge
                font.bold: true
            }
            Repeater {
                model: sys.processes
                Rectangle {
                    Layout.fillWidth: true
                    implicitHeight: Math.round(40 * Theme.scale)
                    color: index % 2 ? Theme.surface : Theme.background
                    RowLayout {
                        anchors.fill: parent
                        anchors.leftMargin: Theme.margin
                        anchors.rightMargin: Theme.margin
                        spacing: Theme.margin
                        Text {
                            Layout.fillWidth: true
                            text: model.name
                            color: Theme.text
                            font.pixelSize: Theme.fontBody
                            elide: Text.ElideRight
                        }
                        Text {
                            text: "pid " + model.pid
                            color: Theme.textDim
                            font.pixelSize: Theme.fontSmall
                            font.family: "monospace"
                        }
                        Text {
                            Layout.preferredWidth: Math.round(80 * Theme.scale)
                            horizontalAlignment: Text.AlignRight
                            text: model.cpu.toFixed(0) + " %"
                            color: Theme.text
                            font.pixelSize: Theme.fontBody
                            font.family: "monospace"
                        }
                        Text {
                            Layout.preferredWidth: Math.round(90 * Theme.scale)
                            horizontalAlignment: Text.AlignRight
                            text: model.rssMb.toFixed(0) + " MB"
                            color: Theme.text
                            font.pixelSize: Theme.fontBody
                            font.family: "monospace"
                        }
                    }
                }
            }
        }
    }
}
