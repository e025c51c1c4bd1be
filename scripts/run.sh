#!/usr/bin/env bash
# Builds zerotee and runs the supervisor headless with the test source (1080p30 NV12), a
# recorder, an RTSP server and the AI worker; prints the RTSP URL and where recordings go.
# Usage: scripts/run.sh [SECONDS]   (default: until Ctrl-C)
#   RECORD_DIR=... RTSP_PORT=... SIZE=1280x720 scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-0}
scripts/build.sh >/dev/null

export GST_PLUGIN_PATH="$PWD/build/gst${GST_PLUGIN_PATH:+:$GST_PLUGIN_PATH}"
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    export XDG_RUNTIME_DIR=/tmp/zerotee-run-$(id -u)
    mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
fi
RECORD_DIR=${RECORD_DIR:-$PWD/recordings}
RTSP_PORT=${RTSP_PORT:-8554}
SIZE=${SIZE:-1920x1080}
mkdir -p "$RECORD_DIR"

build/bin/zerotee --headless --source test --size "$SIZE" --fps 30 \
    --record "$RECORD_DIR" --rtsp --rtsp-port "$RTSP_PORT" --ai &
SUPERVISOR=$!
trap 'kill -TERM $SUPERVISOR 2>/dev/null; wait $SUPERVISOR 2>/dev/null || true' EXIT
trap 'exit 0' INT TERM

sleep 3
HOST=$(hostname -I 2>/dev/null | awk '{print $1}')
echo
echo "RTSP:        rtsp://${HOST:-127.0.0.1}:$RTSP_PORT/live   (e.g. ffplay / vlc / gst-launch-1.0 rtspsrc)"
echo "recordings:  $RECORD_DIR/<camera>/<day>/"
echo "status:      build/bin/zeroteectl status      events: build/bin/zeroteectl events --follow"
echo "HTTP API:    http://127.0.0.1:8080/api/status  metrics: http://127.0.0.1:8080/metrics"
echo
build/bin/zeroteectl status || true
if [ "$SECONDS_TO_RUN" != 0 ]; then
    sleep "$SECONDS_TO_RUN"
else
    wait $SUPERVISOR
fi
