import QtQuick
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// The cameras' encoded streams (each encoded once, shared by recorder, mounts and push) and the
// RTSP URLs of the running mounts, large and copyable, with their viewers.
Item {
    id: page
    signal showPage(int index)

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing

        Repeater {
            model: PanelController.encodedStreams
            delegate: Rectangle {
                objectName: "encodedStream_" + camera + "_" + name
                Layout.fillWidth: true
                implicitHeight: streamColumn.implicitHeight + 2 * Theme.margin
                radius: Theme.radius
                color: Theme.surface
                border.color: streamState === "running" ? Theme.ok : Theme.border
                ColumnLayout {
                    id: streamColumn
                    anchors.fill: parent
                    anchors.margins: Theme.margin
                    spacing: 2
                    Text {
                        Layout.fillWidth: true
                        text: camera + " · " + name + "  —  " + streamState
                        color: Theme.text
                        font.pixelSize: Theme.fontLarge
                        font.bold: true
                        elide: Text.ElideRight
                    }
                    Text {
                        Layout.fillWidth: true
                        text: [encoder + " " + codec.toUpperCase(),
                               size.length > 0 ? size : qsTr("camera size"),
                               fps > 0 ? fps + " fps" : qsTr("camera rate"),
                               measured > 0 ? qsTr("%1 of %2 kbit/s").arg(measured).arg(bitrate)
                                            : bitrate + " kbit/s",
                               qsTr("GOP %1").arg(gop)].join("  ·  ")
                        color: Theme.textDim
                        font.pixelSize: Theme.fontSmall
                        elide: Text.ElideRight
                    }
                    Text {
                        Layout.fillWidth: true
                        text: [qsTr("%n consumer(s)", "", consumers) + (users.length > 0 ? " (" + users + ")" : ""),
                               qsTr("keyframes forced %1").arg(keyframesForced),
                               qsTr("drops %1").arg(drops)].join("  ·  ")
                        color: drops > 0 ? Theme.warning : Theme.textDim
                        font.pixelSize: Theme.fontSmall
                        elide: Text.ElideRight
                    }
                }
            }
        }
        Text {
            text: qsTr("RTSP: %n viewer(s)", "", PanelController.rtspMounts.totalClients)
            color: Theme.text
            font.pixelSize: Theme.fontLarge
            font.bold: true
        }
        ListView {
            id: list
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            spacing: Theme.spacing
            model: PanelController.rtspMounts
            delegate: Rectangle {
                objectName: "stream_" + worker + path
                width: list.width
                implicitHeight: column.implicitHeight + 2 * Theme.margin
                radius: Theme.radius
                color: Theme.surface
                border.color: Theme.border
                RowLayout {
                    anchors.fill: parent
                    anchors.margins: Theme.margin
                    spacing: Theme.margin
                    ColumnLayout {
                        id: column
                        Layout.fillWidth: true
                        spacing: 2
                        Text {
                            Layout.fillWidth: true
                            text: url
                            color: Theme.accent
                            font.pixelSize: Theme.fontHuge
                            font.bold: true
                            wrapMode: Text.WrapAnywhere
                        }
                        Text {
                            Layout.fillWidth: true
                            text: [worker, size.length > 0 ? size : qsTr("camera size"),
                                   fps > 0 ? fps + " fps" : qsTr("camera rate"),
                                   stream.length > 0 ? qsTr("the %1 stream, encoded once").arg(stream)
                                   : encoding ? encoder + " " + bitrate + " kbit/s" : qsTr("encoder idle (no viewer)")].join("  ·  ")
                            color: Theme.textDim
                            font.pixelSize: Theme.fontSmall
                            elide: Text.ElideRight
                        }
                    }
                    Column {
                        Text {
                            anchors.horizontalCenter: parent.horizontalCenter
                            text: clients
                            color: clients > 0 ? Theme.ok : Theme.textDim
                            font.pixelSize: Theme.fontHuge
                            font.bold: true
                        }
                        Text {
                            text: qsTr("viewers")
                            color: Theme.textDim
                            font.pixelSize: Theme.fontSmall
                        }
                    }
                    TouchButton {
                        objectName: "copy_" + worker + path
                        text: qsTr("Copy")
                        role: "primary"
                        onClicked: PanelController.copyText(url)
                    }
                }
            }
        }
        ColumnLayout {
            visible: PanelController.rtspMounts.count === 0
            Layout.fillWidth: true
            Layout.fillHeight: true
            Text {
                Layout.fillWidth: true
                text: qsTr("No RTSP stream is running. Start one on the Workers page, or add one there.")
                color: Theme.textDim
                font.pixelSize: Theme.fontLarge
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
            }
            TouchButton {
                Layout.alignment: Qt.AlignHCenter
                text: qsTr("Go to Workers")
                onClicked: page.showPage(1)
            }
        }
    }
    Connections {
        target: PanelController
        function onCopied(text) { copiedNote.show() }
    }
    Rectangle {
        id: copiedNote
        objectName: "copiedNote"
        function show() { opacity = 1; hideTimer.restart() }
        anchors.horizontalCenter: parent.horizontalCenter
        anchors.bottom: parent.bottom
        anchors.bottomMargin: Theme.margin
        width: noteText.implicitWidth + 2 * Theme.margin
        height: Theme.touch
        radius: Theme.radius
        color: Theme.surfaceHigh
        border.color: Theme.ok
        opacity: 0
        Behavior on opacity { NumberAnimation { duration: 150 } }
        Text { id: noteText; anchors.centerIn: parent; text: qsTr("Copied"); color: Theme.text; font.pixelSize: Theme.fontBody }
        Timer { id: hideTimer; interval: 1500; onTriggered: copiedNote.opacity = 0 }
    }
}
