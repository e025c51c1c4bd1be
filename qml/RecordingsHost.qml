import QtQuick
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// Hosts the Recordings page of the Zerotee.Recordings module, made the first time the page is
// shown, with the recorder's folder and options. Without the module the panel still works and
// says so here.
Item {
    id: host
    property bool active: false
    property Item page: null
    property string failure: ""

    onActiveChanged: if (active && !page && failure.length === 0) load()

    function load() {
        try {
            page = Qt.createQmlObject('import Zerotee.Recordings\nRecordingsPage { anchors.fill: parent }',
                                      host, "RecordingsHost")
            page.objectName = "recordingsPage"
            page.rootPath = Qt.binding(function() { return PanelController.recordingsDir })
            if (page.recorderOptions !== undefined)
                page.recorderOptions = Qt.binding(function() { return PanelController.recorderOptions })
        } catch (e) {
            failure = String(e)
            console.warn("zerotee: no recordings page:", failure)
        }
    }

    ColumnLayout {
        anchors.centerIn: parent
        width: parent.width - 2 * Theme.margin
        visible: host.failure.length > 0 || (host.page !== null && PanelController.recordingsDir.length === 0)
        Text {
            Layout.fillWidth: true
            horizontalAlignment: Text.AlignHCenter
            wrapMode: Text.Wrap
            color: Theme.textDim
            font.pixelSize: Theme.fontLarge
            text: host.failure.length > 0 ? qsTr("This build has no recordings page.")
                                          : qsTr("No recorder is configured. Add one on the Workers page.")
        }
    }
}
