#!/usr/bin/env bash
# System tests of zerotee-rtsp: a real producer (videotestsrc ! zeroteesink), the real worker,
# and independent clients (ffprobe, ffmpeg, gst-launch-1.0 rtspsrc, rtsp-probe on rtspsrc).
#
#   rtsp_system_test.sh cli|play|auth|tls|clients|keyframe|push|lifecycle
#
# Needs ZEROTEE_RTSP and RTSP_PROBE (set by CTest) and the hermetic GStreamer environment.
# Exits 77 (skip) when a client tool is missing.
set -u
CASE=${1:?case}
RTSP=${ZEROTEE_RTSP:?}
PROBE=${RTSP_PROBE:?}
for tool in ffprobe ffmpeg gst-launch-1.0 python3 timeout; do
    command -v "$tool" >/dev/null || { echo "SKIP: $tool missing"; exit 77; }
done

# Waits for a process to come up are multiplied under sanitizers (scripts/sanitize.sh): the
# first gst-launch-1.0 of a fresh registry scans every plugin, instrumented.
SCALE=${ZEROTEE_TIMEOUT_SCALE:-1}

WORK=$(mktemp -d /tmp/zerotee-rtsp-test.XXXXXX)
chmod 700 "$WORK"
export XDG_RUNTIME_DIR=$WORK
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    sleep 0.3
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

log() { echo "[$(date +%T.%3N)] $*"; }
fail() {
    echo "FAIL: $*"
    if [ -f "$WORK/worker.err" ]; then echo "--- worker stderr (tail)"; tail -20 "$WORK/worker.err"; fi
    if [ -f "$WORK/worker.out" ]; then echo "--- last report"; grep '"stats"' "$WORK/worker.out" | tail -1; fi
    exit 1
}
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_producer WIDTH HEIGHT FPS
start_producer() {
    gst-launch-1.0 -q videotestsrc is-live=true pattern=ball \
        ! "video/x-raw,format=NV12,width=$1,height=$2,framerate=$3/1" \
        ! zeroteesink socket-path="$WORK/cam.sock" >"$WORK/producer.log" 2>&1 &
    PRODUCER=$!
    PIDS+=("$PRODUCER")
    for _ in $(seq $((50 * SCALE))); do [ -S "$WORK/cam.sock" ] && return 0; sleep 0.1; done
    fail "producer did not create its socket: $(cat "$WORK/producer.log")"
}

# start_worker ARGS... : on 127.0.0.1, a free port (0); sets WORKER and PORT
start_worker() {
    "$RTSP" --socket "$WORK/cam.sock" --bind 127.0.0.1 --port 0 "$@" \
        >"$WORK/worker.out" 2>"$WORK/worker.err" &
    WORKER=$!
    PIDS+=("$WORKER")
    PORT=
    for _ in $(seq $((50 * SCALE))); do
        PORT=$(python3 - "$WORK/worker.out" <<'PY' 2>/dev/null
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o.get("event") == "listening":
        print(o["port"]); break
PY
)
        [ -n "$PORT" ] && break
        kill -0 "$WORKER" 2>/dev/null || fail "worker exited early"
        sleep 0.1
    done
    [ -n "$PORT" ] || fail "worker did not report listening"
    URL=rtsp://127.0.0.1:$PORT
    log "worker pid $WORKER on port $PORT"
}

# stat EXPR : evaluates a Python expression on the last stats line (s); mounts by path in m
stat() {
    python3 - "$WORK/worker.out" "$1" <<'PY'
import json, sys
s = None
for line in open(sys.argv[1]):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if o.get("type") == "stats":
        s = o
m = {x["path"]: x for x in s["mounts"]} if s else {}
print(eval(sys.argv[2]))
PY
}
# wait_stat EXPR SECONDS : until EXPR is True
wait_stat() {
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        [ "$(stat "$1" 2>/dev/null)" = True ] && return 0
        sleep 0.3
    done
    fail "timed out waiting for: $1 (last: $(grep '"stats"' "$WORK/worker.out" | tail -1))"
}
json_field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$1" "$2"; }

