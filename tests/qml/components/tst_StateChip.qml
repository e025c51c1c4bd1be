import QtQuick
import QtTest
import Zerotee.Panel
import Zerotee.Controls

TestCase {
    name: "StateChip"
    width: 400; height: 100
    visible: true
    when: windowShown

    StateChip { id: chip }

    function init() { chip.workerState = "stopped"; chip.reason = "" }

    function test_labels() {
        chip.workerState = "running"
        compare(chip.label, "running")
        chip.workerState = "backing-off"
        compare(chip.label, "backing off")
        chip.workerState = "failed"
        chip.reason = "crash loop: 5 crashes in 60 s"
        compare(chip.label, "failed: crash loop: 5 crashes in 60 s")
    }
    function test_reasonOnlyForFailures() {
        chip.workerState = "running"
        chip.reason = "old crash"
        compare(chip.label, "running")
    }
    function test_colours() {
        chip.workerState = "running"
        compare(chip.border.color, Theme.ok)
        chip.workerState = "failed"
        compare(chip.border.color, Theme.error)
        chip.workerState = "crashed"
        compare(chip.border.color, Theme.warning)
        chip.workerState = "stopped"
        compare(chip.border.color, Theme.idle)
    }
}
