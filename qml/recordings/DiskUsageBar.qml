import QtQuick
import Zerotee.Recordings // the C++ types (RecordingsModel); Qt 6.4 does not give them to the implicit import
import QtQuick.Layouts
import Zerotee.Controls

// Disk usage of the recordings' file system (recordings, other data, free) and the retention
// rule the recorder applies.
ColumnLayout {
    id: usage
    required property RecordingsModel recordings
    spacing: 4

    readonly property real disk: Math.max(recordings.diskBytes, 1)
    readonly property real used: recordings.diskBytes > 0 ? recordings.diskBytes - recordings.freeBytes : 0

    RowLayout {
        Layout.fillWidth: true
        spacing: Theme.spacing
        Text {
            objectName: "diskUsageText"
            Layout.fillWidth: true
            color: Theme.text
            font.pixelSize: Theme.fontLarge
            elide: Text.ElideRight
            text: usage.recordings.diskBytes < 0
                  ? qsTr("Disk usage unknown")
                  : qsTr("Recordings %1 · free %2 of %3").arg(Format.bytes(usage.recordings.totalBytes))
                        .arg(Format.bytes(usage.recordings.freeBytes))
                        .arg(Format.bytes(usage.recordings.diskBytes))
        }
        Text {
            color: Theme.textDim
            font.pixelSize: Theme.fontBody
            text: usage.recordings.count + (usage.recordings.count === 1 ? qsTr(" recording shown")
                                                                       : qsTr(" recordings shown"))
        }
    }
    // used = recordings (accent) + everything else (grey); the rest is free.
    Rectangle {
        objectName: "diskBar"
        Layout.fillWidth: true
        implicitHeight: 12
        radius: 6
        color: Theme.surface
        border.color: Theme.border
        Rectangle {
            height: parent.height
            radius: 6
            width: parent.width * Math.min(1, usage.used / usage.disk)
            color: "#4a5561"
        }
        Rectangle {
            height: parent.height
            radius: 6
            width: parent.width * Math.min(1, usage.recordings.totalBytes / usage.disk)
            color: Theme.accent
        }
    }
    Text {
        objectName: "retentionText"
        Layout.fillWidth: true
        color: Theme.textDim
        font.pixelSize: Theme.fontBody
        wrapMode: Text.Wrap
        maximumLineCount: 2
        elide: Text.ElideRight
        text: usage.recordings.retentionText
              + (usage.recordings.retentionDueFiles > 0
                 ? qsTr(" %1 recordings (%2) are over the limits and go at the recorder's next check.")
                       .arg(usage.recordings.retentionDueFiles)
                       .arg(Format.bytes(usage.recordings.retentionDueBytes))
                 : "")
    }
}
