import QtQuick
import QtQuick.Controls.Basic
import QtTest
import Zerotee.Panel

TestCase {
    name: "AddWorkerDialog"
    width: 800; height: 480
    visible: true
    when: windowShown

    Item {
        id: root
        width: 800; height: 480
        AddWorkerDialog {
            id: dialog
            cameras: ["cam0"]
            defaultDir: "/tmp/rec"
        }
    }
    SignalSpy { id: added; target: dialog; signalName: "addRequested" }

    function init() {
        dialog.reset()
        dialog.open()
        added.clear()
        tryCompare(dialog, "opened", true)
    }
    function cleanup() { dialog.close() }

    function test_rtspWithSizeAndRate() {
        mouseClick(findChild(dialog.contentItem, "kind_rtsp"))
        mouseClick(findChild(dialog.contentItem, "size_1280x720"))
        mouseClick(findChild(dialog.contentItem, "fps_10"))
        findChild(dialog.contentItem, "addName").text = "rtsp-hd"
        mouseClick(findChild(dialog.contentItem, "addConfirm"))
        compare(added.count, 1)
        var args = added.signalArguments[0]
        compare(args[0], "rtsp")
        compare(args[1], "rtsp-hd")
        compare(args[2], "cam0")
        compare(args[3].size, "1280x720")
        compare(args[3].fps, "10")
        compare(args[3].mount, "/sub")
        compare(args[3].port, "8555")
    }
    function test_cameraSizeSendsNoSize() {
        mouseClick(findChild(dialog.contentItem, "size_camera"))
        mouseClick(findChild(dialog.contentItem, "fps_camera"))
        mouseClick(findChild(dialog.contentItem, "addConfirm"))
        var options = added.signalArguments[0][3]
        verify(options.size === undefined)
        verify(options.fps === undefined)
    }
    function test_secondRecorder() {
        mouseClick(findChild(dialog.contentItem, "kind_recorder"))
        verify(findChild(dialog.contentItem, "addDir").visible)
        verify(!findChild(dialog.contentItem, "addMount").visible)
        mouseClick(findChild(dialog.contentItem, "addConfirm"))
        compare(added.signalArguments[0][0], "recorder")
        compare(added.signalArguments[0][3].dir, "/tmp/rec-2")
    }
    function test_customPipeline() {
        mouseClick(findChild(dialog.contentItem, "kind_custom"))
        findChild(dialog.contentItem, "addPipeline").text = "zeroteesrc ! fakesink"
        mouseClick(findChild(dialog.contentItem, "addConfirm"))
        compare(added.signalArguments[0][3].pipeline, "zeroteesrc ! fakesink")
    }
    function test_errorIsShown() {
        dialog.error = "a worker named 'rtsp' exists already"
        verify(findChild(dialog.contentItem, "addError").visible)
    }
    function test_buttonsAreLargeEnough() {
        for (var name of ["kind_rtsp", "kind_custom", "size_640x360", "fps_15", "addConfirm", "addCancel", "addName"]) {
            var item = findChild(dialog.contentItem, name)
            verify(item.height >= 48, name + " is " + item.height + " px high")
        }
    }
}
