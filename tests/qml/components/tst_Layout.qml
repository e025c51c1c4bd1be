import QtQuick
import QtTest
import Zerotee.Panel

// The whole window at the four target sizes: navigation where it belongs, every control at
// least 48 px, nothing wider than the window. Runs on an idle PanelController (no service).
TestCase {
    name: "Layout"
    when: windowShown
    visible: true
    width: 100; height: 100

    Component { id: mainComponent; Main {} }

    function controls(item, out) {
        if (!item.visible)
            return out
        if (item.objectName.indexOf("nav") === 0 || item.objectName === "toggleOverlay"
                || item.objectName === "toggleStats" || item.objectName === "triggerRecording"
                || item.objectName === "addWorker")
            out.push(item)
        for (var i = 0; i < item.children.length; ++i)
            controls(item.children[i], out)
        return out
    }

    function check(w, h) {
        var window = createTemporaryObject(mainComponent, null, { width: w, height: h })
        verify(window)
        window.visible = true
        waitForRendering(window.contentItem)
        var portrait = h > w
        for (var page = 0; page < 6; ++page) {
            window.page = page
            wait(0)
            var found = controls(window.contentItem, [])
            verify(found.length >= 6, "navigation found at " + w + "x" + h)
            for (var c of found) {
                verify(c.height >= 48 && c.width >= 48,
                       c.objectName + " is " + c.width + "x" + c.height + " at " + w + "x" + h)
                var p = c.mapToItem(window.contentItem, 0, 0)
                verify(p.x >= -1 && p.x + c.width <= w + 1,
                       c.objectName + " leaves the window at " + w + "x" + h)
            }
        }
        var rail = findChild(window.contentItem, "nav_live")
        var bar = findChild(window.contentItem, "navBar_live")
        compare(rail.visible, !portrait)
        compare(bar.visible, portrait)
        window.close()
    }

    function test_800x480() { check(800, 480) }
    function test_480x800() { check(480, 800) }
    function test_1920x1080() { check(1920, 1080) }
    function test_1080x1920() { check(1080, 1920) }
}