stop_worker_expect_zero() {
    local t0=$SECONDS
    kill -TERM "$WORKER"
    for _ in $(seq 50); do kill -0 "$WORKER" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$WORKER" 2>/dev/null && fail "worker still running 5 s after SIGTERM"
    wait "$WORKER"
    local code=$?
    [ "$code" -eq 0 ] || fail "worker exit status $code after SIGTERM"
    log "SIGTERM: exit 0 after $((SECONDS - t0)) s"
}

case_cli() {
    "$RTSP" --port 80 >/dev/null 2>"$WORK/e"; [ $? -eq 2 ] || fail "missing --socket: not exit 2"
    grep -q -- "--socket" "$WORK/e" || fail "no clear message: $(cat "$WORK/e")"
    "$RTSP" --socket s --frobnicate >/dev/null 2>"$WORK/e"; [ $? -eq 2 ] || fail "unknown flag: not exit 2"
    "$RTSP" --socket s --size 7x7 >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad size: not exit 2"
    "$RTSP" --socket s --auth basic --user bob:hunter2 --user x >/dev/null 2>"$WORK/e"
    [ $? -eq 2 ] || fail "bad user: not exit 2"
    grep -q hunter2 "$WORK/e" && fail "password printed"
    "$RTSP" --help | grep -q -- "--mount-profile" || fail "--help lacks --mount-profile"
    # A port in use: exit 1 with the reason.
    start_producer 320 240 30
    start_worker
    "$RTSP" --socket "$WORK/cam.sock" --bind 127.0.0.1 --port "$PORT" >/dev/null 2>"$WORK/e"
    [ $? -eq 1 ] || fail "port in use: not exit 1"
    grep -qi "cannot listen" "$WORK/e" || fail "port in use: no reason: $(cat "$WORK/e")"
    stop_worker_expect_zero
}

case_play() {
    start_producer 640 360 30
    start_worker --mount-profile /sub:320x180@10
    out=$(timeout 20 ffprobe -v error -rtsp_transport tcp -show_streams "$URL/live") || fail "ffprobe tcp"
    echo "$out" | grep -q "codec_name=h264" || fail "ffprobe tcp: not h264"
    echo "$out" | grep -q "^width=640" && echo "$out" | grep -q "^height=360" || fail "ffprobe tcp: size"
    log "ffprobe tcp /live: h264 640x360"
    out=$(timeout 20 ffprobe -v error -rtsp_transport udp -show_streams "$URL/sub") || fail "ffprobe udp"
    echo "$out" | grep -q "^width=320" && echo "$out" | grep -q "^height=180" || fail "ffprobe udp: size"
    echo "$out" | grep -q "^r_frame_rate=10/1" || fail "ffprobe udp: /sub not 10 fps: $(echo "$out" | grep rate)"
    log "ffprobe udp /sub: h264 320x180 10/1"
    timeout 20 gst-launch-1.0 -q rtspsrc location="$URL/live" ! decodebin ! fakesink num-buffers=30 \
        >"$WORK/gst.log" 2>&1 || fail "gst-launch rtspsrc: $(tail -3 "$WORK/gst.log")"
    log "gst-launch rtspsrc ! decodebin ! fakesink: 30 frames"
    timeout 30 ffmpeg -nostdin -v error -rtsp_transport tcp -i "$URL/live" -t 5 -f null - \
        2>"$WORK/ffmpeg.err" || fail "ffmpeg decode failed"
    [ -s "$WORK/ffmpeg.err" ] && fail "ffmpeg decode errors: $(head -5 "$WORK/ffmpeg.err")"
    log "ffmpeg -t 5 decode: no errors"
    r=$("$PROBE" "$URL/live" --transport multicast --seconds 3)
    if [ "$(json_field "$r" frames)" -gt 0 ]; then
        log "multicast: $(json_field "$r" frames) frames"
    else
        # Loopback multicast is not routed in every container: at least the SETUP must work.
        grep -q "plays over UDP-multicast\|UDP-multicast" "$WORK/worker.out" ||
            log "multicast: no frames and no multicast session ($r)"
        log "multicast: SETUP ok, no frames over loopback here"
    fi
    wait_stat 'm["/live"]["frames"] > 0 and s["frames"] > 0' 5
    stop_worker_expect_zero
}

