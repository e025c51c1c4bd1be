import QtQuick
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// One event: time, a colour bar for its level, source and message (with a count when
// detections were folded together).
Rectangle {
    id: row
    property bool compact: false
    property string eventTime
    property string eventSource
    property string eventMessage
    property string eventLevel: "info"
    property int eventCount: 1
    property bool alternate: false
    implicitHeight: Math.max(compact ? Math.round(34 * Theme.scale) : Theme.touch,
                             content.implicitHeight + Theme.spacing)
    color: alternate ? Theme.surface : Theme.background
    readonly property color levelColor: eventLevel === "error" ? Theme.error
                                      : eventLevel === "warning" ? Theme.warning
                                      : eventLevel === "detection" ? Theme.detection : Theme.idle

    Rectangle {
        width: Math.round(4 * Theme.scale)
        height: parent.height
        color: row.levelColor
    }
    RowLayout {
        id: content
        anchors.fill: parent
        anchors.leftMargin: Theme.margin
        anchors.rightMargin: Theme.spacing
        spacing: Theme.margin
        Text {
            text: row.eventTime
            color: Theme.textDim
            font.pixelSize: Theme.fontSmall
            font.family: "monospace"
        }
        Text {
            Layout.preferredWidth: Math.round((row.compact ? 80 : 120) * Theme.scale)
            text: row.eventSource
            color: Theme.text
            font.pixelSize: Theme.fontSmall
            font.bold: true
            elide: Text.ElideRight
        }
        Text {
            Layout.fillWidth: true
            text: row.eventMessage + (row.eventCount > 1 ? "  ×" + row.eventCount : "")
            color: row.eventLevel === "error" ? Theme.error : row.eventLevel === "warning" ? Theme.warning : Theme.text
            font.pixelSize: Theme.fontSmall
            elide: Text.ElideRight
            wrapMode: row.compact ? Text.NoWrap : Text.Wrap
            maximumLineCount: row.compact ? 1 : 3
        }
    }
}
