import QtQuick
import QtTest
import Zerotee.Recordings

// The Recordings page's components on real recordings (the context property `fixture` copies a
// folder written by gst-launch-1.0 in the recorder's layout for each test).
Item {
    id: top
    width: 800
    height: 480

    Component {
        id: pageComponent
        RecordingsPage {
            anchors.fill: parent
        }
    }
    Component {
        id: modelComponent
        RecordingsModel {}
    }

    TestCase {
        id: test
        name: "RecordingsPage"
        when: windowShown

        function init() {
            top.width = 800;
            top.height = 480;
        }

        function makePage(root) {
            verify(root !== "", "fixture folder");
            const page = createTemporaryObject(pageComponent, top, {rootPath: root});
            verify(page);
            tryCompare(page.recordings, "scanning", false, 10000);
            return page;
        }

        function rowItem(page, row) {
            let item = null;
            tryVerify(function() { item = findChild(page, "recordingRow_" + row); return item !== null; }, 5000);
            return item;
        }

        function allItems(item, out) {
            out.push(item);
            for (let i = 0; i < item.children.length; ++i)
                allItems(item.children[i], out);
            return out;
        }

        function test_filtersByCameraAndDay() {
            const page = makePage(fixture.freshRoot());
            const recordings = page.recordings;
            compare(recordings.count, 4);
            compare(recordings.cameras, ["cam0", "cam1"]);
            mouseClick(findChild(page, "cameraChip_cam1"));
            compare(recordings.cameraFilter, "cam1");
            compare(recordings.count, 1);
            verify(findChild(page, "cameraChip_cam1").checked);
            verify(!findChild(page, "cameraChip_all").checked);
            wait(500); // not a double click
            mouseClick(findChild(page, "cameraChip_all"));
            tryCompare(recordings, "count", 4);
            // Days newest first; cam0's day has three recordings.
            compare(recordings.days.length, 2);
            wait(500);
            mouseClick(findChild(page, "dayChip_" + recordings.days[0]));
            compare(recordings.dayFilter, recordings.days[0]);
            compare(recordings.count, 3);
            wait(500);
            mouseClick(findChild(page, "dayChip_all"));
            compare(recordings.count, 4);
        }

        function test_rowShowsTimeDurationSizeLabel() {
            const page = makePage(fixture.freshRoot());
            tryCompare(page.recordings, "pendingProbes", 0, 30000);
            const item = rowItem(page, 0);
            // Newest first: cam0's event clip, 30 frames at 30 fps.
            compare(item.isEvent, true);
            compare(item.eventLabel, "motion");
            tryCompare(findChild(item, "durationText"), "text", "0:01");
            verify(item.sizeBytes > 0);
            compare(rowItem(page, 1).isEvent, false);
            tryCompare(findChild(rowItem(page, 1), "durationText"), "text", "0:01"); // 45 frames
        }

        function test_tapPlaysInThePlayer() {
            const page = makePage(fixture.freshRoot());
            const item = rowItem(page, 1);
            mouseClick(item, 20, item.height / 2);
            compare(page.selectedPath, item.filePath);
            compare(String(page.playerPane.source), String(page.recordings.get(1).url));
            verify(item.selected);
            verify(findChild(page, "playPauseButton").enabled);
            page.playerPane.stop();
        }

        function test_deleteAsksFirst() {
            const root = fixture.freshRoot();
            const page = makePage(root);
            const recordings = page.recordings;
            const path = rowItem(page, 2).filePath;
            mouseClick(findChild(rowItem(page, 2), "deleteButton"));
            tryCompare(page.deleteDialog, "opened", true);
            verify(findChild(page.deleteDialog.contentItem, "confirmDeleteDetails").text.indexOf("cam0") >= 0);
            // Keep: nothing happens.
            mouseClick(findChild(page.deleteDialog.contentItem, "cancelDeleteButton"));
            tryCompare(page.deleteDialog, "visible", false);
            compare(recordings.count, 4);
            verify(recordings.indexOfPath(path) >= 0);
            // Delete: the file goes.
            mouseClick(findChild(rowItem(page, 2), "deleteButton"));
            tryCompare(page.deleteDialog, "opened", true);
            mouseClick(findChild(page.deleteDialog.contentItem, "confirmDeleteButton"));
            tryCompare(recordings, "count", 3);
            compare(recordings.indexOfPath(path), -1);
            compare(recordings.errorMessage, "");
            // A second model on the same folder (the disk) agrees.
            const check = createTemporaryObject(modelComponent, top, {rootPath: root});
            tryCompare(check, "scanning", false, 10000);
            compare(check.count, 3);
            compare(check.indexOfPath(path), -1);
        }

        function test_deletingThePlayingFileStopsThePlayer() {
            const page = makePage(fixture.freshRoot());
            const item = rowItem(page, 0);
            const path = item.filePath;
            mouseClick(item, 20, item.height / 2);
            compare(page.selectedPath, path);
            page.deletePath(path);
            compare(page.selectedPath, "");
            compare(String(page.playerPane.source), "");
            compare(page.recordings.indexOfPath(path), -1);
        }

        function test_errorBannerSaysWhatToDo() {
            const page = makePage(fixture.missingRoot());
            const banner = findChild(page, "errorBanner");
            verify(banner.visible);
            verify(banner.text.indexOf("does not exist") >= 0, banner.text);
            verify(banner.text.indexOf("start a recorder") >= 0, banner.text);
            mouseClick(findChild(banner, "bannerDismiss"));
            compare(page.recordings.errorMessage, "");
            verify(!banner.visible);
        }

        function test_retentionShown() {
            const page = makePage(fixture.freshRoot());
            page.recorderOptions = {max_age_hours: 48, max_total_mb: 2000};
            const text = findChild(page, "retentionText").text;
            verify(text.indexOf("older than 48 h") >= 0, text);
            verify(text.indexOf("beyond 2000 MB per camera") >= 0, text);
            verify(findChild(page, "diskUsageText").text.indexOf("free") >= 0);
        }

        function test_layoutsAndTouchTargets_data() {
            return [
                {tag: "800x480", width: 800, height: 480, landscape: true},
                {tag: "480x800", width: 480, height: 800, landscape: false},
                {tag: "1920x1080", width: 1920, height: 1080, landscape: true},
                {tag: "1080x1920", width: 1080, height: 1920, landscape: false},
            ];
        }

        function test_layoutsAndTouchTargets(data) {
            top.width = data.width;
            top.height = data.height;
            const page = makePage(fixture.freshRoot());
            compare(page.width, data.width);
            rowItem(page, 0);
            waitForRendering(page);
            const list = findChild(page, "recordingList");
            const pane = findChild(page, "playerPane");
            if (data.landscape) {
                verify(pane.x > list.x + list.width - 1, "player beside the list");
            } else {
                verify(pane.y + pane.height <= list.y + 1, "player above the list");
            }
            verify(list.height >= 2 * 64, "list shows at least two rows: " + list.height);
            verify(pane.height >= 150, "player pane height " + pane.height);
            let checked = 0;
            const items = allItems(page, []);
            for (let i = 0; i < items.length; ++i) {
                const item = items[i];
                const name = item.objectName;
                if (!item.visible || !(name.endsWith("Button") || name.indexOf("Chip_") > 0 || name === "seekSlider"))
                    continue;
                verify(item.height >= 48 && item.width >= 48,
                       name + " is " + item.width + "x" + item.height + " at " + data.tag);
                if (name === "deleteButton" || name === "playPauseButton") {
                    const p = item.mapToItem(page, 0, 0);
                    verify(p.x >= 0 && p.x + item.width <= page.width + 0.5,
                           name + " outside the page at " + data.tag + ": x " + p.x);
                }
                ++checked;
            }
            verify(checked >= 8, "controls checked: " + checked);
        }
    }
}
