import QtQuick
import QtQuick.VirtualKeyboard

// The on-screen keyboard (Qt Virtual Keyboard), loaded when no hardware keyboard was found. It
// slides up from the bottom when a text field takes focus.
InputPanel {
    id: panel
    z: 1000
    width: parent ? parent.width : 800
    y: Qt.inputMethod.visible && parent ? parent.height - height : (parent ? parent.height : 480)
    Behavior on y { NumberAnimation { duration: 150 } }
}
