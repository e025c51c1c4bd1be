# Shared helpers of the recorder's system tests (sourced). Needs: RECORDER (the binary),
# gst-launch-1.0 with the zerotee plugin on GST_PLUGIN_PATH_1_0, ffprobe, ffmpeg, python3.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CHECK="python3 $HERE/recording_check.py"
PIDS=()

setup() {
    WORK=$(mktemp -d /tmp/zt-recorder-test.XXXXXX)
    export XDG_RUNTIME_DIR=$WORK/run
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    SOCK=$WORK/run/cam.sock
    trap cleanup EXIT
    for tool in ffprobe ffmpeg python3 gst-launch-1.0; do
        command -v $tool >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
    done
    [ -x "${RECORDER:-}" ] || { echo "FAIL: RECORDER=${RECORDER:-} is not executable"; exit 1; }
}

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -INT "$pid" 2>/dev/null
    done
    sleep 0.3
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    [ -n "${UNMOUNT:-}" ] && umount "$UNMOUNT" 2>/dev/null
    if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}

# start_producer WIDTH HEIGHT: the test source on the bus socket $SOCK.
start_producer() {
    gst-launch-1.0 -q videotestsrc is-live=true pattern=ball \
        ! video/x-raw,format=NV12,width=$1,height=$2,framerate=30/1 \
        ! zeroteesink socket-path="$SOCK" >"$WORK/producer.log" 2>&1 &
    PRODUCER=$!
    PIDS+=($PRODUCER)
    # under sanitizers (ZEROTEE_TIMEOUT_SCALE, scripts/sanitize.sh) a fresh registry's scan is slow
    for _ in $(seq $((100 * ${ZEROTEE_TIMEOUT_SCALE:-1}))); do
        [ -S "$SOCK" ] && return 0
        sleep 0.05
    done
    echo "FAIL: the producer did not create $SOCK"; cat "$WORK/producer.log"; exit 1
}

now() { date +%s.%N; }

# wait_for_line FILE REGEX SECONDS
wait_for_line() {
    local end=$((SECONDS + $3))
    while [ $SECONDS -lt $end ]; do
        grep -qE "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

fail() { echo "FAIL: $*"; exit 1; }
