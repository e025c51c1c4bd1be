#!/usr/bin/env bash
# Measures zerotee-rtsp with standard clients (not a timed test; figures go to README.md):
#   1. worker CPU with 1 and with 8 concurrent viewers of /live (ffmpeg -c copy, half TCP, half
#      UDP, so client decoding does not compete with the worker), each viewer's frame rate, and
#      the encoder instance / pipeline count from the worker's stats;
#   2. PLAY → first decoded frame for viewers joining a running 2 s GOP (gop 60 at 30 fps), with
#      and without the keyframe request on join.
#
#   tests/workers/rtsp/measure_clients.sh [BUILD_DIR] [WxH] [SECONDS]
set -u
BUILD=${1:-$(dirname "$0")/../../../build}
SIZE=${2:-1280x720}
SECS=${3:-20}
W=${SIZE%x*}; H=${SIZE#*x}
RTSP=$BUILD/bin/zerotee-rtsp
PROBE=$BUILD/tests/workers/rtsp/rtsp-probe
export GST_PLUGIN_PATH_1_0=$BUILD/gst GST_REGISTRY_1_0=$BUILD/tests/gst-registry-rtsp.bin
WORK=$(mktemp -d /tmp/zerotee-rtsp-measure.XXXXXX)
export XDG_RUNTIME_DIR=$WORK
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

gst-launch-1.0 -q videotestsrc is-live=true pattern=ball \
    ! "video/x-raw,format=NV12,width=$W,height=$H,framerate=30/1" \
    ! zeroteesink socket-path="$WORK/cam.sock" >/dev/null 2>&1 &
PIDS+=($!)
sleep 1

start_worker() {
    "$RTSP" --socket "$WORK/cam.sock" --bind 127.0.0.1 --port 0 "$@" >"$WORK/out" 2>"$WORK/err" &
    WORKER=$!
    PIDS+=("$WORKER")
    sleep 1
    PORT=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$WORK/out")
    URL=rtsp://127.0.0.1:$PORT/live
}
last_stats() {
    python3 - "$WORK/out" "$1" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1]) if '"stats"' in l][-1]
m = {x["path"]: x for x in s["mounts"]}
print(eval(sys.argv[2]))
PY
}

echo "== viewers vs worker CPU ($SIZE 30 fps, x264 ultrafast/zerolatency, ${SECS}s windows)"
start_worker
for n in 1 8; do
    clients=()
    for i in $(seq "$n"); do
        t=tcp; [ $((i % 2)) -eq 0 ] && t=udp
        ffmpeg -nostdin -v error -analyzeduration 1000000 -rtsp_transport $t -i "$URL" -c copy -f null \
            -progress "$WORK/p$n-$i.txt" - 2>/dev/null &
        clients+=($!); PIDS+=($!)
    done
    sleep 10 # warm-up: all joined and past ffmpeg's probing (its backlog would read as > 30 fps)
    t0=$(ticks "$WORKER"); s0=$(date +%s.%N)
    declare -A f0
    for i in $(seq "$n"); do f0[$i]=$(grep '^frame=' "$WORK/p$n-$i.txt" | tail -1 | cut -d= -f2); done
    sleep "$SECS"
    t1=$(ticks "$WORKER"); s1=$(date +%s.%N)
    cpu=$(python3 -c "print(round(100*($t1-$t0)/$hz/($s1-$s0),1))")
    fpss=""
    for i in $(seq "$n"); do
        f1=$(grep '^frame=' "$WORK/p$n-$i.txt" | tail -1 | cut -d= -f2)
        fpss+="$(python3 -c "print(round(($f1-${f0[$i]})/($s1-$s0),1))") "
    done
    echo "viewers=$n worker_cpu=${cpu}% of one core; per-viewer fps: $fpss"
    echo "   stats: clients=$(last_stats 'm["/live"]["clients"]') encoder_instances=$(last_stats 'm["/live"]["encoder_instances"]') media_configures=$(last_stats 'm["/live"]["media_configures"]') bitrate_kbps=$(last_stats 'm["/live"]["bitrate_kbps"]') transports=$(last_stats 'sorted(c["transport"] for c in m["/live"]["clients_detail"])')"
    for p in "${clients[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null; done
    sleep 2
done
kill -TERM "$WORKER"; wait "$WORKER"; echo "worker exit status after SIGTERM: $?"

for mode in join-keyframe no-join-keyframe; do
    extra=(); [ $mode = no-join-keyframe ] && extra=(--no-join-keyframe)
    start_worker --gop 60 "${extra[@]}"
    ffmpeg -nostdin -v error -rtsp_transport tcp -i "$URL" -c copy -f null - 2>/dev/null &
    keeper=$!; PIDS+=($keeper)
    sleep 3
    results=()
    for i in $(seq 10); do
        sleep 0.$((RANDOM % 9 + 1))
        r=$("$PROBE" "$URL" --seconds 2.5)
        results+=("$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["play_to_frame_ms"])' "$r")")
    done
    python3 - "$mode" "${results[@]}" <<'PY'
import statistics, sys
v = sorted(float(x) for x in sys.argv[2:])
print(f"== {sys.argv[1]}: PLAY -> first decoded frame over {len(v)} joins (gop 60 @ 30 fps): "
      f"min {v[0]:.0f} ms, median {statistics.median(v):.0f} ms, max {v[-1]:.0f} ms  {[round(x) for x in v]}")
PY
    kill -INT $keeper; wait $keeper 2>/dev/null
    kill -TERM "$WORKER"; wait "$WORKER"
done
