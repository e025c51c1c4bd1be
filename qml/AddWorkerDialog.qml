import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Templates as T
import QtQuick.Layouts
import Zerotee.Panel
import Zerotee.Controls

// Adds a worker: an RTSP stream (mount, port, size, rate), a recorder (folder), the AI (motion)
// or a custom pipeline. Emits addRequested(kind, name, camera, options); the page hands it to
// PanelController.addWorker() — the control API's "add", as `zeroteectl add` — and shows the
// refusal in `error` if there is one.
Popup {
    id: dialog
    property string kind: "rtsp"
    property var cameras: []
    property string defaultDir: ""
    property string error: ""
    signal addRequested(string kind, string name, string camera, var options)

    function reset() {
        kind = "rtsp"
        error = ""
        nameField.text = ""
        portField.text = "8555"
        mountField.text = "/sub"
        sizeChoice.value = "640x360"
        fpsChoice.value = "15"
        dirField.text = defaultDir.length > 0 ? defaultDir + "-2" : "/tmp/zerotee-recordings-2"
        pipelineField.text = "zeroteesrc policy=fps-cap max-fps=1 ! videoconvert ! jpegenc ! multifilesink location=/tmp/zerotee-thumb-%05d.jpg"
        cameraChoice.value = cameras.length > 0 ? cameras[0] : ""
    }
    function options() {
        if (kind === "rtsp") {
            var o = { port: portField.text, mount: mountField.text }
            if (sizeChoice.value !== "camera") o.size = sizeChoice.value
            if (fpsChoice.value !== "camera") o.fps = fpsChoice.value
            return o
        }
        if (kind === "recorder") return { dir: dirField.text }
        if (kind === "custom") return { pipeline: pipelineField.text }
        return {}
    }
    function submit() {
        error = ""
        addRequested(kind, nameField.text, cameraChoice.value, options())
    }

    modal: true
    dim: true
    // Above the on-screen keyboard when it is up.
    x: Math.round(((parent ? parent.width : 800) - width) / 2)
    y: Qt.inputMethod.visible ? Theme.spacing : Math.round(((parent ? parent.height : 480) - height) / 2)
    width: Math.min(parent ? parent.width - 2 * Theme.spacing : 640, 680 * Theme.scale)
    height: Math.min(parent ? parent.height - 2 * Theme.spacing : 460,
                     Qt.inputMethod.visible ? (parent ? parent.height * 0.5 : 300) : contentColumn.implicitHeight + 2 * padding + buttons.implicitHeight + Theme.margin)
    padding: Theme.margin
    background: Rectangle {
        color: Theme.surfaceHigh
        radius: Theme.radius
        border.color: Theme.border
    }
    T.Overlay.modal: Rectangle { color: "#b0000000" }

    component Choice: Flow {
        id: choice
        property var values: []
        property var labels: values
        property string value
        property string prefix
        spacing: Theme.spacing
        Repeater {
            model: choice.values
            TouchButton {
                objectName: choice.prefix + modelData
                text: choice.labels[index]
                checkable: true
                checked: choice.value === modelData
                onClicked: choice.value = modelData
            }
        }
    }
    component FieldLabel: Text {
        color: Theme.textDim
        font.pixelSize: Theme.fontSmall
    }

    contentItem: ColumnLayout {
        spacing: Theme.margin
        Flickable {
            id: flick
            Layout.fillWidth: true
            Layout.fillHeight: true
            contentHeight: contentColumn.implicitHeight
            clip: true
            boundsBehavior: Flickable.StopAtBounds
            ColumnLayout {
                id: contentColumn
                width: flick.width
                spacing: Theme.spacing
                Text {
                    text: qsTr("Add a worker")
                    color: Theme.text
                    font.pixelSize: Theme.fontTitle
                    font.bold: true
                }
                Choice {
                    id: kindChoice
                    Layout.fillWidth: true
                    prefix: "kind_"
                    values: ["rtsp", "recorder", "ai", "custom"]
                    labels: [qsTr("RTSP stream"), qsTr("Recorder"), qsTr("AI (motion)"), qsTr("Custom pipeline")]
                    value: dialog.kind
                    onValueChanged: dialog.kind = value
                }
                FieldLabel { text: qsTr("Name (empty: chosen for you)") }
                TouchField {
                    id: nameField
                    objectName: "addName"
                    Layout.fillWidth: true
                    placeholderText: dialog.kind
                }
                FieldLabel { visible: dialog.cameras.length > 1; text: qsTr("Camera") }
                Choice {
                    id: cameraChoice
                    visible: dialog.cameras.length > 1
                    Layout.fillWidth: true
                    prefix: "camera_"
                    values: dialog.cameras
                }
                GridLayout {
                    visible: dialog.kind === "rtsp"
                    Layout.fillWidth: true
                    columns: 2
                    columnSpacing: Theme.margin
                    FieldLabel { text: qsTr("Mount") }
                    FieldLabel { text: qsTr("Port") }
                    TouchField {
                        id: mountField
                        objectName: "addMount"
                        Layout.fillWidth: true
                    }
                    TouchField {
                        id: portField
                        objectName: "addPort"
                        Layout.fillWidth: true
                        inputMethodHints: Qt.ImhDigitsOnly
                        validator: IntValidator { bottom: 1; top: 65535 }
                    }
                }
                FieldLabel { visible: dialog.kind === "rtsp"; text: qsTr("Size") }
                Choice {
                    id: sizeChoice
                    visible: dialog.kind === "rtsp"
                    Layout.fillWidth: true
                    prefix: "size_"
                    values: ["camera", "1280x720", "640x360", "320x180"]
                    labels: [qsTr("as camera"), "1280×720", "640×360", "320×180"]
                }
                FieldLabel { visible: dialog.kind === "rtsp"; text: qsTr("Frame rate") }
                Choice {
                    id: fpsChoice
                    visible: dialog.kind === "rtsp"
                    Layout.fillWidth: true
                    prefix: "fps_"
                    values: ["camera", "25", "15", "10", "5"]
                    labels: [qsTr("as camera"), "25", "15", "10", "5"]
                }
                FieldLabel { visible: dialog.kind === "recorder"; text: qsTr("Folder") }
                TouchField {
                    id: dirField
                    objectName: "addDir"
                    visible: dialog.kind === "recorder"
                    Layout.fillWidth: true
                }
                FieldLabel { visible: dialog.kind === "custom"; text: qsTr("Pipeline (starts with zeroteesrc)") }
                TouchField {
                    id: pipelineField
                    objectName: "addPipeline"
                    visible: dialog.kind === "custom"
                    Layout.fillWidth: true
                }
                Text {
                    visible: dialog.kind === "ai"
                    Layout.fillWidth: true
                    text: qsTr("Motion detection; boxes appear over the live video and detections in Events.")
                    color: Theme.textDim
                    font.pixelSize: Theme.fontSmall
                    wrapMode: Text.Wrap
                }
                Text {
                    objectName: "addError"
                    visible: dialog.error.length > 0
                    Layout.fillWidth: true
                    text: dialog.error
                    color: Theme.error
                    font.pixelSize: Theme.fontBody
                    wrapMode: Text.Wrap
                }
            }
        }
        RowLayout {
            id: buttons
            Layout.fillWidth: true
            spacing: Theme.margin
            TouchButton {
                objectName: "addCancel"
                Layout.fillWidth: true
                text: qsTr("Cancel")
                onClicked: dialog.close()
            }
            TouchButton {
                objectName: "addConfirm"
                Layout.fillWidth: true
                role: "primary"
                text: qsTr("Add")
                onClicked: dialog.submit()
            }
        }
    }
}
