#!/usr/bin/env bash
# Measures zerotee-rtsp with standard clients (not a timed test; figures go to README.md):
#   1. worker CPU with 1 and with 8 concurrent viewers of /live (ffmpeg -c copy, half TCP, half
#      UDP, so client decoding does not compete with the worker), each viewer's frame rate, and
#      the encoder instance / pipeline count from the worker's stats;
#   2. PLAY → first decoded frame for viewers joining a running 2 s GOP (gop 60 at 30 fps), with
#      and without the keyframe request on join.
#
#   [REPEAT=K] tests/workers/rtsp/measure_clients.sh [BUILD_DIR] [WxH] [SECONDS]
set -u
BUILD=${1:-$(dirname "$0")/../../../build}
SIZE=${2:-1280x720}
SECS=${3:-20}
REPEAT=${REPEAT:-3}
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

echo "== viewers vs worker CPU ($SIZE 30 fps, x264 ultrafast/zerolatency, ${SECS}s windows, $REPEAT rounds)"
start_worker
# One viewer stays for the whole run, so the shared media is prepared once and "1 viewer" and
# "8 viewers" differ only by the 7 extra clients (half TCP, half UDP). Rounds alternate 1 and 8
# so the machine's noise hits both; medians are reported.
viewer() { # viewer INDEX TRANSPORT PROGRESS_FILE
    # passthrough: ffmpeg's null muxer would otherwise duplicate frames to a constant rate.
    ffmpeg -nostdin -v error -analyzeduration 1000000 -rtsp_transport "$2" -i "$URL" -c copy \
        -fps_mode passthrough -f null -progress "$3" - 2>/dev/null &
    PIDS+=($!)
}
# "FRAMES SECONDS": frames received and the stream time they span. ffmpeg writes its progress in
# bursts, so frames / wall-clock time swings; frames / stream time is the delivered frame rate
# (a server dropping frames leaves gaps in the timestamps), stream time / wall time shows stalls.
progress() {
    awk -F= '/^frame=/{f=$2} /^out_time_us=/{t=$2} END{printf "%d %.3f\n", f, t/1e6}' "$1" 2>/dev/null
}
viewer 1 tcp "$WORK/keeper.txt"
keeper=${PIDS[-1]}
sleep 5
declare -A cpu_of ucpu_of
uticks() { awk '{print $14}' "/proc/$1/stat"; }
for round in $(seq "$REPEAT"); do
    for n in 1 8; do
        extra=()
        for i in $(seq 2 "$n"); do
            t=tcp; [ $((i % 2)) -eq 0 ] && t=udp
            viewer "$i" $t "$WORK/p$round-$n-$i.txt"
            extra+=("${PIDS[-1]}")
        done
        sleep 8 # all joined and past ffmpeg's probing
        files=("$WORK/keeper.txt"); for i in $(seq 2 "$n"); do files+=("$WORK/p$round-$n-$i.txt"); done
        p0=(); for f in "${files[@]}"; do p0+=("$(progress "$f")"); done
        t0=$(ticks "$WORKER"); u0=$(uticks "$WORKER"); s0=$(date +%s.%N)
        sleep "$SECS"
        t1=$(ticks "$WORKER"); u1=$(uticks "$WORKER"); s1=$(date +%s.%N)
        cpu=$(python3 -c "print(round(100*($t1-$t0)/$hz/($s1-$s0),1))")
        ucpu=$(python3 -c "print(round(100*($u1-$u0)/$hz/($s1-$s0),1))")
        cpu_of[$n]+="$cpu "
        ucpu_of[$n]+="$ucpu "
        fpss=""
        for k in "${!files[@]}"; do
            fpss+="$(python3 -c "
a, b = '${p0[$k]}'.split(), '$(progress "${files[$k]}")'.split()
frames, span = int(b[0]) - int(a[0]), float(b[1]) - float(a[1])
print(f'{frames / span:.1f}fps/{span / ($s1 - $s0):.2f}rt' if span > 0 else 'stalled')") "
        done
        echo "round $round viewers=$n worker_cpu=${cpu}% of one core (user ${ucpu}%); per viewer (frames per stream second / stream time per wall second): $fpss"
        [ "$n" = 8 ] && echo "   stats: clients=$(last_stats 'm["/live"]["clients"]') encoder_instances=$(last_stats 'm["/live"]["encoder_instances"]') media_configures=$(last_stats 'm["/live"]["media_configures"]') bitrate_kbps=$(last_stats 'm["/live"]["bitrate_kbps"]') transports=$(last_stats 'sorted(c["transport"] for c in m["/live"]["clients_detail"])')"
        for p in "${extra[@]}"; do kill -INT "$p"; wait "$p" 2>/dev/null; done
        sleep 2
    done
done
python3 - "${cpu_of[1]}" "${cpu_of[8]}" "${ucpu_of[1]}" "${ucpu_of[8]}" <<'PY'
import statistics, sys
for what, a, b in (("worker CPU", 1, 2), ("worker user-space CPU", 3, 4)):
    one = [float(x) for x in sys.argv[a].split()]; eight = [float(x) for x in sys.argv[b].split()]
    m1, m8 = statistics.median(one), statistics.median(eight)
    print(f"== median {what}: 1 viewer {m1:.1f} %, 8 viewers {m8:.1f} % of one core: "
          f"{m8 / m1:.2f}x ({100 * (m8 / m1 - 1):+.0f} %); per-round ratios "
          f"{[round(y / x, 2) for x, y in zip(one, eight)]}")
PY
kill -INT "$keeper"; wait "$keeper" 2>/dev/null
kill -TERM "$WORKER"; wait "$WORKER"; echo "worker exit status after SIGTERM: $?"

for mode in join-keyframe no-join-keyframe; do
    extra=(); [ $mode = no-join-keyframe ] && extra=(--no-join-keyframe)
    start_worker --gop 60 "${extra[@]}"
    ffmpeg -nostdin -v error -rtsp_transport tcp -i "$URL" -c copy -fps_mode passthrough -f null - 2>/dev/null &
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