case_auth() {
    start_producer 320 240 30
    for mode in digest basic; do
        start_worker --auth "$mode" --user alice:s3cret-pw --user bob:other
        timeout 15 ffprobe -v error -rtsp_transport tcp -show_streams "$URL/live" >/dev/null 2>"$WORK/e" &&
            fail "$mode: no credentials played"
        grep -q 401 "$WORK/e" || fail "$mode: no 401 without credentials: $(cat "$WORK/e")"
        timeout 15 ffprobe -v error -rtsp_transport tcp -show_streams "rtsp://alice:wrong@127.0.0.1:$PORT/live" \
            >/dev/null 2>"$WORK/e" && fail "$mode: wrong password played"
        grep -q 401 "$WORK/e" || fail "$mode: no 401 with a wrong password: $(cat "$WORK/e")"
        out=$(timeout 15 ffprobe -v error -rtsp_transport tcp -show_streams \
            "rtsp://alice:s3cret-pw@127.0.0.1:$PORT/live") || fail "$mode: right credentials did not play"
        echo "$out" | grep -q codec_name=h264 || fail "$mode: right credentials: no h264"
        r=$("$PROBE" "$URL/live" --user bob --password other --seconds 2)
        [ "$(json_field "$r" frames)" -gt 0 ] || fail "$mode: rtspsrc with credentials: $r"
        r=$("$PROBE" "$URL/live" --user bob --password nope --seconds 2)
        [ "$(json_field "$r" frames)" -eq 0 ] || fail "$mode: rtspsrc with a wrong password got frames"
        log "$mode: 401 without or with wrong credentials, plays with right ones (ffprobe, rtspsrc)"
        grep -q "s3cret-pw\|other" "$WORK/worker.out" "$WORK/worker.err" && fail "$mode: a password was printed"
        stop_worker_expect_zero
    done
}

# RTSPS: a self-signed certificate; ffprobe and rtspsrc (validation off, as for any self-signed
# certificate) play over TLS, with Basic auth inside it; plain RTSP on the TLS port gets nothing.
case_tls() {
    command -v openssl >/dev/null || { echo "SKIP: openssl missing"; exit 77; }
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
        -keyout "$WORK/key.pem" -out "$WORK/cert.pem" 2>"$WORK/e" || fail "openssl: $(cat "$WORK/e")"
    start_producer 320 240 30
    start_worker --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem" --auth basic --user alice:s3cret-pw
    grep -q "rtsps://" "$WORK/worker.out" || fail "the worker does not announce rtsps:// URLs"
    local tls=rtsps://alice:s3cret-pw@127.0.0.1:$PORT/live
    out=$(timeout 20 ffprobe -v error -show_entries stream=codec_name -of csv "$tls" 2>"$WORK/e") ||
        fail "ffprobe over TLS: $(cat "$WORK/e")"
    [ "$out" = "stream,h264" ] || fail "ffprobe over TLS: got '$out'"
    timeout 20 ffprobe -v error -show_streams "rtsps://alice:wrong@127.0.0.1:$PORT/live" \
        >/dev/null 2>"$WORK/e" && fail "TLS: a wrong password played"
    grep -q 401 "$WORK/e" || fail "TLS: no 401 with a wrong password: $(cat "$WORK/e")"
    timeout 30 gst-launch-1.0 -q rtspsrc location="$tls" tls-validation-flags=0 protocols=tcp \
        ! rtph264depay ! h264parse ! avdec_h264 ! identity eos-after=30 ! fakesink \
        >"$WORK/gst.log" 2>&1 || fail "rtspsrc over TLS did not decode 30 frames: $(tail -3 "$WORK/gst.log")"
    timeout 10 ffprobe -v error -rtsp_transport tcp "rtsp://alice:s3cret-pw@127.0.0.1:$PORT/live" \
        >/dev/null 2>&1 && fail "plain RTSP played on the TLS port"
    log "RTSPS: ffprobe and rtspsrc (30 frames decoded) play with the right password; 401 with a wrong one; plain RTSP refused"
    stop_worker_expect_zero
}

