import QtQuick
import QtQuick.Controls.Basic
import QtQuick.Layouts
import QtMultimedia

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

    radius: RecordingsTheme.radius
    color: RecordingsTheme.card

    MediaPlayer {
        id: player
        videoOutput: video
    }

    ColumnLayout {
        anchors.fill: parent
        anchors.margins: 8
        spacing: RecordingsTheme.spacing

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
                color: RecordingsTheme.textDim
                font.pixelSize: RecordingsTheme.fontSize
                horizontalAlignment: Text.AlignHCenter
                wrapMode: Text.Wrap
            }
            Text {
                anchors.left: parent.left
                anchors.top: parent.top
                anchors.margins: 8
                visible: pane.title !== ""
                text: pane.title
                color: RecordingsTheme.text
                font.pixelSize: RecordingsTheme.smallFont
                style: Text.Outline
                styleColor: "#000000"
            }
        }
        ErrorBanner {
            objectName: "playerError"
            Layout.fillWidth: true
            text: player.error === MediaPlayer.NoError ? ""
                  : qsTr("Cannot play this recording: %1. It may be damaged or still being written; try another one.")
                        .arg(player.errorString)
            onDismissed: pane.stop()
        }
        RowLayout {
            Layout.fillWidth: true
            spacing: RecordingsTheme.spacing
            TouchButton {
                objectName: "playPauseButton"
                Layout.preferredWidth: 112
                tone: "accent"
                enabled: player.source.toString() !== ""
                text: pane.playing ? qsTr("Pause") : qsTr("Play")
                onClicked: pane.playing ? player.pause() : player.play()
            }
            Slider {
                id: seek
                objectName: "seekSlider"
                Layout.fillWidth: true
                implicitHeight: RecordingsTheme.touch
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
                    color: RecordingsTheme.border
                    Rectangle {
                        width: seek.visualPosition * parent.width
                        height: parent.height
                        radius: 4
                        color: RecordingsTheme.accent
                    }
                }
                handle: Rectangle {
                    x: seek.leftPadding + seek.visualPosition * (seek.availableWidth - width)
                    y: seek.topPadding + seek.availableHeight / 2 - height / 2
                    width: 40
                    height: 40
                    radius: 20
                    color: seek.pressed ? RecordingsTheme.accent : RecordingsTheme.text
                    border.color: RecordingsTheme.accent
                    border.width: 3
                    opacity: seek.enabled ? 1 : 0.4
                }
            }
            Text {
                objectName: "positionText"
                text: RecordingsTheme.formatSeconds(player.position / 1000) + " / "
                      + (player.duration > 0 ? RecordingsTheme.formatSeconds(player.duration / 1000) : "–")
                color: RecordingsTheme.text
                font.pixelSize: RecordingsTheme.fontSize
                font.family: "monospace"
            }
        }
    }
}
