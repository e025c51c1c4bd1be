import QtQuick
import QtTest
import Zerotee.Panel
import Zerotee.Controls

TestCase {
    name: "Banner"
    width: 800; height: 200
    visible: true
    when: windowShown

    Banner { id: banner; width: 800 }
    SignalSpy { id: dismissed; target: banner; signalName: "dismissed" }

    function init() { banner.text = ""; banner.hint = ""; dismissed.clear() }

    function test_hiddenWithoutText() {
        verify(!banner.visible)
        compare(banner.implicitHeight, 0)
    }
    function test_saysWhatToDo() {
        banner.text = "add refused: a worker named 'rtsp' exists already"
        banner.hint = "Choose another name."
        verify(banner.visible)
        compare(findChild(banner, "bannerHint").text, "Choose another name.")
        verify(banner.implicitHeight >= 48)
        var dismiss = findChild(banner, "bannerDismiss")
        verify(dismiss.height >= 48)
        mouseClick(dismiss)
        compare(dismissed.count, 1)
    }
    function test_levels() {
        banner.text = "x"
        banner.level = "error"
        compare(banner.border.color, Theme.error)
        banner.level = "warning"
        compare(banner.border.color, Theme.warning)
    }
}