case_clients() {
    start_producer 640 360 30
    start_worker
    # Eight viewers at once, half over TCP, half over UDP; each decodes and counts.
    for i in $(seq 8); do
        transport=tcp; [ $((i % 2)) -eq 0 ] && transport=udp
        "$PROBE" "$URL/live" --transport $transport --seconds 12 >"$WORK/probe$i.json" &
        PIDS+=($!)
        PROBES+=($!)
    done
    wait_stat 'm["/live"]["clients"] == 8' 15
    stat 'm["/live"]["encoder_instances"] == 1 and m["/live"]["media_configures"] == 1' | grep -q True ||
        fail "8 clients but not one encoder: $(grep '"stats"' "$WORK/worker.out" | tail -1)"
    log "8 clients: $(stat '(m["/live"]["clients"], m["/live"]["encoder_instances"], m["/live"]["media_configures"], sorted(set(c["transport"] for c in m["/live"]["clients_detail"])))') (clients, encoders, pipelines, transports)"
    for pid in "${PROBES[@]}"; do wait "$pid" || true; done
    for i in $(seq 8); do
        r=$(cat "$WORK/probe$i.json")
        fps=$(json_field "$r" fps)
        log "client $i: $(json_field "$r" transport) $(json_field "$r" frames) frames, $fps fps"
        python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 27 else 1)" "$fps" ||
            fail "client $i below full frame rate: $r"
    done
    stop_worker_expect_zero
}

case_keyframe() {
    start_producer 640 360 30
    start_worker --gop 60
    # One viewer keeps the media running, so the others join a GOP in progress.
    timeout 60 ffmpeg -nostdin -v error -rtsp_transport tcp -i "$URL/live" -c copy -f null - &
    PIDS+=($!)
    wait_stat 'm["/live"]["clients"] == 1' 15
    worst=0
    for i in 1 2 3 4 5; do
        sleep 0.$((RANDOM % 9 + 1))
        r=$("$PROBE" "$URL/live" --seconds 2)
        ms=$(json_field "$r" play_to_frame_ms)
        log "join $i: PLAY → IDR $(json_field "$r" play_to_keyframe_ms) ms, PLAY → first decoded frame $ms ms"
        python3 -c "import sys; sys.exit(0 if 0 <= float(sys.argv[1]) < 1000 else 1)" "$ms" ||
            fail "join $i: first frame not within 1 s of PLAY: $r"
    done
    stat 'm["/live"]["keyframe_requests"] >= 6' | grep -q True || fail "keyframe requests not counted"
    stop_worker_expect_zero
}

