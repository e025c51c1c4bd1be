#!/usr/bin/env bash
# Builds zerotee and runs the supervisor with the test source (1080p30 NV12), a recorder, an
# RTSP server and the AI worker; prints where to see each part.
# Usage: scripts/run.sh [SECONDS]   (default: until Ctrl-C)
#   RECORD_DIR=... RTSP_PORT=... HTTP_PORT=... SIZE=1280x720 scripts/run.sh
#   PANEL=1 scripts/run.sh           the same with the touch panel (needs a display)
#   BUILD_DIR=... SKIP_BUILD=1       run an existing build as it is (the docs test does)
# The programs find their GStreamer elements themselves: nothing else needs setting.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-0}
BIN=${BUILD_DIR:-build}/bin
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    scripts/build.sh >/dev/null
fi

CTL="$BIN/zeroteectl"
if [ -z "${XDG_RUNTIME_DIR:-}" ]; then
    export XDG_RUNTIME_DIR=/tmp/zerotee-run-$(id -u)
    mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
    CTL="XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR $CTL" # what another shell needs to find the service
fi
RECORD_DIR=${RECORD_DIR:-$PWD/recordings}
RTSP_PORT=${RTSP_PORT:-8554}
HTTP_PORT=${HTTP_PORT:-8080}
SIZE=${SIZE:-1920x1080}
mkdir -p "$RECORD_DIR"

MODE=(--headless)
if [ "${PANEL:-0}" = 1 ]; then
    MODE=()
fi
"$BIN/zerotee" "${MODE[@]}" --source test --size "$SIZE" --fps 30 --record "$RECORD_DIR" \
    --rtsp --rtsp-port "$RTSP_PORT" --http-port "$HTTP_PORT" --ai &
SUPERVISOR=$!
trap 'kill -TERM $SUPERVISOR 2>/dev/null; wait $SUPERVISOR 2>/dev/null || true' EXIT
trap 'exit 0' INT TERM

# Up when the control socket answers and the capture runs (at most 15 s).
for _ in $(seq 150); do
    if "$BIN/zeroteectl" status 2>/dev/null | grep -q "running, [1-9]"; then break; fi
    kill -0 $SUPERVISOR 2>/dev/null || exit 1
    sleep 0.1
done
HOST=$(hostname -I 2>/dev/null | awk '{print $1}')
cat <<INFO

zerotee is running (test source $SIZE at 30 fps). Where to see each part:
  RTSP         rtsp://${HOST:-127.0.0.1}:$RTSP_PORT/live
               ffplay -rtsp_transport tcp rtsp://127.0.0.1:$RTSP_PORT/live   (or vlc, gst-launch-1.0 rtspsrc)
  recordings   $RECORD_DIR/cam0/<day>/cam0_<time>.mkv   (one a minute; .part while written)
  AI events    $CTL events --follow   (motion of the test ball within seconds)
  status       $CTL status
  HTTP API     http://127.0.0.1:$HTTP_PORT/api/status   metrics: http://127.0.0.1:$HTTP_PORT/metrics
  panel        PANEL=1 scripts/run.sh   (the same service with the touch panel; needs a display)
  stop         Ctrl-C (recordings are finalized)

INFO
"$BIN/zeroteectl" status || true
if [ "$SECONDS_TO_RUN" != 0 ]; then
    sleep "$SECONDS_TO_RUN"
else
    wait $SUPERVISOR
fi
