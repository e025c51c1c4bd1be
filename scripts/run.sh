#!/usr/bin/env bash
# Builds zerotee, then runs the frame bus end to end: a producer (test source, 1080p30 NV12)
# publishing with zeroteesink, and a consumer (zerotee-monitor) printing what flows.
# Usage: scripts/run.sh [SECONDS]   (default: until Ctrl-C)
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-0}
scripts/build.sh >/dev/null

export GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
RUNTIME_DIR=${XDG_RUNTIME_DIR:-/tmp}/zerotee-run.$$
mkdir -p -m 0700 "$RUNTIME_DIR"
SOCKET="$RUNTIME_DIR/cam0.sock"

gst-launch-1.0 -q videotestsrc is-live=true pattern=ball \
    ! video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1 \
    ! zeroteesink socket-path="$SOCKET" &
PRODUCER=$!
cleanup() {
    kill "$PRODUCER" 2>/dev/null || true
    wait "$PRODUCER" 2>/dev/null || true
    rm -rf "$RUNTIME_DIR"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

echo "producer: videotestsrc 1920x1080 NV12 30 fps -> zeroteesink socket-path=$SOCKET"
echo "consumer: build/bin/zerotee-monitor --socket $SOCKET"
echo "another consumer, in another shell:"
echo "  GST_PLUGIN_PATH=$PWD/build/gst gst-launch-1.0 zeroteesrc socket-path=$SOCKET ! videoconvert ! fakesink"
build/bin/zerotee-monitor --socket "$SOCKET" --seconds "$SECONDS_TO_RUN"
