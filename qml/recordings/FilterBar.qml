import QtQuick
import Zerotee.Recordings // the C++ types (RecordingsModel); Qt 6.4 does not give them to the implicit import
import QtQuick.Controls.Basic
import Zerotee.Controls

// Camera and day filters as one row of chips that scrolls sideways when it does not fit.
// Choosing a chip sets the model's cameraFilter / dayFilter ("" = all).
Flickable {
    id: bar
    required property RecordingsModel recordings

    implicitHeight: Theme.touch
    contentWidth: chips.implicitWidth
    contentHeight: height
    flickableDirection: Flickable.HorizontalFlick
    boundsBehavior: Flickable.StopAtBounds
    clip: true

    Row {
        id: chips
        spacing: Theme.spacing

        FilterChip {
            objectName: "cameraChip_all"
            text: qsTr("All cameras")
            checked: bar.recordings.cameraFilter === ""
            onClicked: bar.recordings.cameraFilter = ""
        }
        Repeater {
            model: bar.recordings.cameras
            FilterChip {
                required property string modelData
                objectName: "cameraChip_" + modelData
                text: modelData
                checked: bar.recordings.cameraFilter === modelData
                onClicked: bar.recordings.cameraFilter = modelData
            }
        }
        Rectangle {
            width: 2
            height: Theme.touch - 12
            anchors.verticalCenter: parent.verticalCenter
            color: Theme.border
        }
        FilterChip {
            objectName: "dayChip_all"
            text: qsTr("All days")
            checked: bar.recordings.dayFilter === ""
            onClicked: bar.recordings.dayFilter = ""
        }
        Repeater {
            model: bar.recordings.days
            FilterChip {
                required property string modelData
                objectName: "dayChip_" + modelData
                text: modelData
                checked: bar.recordings.dayFilter === modelData
                onClicked: bar.recordings.dayFilter = modelData
            }
        }
    }
}
