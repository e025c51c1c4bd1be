import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// Detections and incidents as they happen, newest first; a filter for each.
Item {
    id: page
    property string filter: "all"

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: Theme.spacing
        spacing: Theme.spacing
        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacing
            Text {
                Layout.fillWidth: true
                text: qsTr("Events")
                color: Theme.text
                font.pixelSize: Theme.fontLarge
                font.bold: true
            }
            Repeater {
                model: [["all", qsTr("All")], ["detection", qsTr("Detections")], ["incident", qsTr("Incidents")]]
                TouchButton {
                    objectName: "filter_" + modelData[0]
                    text: modelData[1]
                    checkable: true
                    checked: page.filter === modelData[0]
                    onClicked: page.filter = modelData[0]
                }
            }
        }
        ListView {
            id: list
            objectName: "eventList"
            Layout.fillWidth: true
            Layout.fillHeight: true
            clip: true
            model: PanelController.events
            ScrollIndicator.vertical: ScrollIndicator {}
            delegate: EventRow {
                readonly property bool shown: page.filter === "all"
                    || (page.filter === "detection" && model.level === "detection")
                    || (page.filter === "incident" && model.level !== "detection")
                width: list.width
                visible: shown
                height: shown ? implicitHeight : 0
                alternate: index % 2 === 1
                eventTime: model.time
                eventSource: model.source
                eventMessage: model.message
                eventLevel: model.level
                eventCount: model.count
            }
        }
        Text {
            visible: PanelController.events.count === 0
            Layout.fillWidth: true
            text: qsTr("Nothing has happened yet.")
            color: Theme.textDim
            font.pixelSize: Theme.fontLarge
            horizontalAlignment: Text.AlignHCenter
        }
    }
}
