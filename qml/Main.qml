import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtQuick.Templates as T
import Zerotee.Panel
import Zerotee.Controls

// The operator panel. Landscape: navigation rail on the left; portrait: a bar at the bottom.
// Errors appear as a banner under the header. Sizes follow the window (Theme.scale): one layout
// from 800x480 to 1920x1080, both orientations.
ApplicationWindow {
    id: window
    objectName: "panelWindow"
    width: 800
    height: 480
    title: qsTr("zerotee")
    color: Theme.background

    readonly property bool portrait: height > width
    property int page: 0
    readonly property var pages: [
        { key: "live", title: qsTr("Live") },
        { key: "workers", title: qsTr("Workers") },
        { key: "streams", title: qsTr("Streams") },
        { key: "recordings", title: qsTr("Recordings") },
        { key: "events", title: qsTr("Events") },
        { key: "system", title: qsTr("System") }
    ]

    Binding {
        target: Theme
        property: "scale"
        value: Math.max(1.0, Math.min(1.5, Math.min(window.width, window.height) / 864))
    }

    function failedWorkers() {
        var n = 0
        for (var i = 0; i < workerStates.count; ++i)
            if (workerStates.itemAt(i) && workerStates.itemAt(i).failed) n++
        return n
    }
    Repeater {
        id: workerStates
        model: PanelController.workers
        Item { readonly property bool failed: model.workerState === "failed" }
    }

    ColumnLayout {
        anchors.fill: parent
        spacing: 0

        HeaderBar {
            Layout.fillWidth: true
        }
        Banner {
            objectName: "banner"
            Layout.fillWidth: true
            text: PanelController.bannerText
            hint: PanelController.bannerHint
            level: PanelController.bannerLevel
            onDismissed: PanelController.dismissBanner()
        }

        RowLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            spacing: 0

            // Navigation rail (landscape)
            Rectangle {
                visible: !window.portrait
                Layout.fillHeight: true
                Layout.preferredWidth: Math.round(112 * Theme.scale)
                color: Theme.surface
                ColumnLayout {
                    anchors.fill: parent
                    anchors.margins: Theme.spacing / 2
                    spacing: Theme.spacing / 2
                    Repeater {
                        model: window.pages
                        NavButton {
                            objectName: "nav_" + modelData.key
                            Layout.fillWidth: true
                            Layout.fillHeight: true
                            Layout.maximumHeight: Theme.touchLarge * 1.4
                            text: modelData.title
                            current: window.page === index
                            badge: modelData.key === "workers" ? window.failedWorkers() : 0
                            onClicked: window.page = index
                        }
                    }
                    Item { Layout.fillHeight: true }
                }
            }

            StackLayout {
                id: stack
                Layout.fillWidth: true
                Layout.fillHeight: true
                currentIndex: window.page
                LivePage {
                    objectName: "livePage"
                    onShowPage: (index) => window.page = index
                }
                WorkersPage { objectName: "workersPage" }
                StreamsPage {
                    objectName: "streamsPage"
                    onShowPage: (index) => window.page = index
                }
                RecordingsHost {
                    objectName: "recordingsHost"
                    active: window.page === 3
                }
                EventsPage { objectName: "eventsPage" }
                SystemPage { objectName: "systemPage" }
            }
        }

        // Navigation bar (portrait)
        Rectangle {
            visible: window.portrait
            Layout.fillWidth: true
            Layout.preferredHeight: Theme.touchLarge + Theme.spacing
            color: Theme.surface
            RowLayout {
                anchors.fill: parent
                anchors.margins: Theme.spacing / 2
                spacing: Theme.spacing / 2
                Repeater {
                    model: window.pages
                    NavButton {
                        objectName: "navBar_" + modelData.key
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        text: modelData.title
                        current: window.page === index
                        badge: modelData.key === "workers" ? window.failedWorkers() : 0
                        onClicked: window.page = index
                    }
                }
            }
        }
    }

    // Closing: workers stop one after the other; say so instead of looking frozen.
    Rectangle {
        objectName: "shutdownOverlay"
        anchors.fill: parent
        visible: PanelController.shuttingDown
        color: "#e0000000"
        z: 2000
        Text {
            anchors.centerIn: parent
            width: parent.width - 2 * Theme.margin
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            text: qsTr("Stopping workers and finalizing recordings…")
            color: Theme.text
            font.pixelSize: Theme.fontTitle
        }
        TapHandler {}
    }

    // In the overlay layer: above modal dialogs, whose text fields it serves.
    Loader {
        id: keyboard
        objectName: "keyboardLoader"
        parent: T.Overlay.overlay
        active: PanelController.virtualKeyboard
        source: "KeyboardPanel.qml"
        anchors.fill: parent
        z: 1000
    }
}
