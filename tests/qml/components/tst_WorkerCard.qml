import QtQuick
import QtTest
import Zerotee.Panel

TestCase {
    id: test
    name: "WorkerCard"
    width: 800; height: 480
    visible: true
    when: windowShown

    WorkerCard {
        id: card
        width: 420
        name: "recorder"
        kind: "recorder"
    }
    SignalSpy { id: toggled; target: card; signalName: "toggleRequested" }
    SignalSpy { id: removed; target: card; signalName: "removeRequested" }

    function init() {
        card.workerState = "stopped"
        card.active = false
        card.busy = false
        card.compact = false
        card.failureReason = ""
        card.currentFile = ""
        toggled.clear()
        removed.clear()
    }

    function toggle() { return findChild(card, "startStop_recorder") }

    function test_toggleSaysWhatItDoes() {
        var button = toggle()
        verify(button, "the toggle is found by objectName startStop_<name>")
        compare(button.text, "Start")
        card.workerState = "running"
        card.active = true
        compare(button.text, "Stop")
        card.workerState = "starting"
        card.busy = true
        compare(button.text, "Starting…")
    }
    function test_tapEmitsToggle() {
        var button = toggle()
        mouseClick(button)
        compare(toggled.count, 1)
    }
    function test_touchSizes() {
        // 9 mm ≈ 48 px: every control on the card.
        for (var name of ["startStop_recorder", "restart_recorder", "remove_recorder"]) {
            var b = findChild(card, name)
            verify(b.height >= 48, name + " is " + b.height + " px high")
            verify(b.width >= 48, name + " is " + b.width + " px wide")
        }
    }
    function test_failureIsShown() {
        card.workerState = "failed"
        card.failureReason = "crash loop: exit code 1"
        var reason = findChild(card, "failureReason")
        verify(reason.visible)
        compare(reason.text, "crash loop: exit code 1")
        compare(findChild(card, "stateChip").label, "failed: crash loop: exit code 1")
    }
    function test_currentFile() {
        card.workerState = "running"
        card.active = true
        card.currentFile = "cam0-120000.mkv.part"
        var file = findChild(card, "currentFile")
        verify(file.visible)
        verify(file.text.indexOf("cam0-120000.mkv.part") >= 0)
    }
    function test_compactKeepsOnlyToggle() {
        card.compact = true
        verify(!findChild(card, "remove_recorder").visible)
        verify(toggle().visible)
        verify(toggle().height >= 48)
    }
    function test_removeAsks() {
        mouseClick(findChild(card, "remove_recorder"))
        compare(removed.count, 1)
    }
}
