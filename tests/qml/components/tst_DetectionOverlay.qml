import QtQuick
import QtTest
import Zerotee.Panel

TestCase {
    name: "DetectionOverlay"
    width: 800; height: 480
    visible: true
    when: windowShown

    DetectionsModel { id: detections }
    DetectionOverlay {
        id: overlay
        // A 4:3 frame in a 16:9 area: pillarboxed, 480 px high, 640 px wide, x offset 80.
        width: 800; height: 480
        sourceWidth: 320; sourceHeight: 240
        model: detections
    }

    function init() { detections.clear(); detections.setFramePts(0) }

    function boxes() {
        var found = []
        for (var i = 0; i < overlay.children.length; ++i)
            if (overlay.children[i].objectName === "detectionBox")
                found.push(overlay.children[i])
        return found
    }

    function test_boxFollowsTheLetterboxedFrame() {
        detections.addDetection(1000000000, "motion", 0.75, Qt.rect(0.5, 0.25, 0.25, 0.5))
        detections.setFramePts(1010000000)
        compare(detections.count, 1)
        var b = boxes()
        compare(b.length, 1)
        compare(b[0].x, 80 + 0.5 * 640)
        compare(b[0].y, 0.25 * 480)
        compare(b[0].width, 0.25 * 640)
        compare(b[0].height, 0.5 * 480)
    }
    function test_staleBoxesGo() {
        detections.addDetection(1000000000, "motion", 0.75, Qt.rect(0.1, 0.1, 0.2, 0.2))
        detections.setFramePts(1000000000 + 5000000000)
        compare(detections.count, 0)
        compare(boxes().length, 0)
    }
    function test_boxesOfAnotherFrameAreNotShownEarly() {
        detections.addDetection(2000000000, "motion", 0.75, Qt.rect(0.1, 0.1, 0.2, 0.2))
        detections.setFramePts(1000000000) // the frame on screen is older than the detection
        compare(detections.count, 0)
    }
}
