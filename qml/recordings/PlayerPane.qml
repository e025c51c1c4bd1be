import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtMultimedia
import Zerotee.Controls

// Plays one recording with Qt Multimedia: video, play/pause, a seek slider with a large handle,
// position and duration. play(url, title) starts a file; stop() releases it (before a delete).
Rectangle {
    id: pane
    property string title
    readonly property alias player: player
    readonly property alias source: player.source
    readonly property bool playing: player.playbackState === MediaPlayer.PlayingState

    function play(url, newTitle) {
        title = newTitle;
        player.source = url;
        player.play();
    }
    function stop() {
        player.stop();
        player.source = "";
        title = "";
    }

    radius: Theme.radius
    color: Theme.surface

    MediaPlayer {
        id: player
        videoOutput: video
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 8
        spacing: Theme.spacing

        Rectangle {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Layout.minimumHeight: 80
            color: "#000000"
            radius: 4
            VideoOutput {
                id: video
                objectName: "videoOutput"
                anchors.fill: parent
                fillMode: VideoOutput.PreserveAspectFit
            }
            Text {
                anchors.centerIn: parent
                width: parent.width - 32
                visible: player.source.toString() === ""
                text: qsTr("Tap a recording to play it")
                color: Theme.textDim
                font.pixelSize: Theme.fontLarge
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
            }
            Text {
                anchors.left: parent.left
                anchors.top: parent.top
                anchors.margins: 8
                visible: pane.title !== ""
                text: pane.title
                color: Theme.text
                font.pixelSize: Theme.fontBody
                style: Text.Outline
                styleColor: "#000000"
            }
        }
        Banner {
            objectName: "playerError"
            Layout.fillWidth: true
            text: player.error === MediaPlayer.NoError ? ""
                  : qsTr("Cannot play this recording: %1. It may be damaged or still being written; try another one.")
                        .arg(player.errorString)
            onDismissed: pane.stop()
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: Theme.spacing
            TouchButton {
                objectName: "playPauseButton"
                Layout.preferredWidth: 112
                role: "primary"
                enabled: player.source.toString() !== ""
                text: pane.playing ? qsTr("Pause") : qsTr("Play")
                onClicked: pane.playing ? player.pause() : player.play()
            }
            Slider {
                id: seek
                objectName: "seekSlider"
                Layout.fillWidth: true
                implicitHeight: Theme.touch
                from: 0
                to: Math.max(player.duration, 1)
                enabled: player.seekable && player.duration > 0
                focusPolicy: Qt.NoFocus
                // Follows the player unless the operator holds the handle.
                Binding on value {
                    when: !seek.pressed
                    value: player.position
                    restoreMode: Binding.RestoreNone
                }
                onMoved: player.position = value
                background: Rectangle {
                    x: seek.leftPadding
                    y: seek.topPadding + seek.availableHeight / 2 - height / 2
                    width: seek.availableWidth
                    height: 8
                    radius: 4
                    color: Theme.border
                    Rectangle {
                        width: seek.visualPosition * parent.width
                        height: parent.height
                        radius: 4
                        color: Theme.accent
                    }
                }
                handle: Rectangle {
                    x: seek.leftPadding + seek.visualPosition * (seek.availableWidth - width)
                    y: seek.topPadding + seek.availableHeight / 2 - height / 2
                    width: 40
                    height: 40
                    radius: 20
                    color: seek.pressed ? Theme.accent : Theme.text
                    border.color: Theme.accent
                    border.width: 3
                    opacity: seek.enabled ? 1 : 0.4
                }
            }
            Text {
                objectName: "positionText"
                text: Format.seconds(player.position / 1000) + " / "
                      + (player.duration > 0 ? Format.seconds(player.duration / 1000) : "–")
                color: Theme.text
                font.pixelSize: Theme.fontLarge
                font.family: "monospace"
            }
        }
    }
}