case_push() {
    start_producer 320 240 30
    RPORT=$(free_port)
    receive() { # receive FILE : a receiving RTSP server (ANNOUNCE/RECORD) on RPORT
        "${RTSP_RECEIVER:?}" "$RPORT" /x "$1" >"$1.log" 2>&1 &
        RECEIVER=$!
        PIDS+=("$RECEIVER")
        for _ in $(seq $((30 * SCALE))); do grep -q listening "$1.log" && return 0; sleep 0.1; done
        fail "receiver did not start: $(cat "$1.log")"
    }
    receive "$WORK/out1.mkv"
    start_worker --push "rtsp://127.0.0.1:$RPORT/x"
    wait_stat 's["push"]["state"] == "streaming"' 20
    sleep 4
    kill -INT "$RECEIVER"; wait "$RECEIVER" 2>/dev/null
    log "receiver 1 stopped; push: $(stat 's["push"]')"
    receive "$WORK/out2.mkv"
    wait_stat 's["push"]["connects"] >= 2 and s["push"]["state"] == "streaming"' 30
    log "reconnected: $(stat 's["push"]')"
    sleep 4
    kill -INT "$RECEIVER"; wait "$RECEIVER" 2>/dev/null
    for f in out1 out2; do
        frames=$(timeout 20 ffprobe -v error -count_frames -select_streams v:0 \
            -show_entries stream=codec_name,nb_read_frames -of csv=p=0 "$WORK/$f.mkv") ||
            fail "$f.mkv not readable: $(cat "$WORK/$f.mkv.log")"
        timeout 20 ffmpeg -nostdin -v error -i "$WORK/$f.mkv" -f null - 2>"$WORK/$f.dec"
        # The receiver's Matroska file has millisecond timestamps taken from its jitter buffer;
        # the null muxer's complaint about an equal DTS right after a (re)connect is about that
        # file, not a decoding error. Anything else fails. ffmpeg's "Last message repeated N
        # times" only repeats the line above it, which is judged on its own.
        dts=$(grep -c "non monotonically increasing dts" "$WORK/$f.dec")
        grep -v -e "non monotonically increasing dts" -e "Last message repeated" \
            "$WORK/$f.dec" >"$WORK/$f.err"
        [ -s "$WORK/$f.err" ] && fail "$f.mkv decode errors: $(head -3 "$WORK/$f.err")"
        # Equal timestamps come from frames the receiver gets in a burst; under a sanitizer
        # (SCALE > 1) the pusher's start is slow enough to make long bursts: not judged there.
        [ "$dts" -le 3 ] || [ "$SCALE" -gt 1 ] || fail "$f.mkv: $dts equal/decreasing timestamps"
        log "$f.mkv: $frames (codec, frames), decodes without errors ($dts equal-DTS muxer notes)"
        case $frames in h264,*) ;; *) fail "$f.mkv: not h264";; esac
        [ "${frames#h264,}" -gt 60 ] || fail "$f.mkv: too few frames"
    done
    stop_worker_expect_zero
}

case_lifecycle() {
    start_producer 640 360 30
    start_worker --session-timeout 5
    wait_stat 'm["/live"]["encoder_instances"] == 0 and not m["/live"]["encoder_running"]' 5
    log "no clients: no encoder"
    "$PROBE" "$URL/live" --seconds 2 >/dev/null || fail "first client did not play"
    wait_stat 'm["/live"]["encoder_instances"] == 0 and m["/live"]["clients"] == 0' 5
    log "after the last client: encoder gone ($(stat 'm["/live"]["media_configures"]') pipeline so far)"
    "$PROBE" "$URL/live" --seconds 2 >/dev/null || fail "second client did not play"
    stat 'm["/live"]["media_configures"] == 2' | grep -q True || fail "no new pipeline for the next client"
    log "next client: new pipeline, plays"

    # A stalled TCP viewer (SIGSTOP) must not slow the others.
    ffmpeg -nostdin -v error -rtsp_transport tcp -i "$URL/live" -t 60 -c copy -f null - &
    STALLED=$!
    PIDS+=("$STALLED")
    wait_stat 'm["/live"]["clients"] == 1' 15
    kill -STOP "$STALLED"
    r=$("$PROBE" "$URL/live" --transport tcp --seconds 10)
    log "with a stalled TCP viewer: other viewer $(json_field "$r" fps) fps"
    python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) >= 27 else 1)" "$(json_field "$r" fps)" ||
        fail "a stalled viewer slowed another: $r"
    kill -KILL "$STALLED"
    # A vanished viewer is dropped (connection closed, or at the latest its session timeout).
    wait_stat 'm["/live"]["clients"] == 0' 15
    log "vanished viewer dropped"

    # The producer restarts under a playing client: zeroteesrc reconnects, the stream goes on.
    timeout 60 ffmpeg -nostdin -v error -rtsp_transport tcp -i "$URL/live" -c copy -f null - &
    PIDS+=($!)
    wait_stat 'm["/live"]["clients"] == 1' 15
    kill -INT "$PRODUCER"; wait "$PRODUCER" 2>/dev/null
    rm -f "$WORK/cam.sock"
    start_producer 640 360 30
    before=$(stat 'm["/live"]["frames"]')
    sleep 3
    after=$(stat 'm["/live"]["frames"]')
    [ "$after" -gt $((before + 30)) ] || fail "frames did not resume after the producer restart ($before → $after)"
    log "producer restart: frames resumed ($before → $after)"
    stop_worker_expect_zero
}

PROBES=()
"case_$CASE"
log "PASS $CASE"
