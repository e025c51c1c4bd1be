import QtQuick
import QtQuick.Controls.Basic
import Zerotee.Panel
import Zerotee.Controls

// One page in the navigation rail (landscape) or bar (portrait). A badge shows a count.
Button {
    id: control
    property bool current: false
    property int badge: 0
    implicitHeight: Theme.touch
    implicitWidth: Math.max(Theme.touch, label.implicitWidth + 2 * Theme.spacing)
    focusPolicy: Qt.NoFocus
    hoverEnabled: false
    contentItem: Text {
        id: label
        text: control.text
        color: control.current ? Theme.text : Theme.textDim
        font.pixelSize: Theme.fontBody
        font.bold: control.current
        fontSizeMode: Text.HorizontalFit // "Recordings" in bold on a narrow rail: smaller, not cut
        minimumPixelSize: Theme.fontSmall
        horizontalAlignment: Text.AlignHCenter
        verticalAlignment: Text.AlignVCenter
        elide: Text.ElideRight
    }
    background: Rectangle {
        color: control.down ? Theme.surfaceHigh : control.current ? Theme.surfaceHigh : "transparent"
        radius: Theme.radius
        Rectangle {
            visible: control.current
            width: Math.round(4 * Theme.scale)
            height: parent.height * 0.6
            radius: width / 2
            anchors.verticalCenter: parent.verticalCenter
            color: Theme.accent
        }
        Rectangle {
            visible: control.badge > 0
            anchors.right: parent.right
            anchors.top: parent.top
            anchors.margins: 4
            width: Math.max(height, badgeText.implicitWidth + 8)
            height: badgeText.implicitHeight + 2
            radius: height / 2
            color: Theme.error
            Text { id: badgeText; anchors.centerIn: parent; text: control.badge; color: "white"; font.pixelSize: Theme.fontSmall; font.bold: true }
        }
    }
}
