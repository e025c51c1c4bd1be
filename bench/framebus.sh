#!/usr/bin/env bash
# Frame-bus benchmark: zerotee (zeroteesink/zeroteesrc) against shmsink/shmsrc, side by side in
# one run. See docs/benchmark.md for what is measured and how to read it.
#
# For each size, each consumer count N and each transport (shm then zerotee, back to back, so
# the machine's noise hits both): start zerotee-bench-producer, N zerotee-bench-consumer, let it
# warm up, then over a measuring window take the CPU (utime+stime, /proc/PID/stat) of the
# producer and every consumer, and collect each one's JSON (frames, bytes copied, sink stats,
# latency, missed frames). Then a separate latency run: 4 consumers at 1080p30, longer window.
# Prints Markdown tables (medians over --repeat runs).
#
# Usage: bench/framebus.sh [--quick] [--repeat K] [--window S] [--warmup S] [--fps N]
#                          [--sizes "1920x1080 3840x2160"] [--consumers "1 4 16"]
#                          [--transports "shm zerotee"] [--latency-window S] [--no-latency]
#                          [--no-matrix] [--idle-wait S] [--keep DIR] [--realtime PRIO]
#                          [--pause-damon]
# The latency run waits (at most --idle-wait, default 60 s) for the machine to go idle first,
# and also measures the machine's own floor (zerotee-bench-wakefloor: the same message pattern
# between processes, without frames or GStreamer). --pause-damon (root): a virtual machine's
# DAMON memory-reclaim thread (kdamond) runs 1-2 ms non-preemptible bursts every 0.5 s that
# delay every process on that CPU; this turns it off for the latency run and back on after.
# Environment: ZEROTEE_BUILD (build dir, default <repo>/build), ZT_SINK_PROPS / ZT_SRC_PROPS
# (extra zeroteesink / zeroteesrc properties, e.g. "lease-timeout=500" / "policy=latest"),
# ZT_RESERVE / ZT_QUOTA (default 4 / 2: zeroteesink gets pool-size=RESERVE+QUOTA*N quota=QUOTA),
# SHM_SRC_PROPS (extra shmsrc properties).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${ZEROTEE_BUILD:-$HERE/../build}
PRODUCER=$BUILD/bench/zerotee-bench-producer
CONSUMER=$BUILD/bench/zerotee-bench-consumer
WAKEFLOOR=$BUILD/bench/zerotee-bench-wakefloor
export GST_PLUGIN_PATH=${GST_PLUGIN_PATH:-$BUILD/gst}
export GST_DEBUG_NO_COLOR=1

SIZES="1920x1080 3840x2160"
NS="1 4 16"
TRANSPORTS="shm zerotee"
WINDOW=${WINDOW:-10}
WARMUP=${WARMUP:-3}
FPS=30
REPEAT=1
LAT_WINDOW=30
DO_LATENCY=1
DO_MATRIX=1
KEEP=""
IDLE_WAIT=60
RT_PRIO="" # --realtime PRIO: producer and consumers of both transports run SCHED_FIFO
PAUSE_DAMON=0
ZT_RESERVE=${ZT_RESERVE:-4}
ZT_QUOTA=${ZT_QUOTA:-2}

while [ $# -gt 0 ]; do
    case "$1" in
    --quick) SIZES="1920x1080"; NS="1 4"; WINDOW=4; WARMUP=2; LAT_WINDOW=6; IDLE_WAIT=5 ;;
    --repeat) REPEAT=$2; shift ;;
    --window) WINDOW=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --fps) FPS=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    --consumers) NS=$2; shift ;;
    --transports) TRANSPORTS=$2; shift ;;
    --latency-window) LAT_WINDOW=$2; shift ;;
    --no-latency) DO_LATENCY=0 ;;
    --no-matrix) DO_MATRIX=0 ;;
    --keep) KEEP=$2; shift ;;
    --idle-wait) IDLE_WAIT=$2; shift ;;
    --realtime) RT_PRIO=$2; shift ;;
    --pause-damon) PAUSE_DAMON=1 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "framebus.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

# What a camera device does with its capture and consumers: real-time scheduling, so that other
# load on the machine cannot preempt them (needs root or CAP_SYS_NICE).
PREFIX=()
if [ -n "$RT_PRIO" ]; then
    chrt -f "$RT_PRIO" true || { echo "framebus.sh: --realtime needs CAP_SYS_NICE" >&2; exit 1; }
    PREFIX=(chrt -f "$RT_PRIO")
fi
for b in "$PRODUCER" "$CONSUMER" "$WAKEFLOOR"; do
    [ -x "$b" ] || { echo "framebus.sh: $b missing; build first (ninja -C $BUILD)" >&2; exit 1; }
done
case " $TRANSPORTS " in *" zerotee "*)
    if ! gst-inspect-1.0 zeroteesink >/dev/null 2>&1 || ! gst-inspect-1.0 zeroteesrc >/dev/null 2>&1; then
        echo "framebus.sh: zeroteesink/zeroteesrc not found in GST_PLUGIN_PATH=$GST_PLUGIN_PATH" >&2
        exit 1
    fi ;;
esac

WORK=$(mktemp -d /tmp/framebus.XXXXXX)
chmod 700 "$WORK"
RESULTS=$WORK/results.jsonl
: >"$RESULTS"
PIDS=()

cleanup() {
    local p
    for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
    sleep 0.5
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    PIDS=()
    if [ -n "$KEEP" ]; then mkdir -p "$KEEP" && cp -r "$WORK"/. "$KEEP"/; fi
    rm -rf "$WORK"
    resume_damon
}

# DAMON kdamonds this script turned off (--pause-damon), to turn back on at exit.
PAUSED_DAMON=()
pause_damon() {
    local state
    for state in /sys/kernel/mm/damon/admin/kdamonds/*/state; do
        [ -w "$state" ] && [ "$(cat "$state")" = on ] || continue
        echo off >"$state" && PAUSED_DAMON+=("$state") && echo "  (paused DAMON: $state)" >&2
    done
}
resume_damon() {
    local state
    for state in "${PAUSED_DAMON[@]}"; do echo on >"$state" || echo "framebus.sh: could not turn $state back on" >&2; done
    PAUSED_DAMON=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

HZ=$(getconf CLK_TCK)
# Busy ticks of the whole machine (all CPUs: user nice system irq softirq steal).
busyticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }

# wait_idle MAXSECONDS: wait until the machine is under 10 % of one core busy over 1 s.
wait_idle() {
    local max=$1 waited=0 b0 b1
    while [ "$waited" -lt "$max" ]; do
        b0=$(busyticks); sleep 1; b1=$(busyticks)
        [ $((b1 - b0)) -le $((HZ / 10)) ] && return 0
        waited=$((waited + 1))
    done
    echo "  (machine not idle after ${max}s; running anyway)" >&2
}
# utime+stime in clock ticks (fields 14, 15; counted after the ")" that closes comm).
cputicks() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12+$13}' || echo 0; }

# reap PID...: wait up to 5 s for each to exit after SIGTERM, then SIGKILL.
reap() {
    local c t
    for c in "$@"; do
        t=0
        while kill -0 "$c" 2>/dev/null && [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
        kill -KILL "$c" 2>/dev/null
        wait "$c" 2>/dev/null
    done
}

# run_one LABEL SIZE N TRANSPORT REP WINDOW
run_one() {
    local label=$1 size=$2 n=$3 tr=$4 rep=$5 window=$6
    local dir=$WORK/$label-$size-$n-$tr-$rep
    mkdir -p "$dir"
    local sock=$dir/bus.sock
    local sinkprops="" srcprops=""
    if [ "$tr" = zerotee ]; then
        # The pool must hold the capture reserve plus every consumer's quota, or the sink
        # refuses the extra consumers (DESIGN.md: "the pool is sized for its consumers").
        # Defaults follow zeroteesink's capture-reserve=4 and quota=2; ZT_SINK_PROPS can
        # override (later properties win).
        sinkprops="pool-size=$((ZT_RESERVE + ZT_QUOTA * n)) quota=$ZT_QUOTA ${ZT_SINK_PROPS:-}"
        srcprops=${ZT_SRC_PROPS:-}
    else srcprops=${SHM_SRC_PROPS:-}; fi

    "${PREFIX[@]}" "$PRODUCER" --transport "$tr" --socket "$sock" --size "$size" --fps "$FPS" \
        ${sinkprops:+--sink-props "$sinkprops"} >"$dir/producer.json" 2>"$dir/producer.err" &
    local ppid=$!
    PIDS+=("$ppid")
    local t=0
    while [ ! -S "$sock" ] && [ $t -lt 100 ]; do sleep 0.05; t=$((t + 1)); done
    if [ ! -S "$sock" ]; then echo "  $label $size N=$n $tr: no socket after 5 s" >&2; fi

    local cpids=() i
    for i in $(seq 1 "$n"); do
        "${PREFIX[@]}" "$CONSUMER" --transport "$tr" --socket "$sock" --size "$size" --fps "$FPS" --json \
            --latency-file "$dir/lat.$i" ${srcprops:+--src-props "$srcprops"} \
            >"$dir/consumer.$i.json" 2>"$dir/consumer.$i.err" &
        cpids+=($!)
        PIDS+=($!)
    done
    sleep "$WARMUP"

    local load; load=$(cut -d' ' -f1 /proc/loadavg)
    local p0 c0=0 p1 c1=0 c alive=1
    for c in "$ppid" "${cpids[@]}"; do kill -0 "$c" 2>/dev/null || alive=0; done
    local t0 t1
    t0=$EPOCHREALTIME
    local m0 m1; m0=$(busyticks)
    p0=$(cputicks "$ppid")
    for c in "${cpids[@]}"; do c0=$((c0 + $(cputicks "$c"))); done
    kill -USR1 "$ppid" "${cpids[@]}" 2>/dev/null
    sleep "$window"
    t1=$EPOCHREALTIME
    m1=$(busyticks)
    p1=$(cputicks "$ppid")
    for c in "${cpids[@]}"; do c1=$((c1 + $(cputicks "$c"))); done
    # the CPU window is the time between the two samplings (same order both times)
    local elapsed; elapsed=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')
    for c in "$ppid" "${cpids[@]}"; do kill -0 "$c" 2>/dev/null || alive=0; done
    # End the window everywhere at once (SIGUSR2), then stop the consumers before the producer
    # so that no consumer sees the bus vanish.
    kill -USR2 "$ppid" "${cpids[@]}" 2>/dev/null
    sleep 0.5 # let every process handle SIGUSR2 before anyone goes away
    kill -TERM "${cpids[@]}" 2>/dev/null
    reap "${cpids[@]}"
    kill -TERM "$ppid" 2>/dev/null
    reap "$ppid"
    PIDS=()
    rm -f "$sock"

    python3 - "$dir" "$label" "$size" "$n" "$tr" "$rep" "$elapsed" "$HZ" \
        "$((p1 - p0))" "$((c1 - c0))" "$alive" "$load" "$((m1 - m0))" >>"$RESULTS" <<'EOF'
import json, sys, os, glob
d, label, size, n, tr, rep, window, hz, pt, ct, alive, load, mt = sys.argv[1:]
def load_json(path):
    try:
        with open(path) as f:
            lines = [l for l in f.read().splitlines() if l.startswith("{")]
        return json.loads(lines[-1]) if lines else None
    except Exception:
        return None
def tail(path):
    try:
        with open(path) as f:
            return f.read()[-600:]
    except Exception:
        return ""
cons = [load_json(p) for p in sorted(glob.glob(os.path.join(d, "consumer.*.json")))]
lat = []
for p in glob.glob(os.path.join(d, "lat.*")):
    with open(p) as f:
        lat += [float(x) for x in f.read().split()]
errs = {os.path.basename(p): tail(p) for p in glob.glob(os.path.join(d, "*.err")) if tail(p).strip()}
rec = dict(label=label, size=size, n=int(n), transport=tr, rep=int(rep), window=float(window),
           producer_cpu=100.0 * int(pt) / int(hz) / float(window),
           consumers_cpu=100.0 * int(ct) / int(hz) / float(window),
           alive=alive == "1", load=float(load),
           # everything else the machine ran meanwhile (% of one core; 2 cores = 200 %)
           background_cpu=max(0.0, 100.0 * (int(mt) - int(pt) - int(ct)) / int(hz) / float(window)), producer=load_json(os.path.join(d, "producer.json")),
           consumers=cons, lat=lat, stderr=errs)
print(json.dumps(rec))
EOF
    # one progress line on stderr
    python3 -c '
import json,sys
r=[json.loads(l) for l in open(sys.argv[1])][-1]
p=r["producer"] or {}
c=[x for x in r["consumers"] if x]
print("  %-7s %-9s N=%-2d %-7s rep %d: producer %5.1f%%  consumers %5.1f%%  frames %s  min received %s  missed %d  %s" % (
  r["label"], r["size"], r["n"], r["transport"], r["rep"], r["producer_cpu"], r["consumers_cpu"],
  p.get("frames","?"), min((x["frames"] for x in c), default=0), sum(x["missed"] for x in c),
  "" if r["alive"] and len(c)==r["n"] and not p.get("error") else "PROBLEM (see stderr)"), file=sys.stderr)
' "$RESULTS"
}

echo "# framebus: $(date -u +%FT%TZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r), $(gst-launch-1.0 --version | sed -n 2p)" >&2
echo "# window ${WINDOW}s, warmup ${WARMUP}s, repeat $REPEAT, fps $FPS; zeroteesink pool-size=$ZT_RESERVE+$ZT_QUOTA*N quota=$ZT_QUOTA ${ZT_SINK_PROPS:-}; zeroteesrc ${ZT_SRC_PROPS:-(defaults)}" >&2

if [ "$DO_MATRIX" = 1 ]; then
    for size in $SIZES; do
        for n in $NS; do
            for rep in $(seq 1 "$REPEAT"); do
                for tr in $TRANSPORTS; do
                    run_one matrix "$size" "$n" "$tr" "$rep" "$WINDOW"
                done
            done
        done
    done
fi
if [ "$DO_LATENCY" = 1 ]; then
    [ "$PAUSE_DAMON" = 1 ] && pause_damon
    for rep in $(seq 1 "$REPEAT"); do
        for tr in $TRANSPORTS; do
            wait_idle "$IDLE_WAIT"
            run_one latency 1920x1080 4 "$tr" "$rep" "$LAT_WINDOW"
        done
        wait_idle "$IDLE_WAIT"
        "${PREFIX[@]}" "$WAKEFLOOR" --consumers 4 --fps "$FPS" --seconds "$LAT_WINDOW" >>"$WORK/floor.jsonl"
        echo "  latency floor rep $rep: $(tail -1 "$WORK/floor.jsonl")" >&2
    done
    resume_damon
fi

python3 - "$RESULTS" "$WINDOW" "$LAT_WINDOW" "$REPEAT" "$(nproc)" "$WORK/floor.jsonl" "$PAUSE_DAMON" <<'EOF'
import json, os, sys, statistics
recs = [json.loads(l) for l in open(sys.argv[1])]
floors = [json.loads(l) for l in open(sys.argv[6])] if os.path.exists(sys.argv[6]) else []
window, lat_window, repeat = sys.argv[2], sys.argv[3], int(sys.argv[4])
med = statistics.median

def pct(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = max(1, min(len(sorted_vals), int(p / 100.0 * len(sorted_vals) + 0.999999)))
    return sorted_vals[k - 1]

def summarize(r):
    p = r["producer"] or {}
    cons = [c for c in r["consumers"] if c]
    frames_rx = sum(c["frames"] for c in cons)
    cons_cpu_s = r["consumers_cpu"] / 100.0 * r["window"]
    lat = sorted(r["lat"])
    ss = p.get("sink_stats") or {}
    sink_drops = sum(ss.get(k, 0) for k in ("drops-quota", "drops-socket"))
    producer_drops = max(0, round(p.get("expected_frames", 0) - p.get("frames", 0)))
    return dict(
        producer_cpu=r["producer_cpu"], consumers_cpu=r["consumers_cpu"],
        total_cpu=r["producer_cpu"] + r["consumers_cpu"],
        us_per_consumer_frame=(cons_cpu_s / frames_rx * 1e6) if frames_rx else float("nan"),
        csw_per_consumer_frame=(sum(c.get("context_switches", 0) for c in cons) / frames_rx) if frames_rx else float("nan"),
        csw_producer_frame=(p.get("context_switches", 0) / p["frames"]) if p.get("frames") else float("nan"),
        us_per_consumer_frame_clock=(sum(c["cpu_s"] for c in cons) / frames_rx * 1e6) if frames_rx else float("nan"),
        copied_per_frame=p.get("bytes_copied_per_frame", float("nan")),
        pixel_copied=p.get("pixel_bytes_copied", float("nan")),
        p50=pct(lat, 50), p99=pct(lat, 99), max=lat[-1] if lat else float("nan"),
        frames=p.get("frames", 0), expected=p.get("expected_frames", 0),
        producer_drops=producer_drops, sink_drops=sink_drops, evictions=ss.get("evictions", 0),
        missed=sum(c["missed"] + c["reordered"] + c["bad_stamps"] + c["unmappable"] for c in cons),
        rx_min=min((c["frames"] for c in cons), default=0),
        # a consumer that got under 90 % of what was pushed: refused, starved or stalled
        starved=sum(1 for c in cons if c["frames"] < 0.9 * p.get("frames", 0)) + (r["n"] - len(cons)),
        ok=r["alive"] and len(cons) == r["n"] and not p.get("error") and not any(c["error"] for c in cons)
           and not any(c["frames"] < 0.9 * p.get("frames", 0) for c in cons),
        background=r["background_cpu"], load=r["load"])

groups = {}
for r in recs:
    groups.setdefault((r["label"], r["size"], r["n"], r["transport"]), []).append(summarize(r))

def agg(rows, k):
    vals = [row[k] for row in rows if row[k] == row[k]]
    return med(vals) if vals else float("nan")

def fmt_bytes(v):
    if v != v:
        return "?"
    return "%.0f" % v if v < 1e4 else "%.2f MB" % (v / 1e6) if v < 1e9 else "%.2f GB" % (v / 1e9)

def table(label, title):
    keys = [k for k in groups if k[0] == label]
    if not keys:
        return
    order = {"shm": 0, "zerotee": 1}
    keys.sort(key=lambda k: (int(k[1].split("x")[0]), k[2], order.get(k[3], 9)))
    print("\n### %s\n" % title)
    print("| size | consumers | transport | producer CPU % | consumers CPU % (total) | total CPU % "
          "| CPU µs / consumer / frame: /proc (process clock) | context switches / frame: producer, per consumer | bytes copied / frame (producer) | pixel bytes copied (window) "
          "| latency p50 / p99 / max µs | frames pushed / expected | drops: producer / sink / evictions / consumer misses | starved consumers | other load on the machine, CPU % |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    totals = {}
    for k in keys:
        rows = groups[k]
        s = {x: agg(rows, x) for x in rows[0] if x != "ok"}
        ok = all(r["ok"] for r in rows)
        totals[(k[1], k[2], k[3])] = s["total_cpu"]
        print("| %s | %d | %s%s | %.1f | %.1f | %.1f | %.0f (%.0f) | %.1f, %.1f | %s | %s | %.0f / %.0f / %.0f | %.0f / %.0f | %d / %d / %d / %d | %d | %.0f |" % (
            k[1], k[2], k[3], "" if ok else " (ERRORS)", s["producer_cpu"], s["consumers_cpu"], s["total_cpu"],
            s["us_per_consumer_frame"], s["us_per_consumer_frame_clock"], s["csw_producer_frame"], s["csw_per_consumer_frame"], fmt_bytes(s["copied_per_frame"]), fmt_bytes(s["pixel_copied"]),
            s["p50"], s["p99"], s["max"], s["frames"], s["expected"],
            sum(r["producer_drops"] for r in rows), sum(r["sink_drops"] for r in rows),
            sum(r["evictions"] for r in rows), sum(r["missed"] for r in rows), sum(r["starved"] for r in rows), s["background"]))
    print()
    for (size, n, tr), v in sorted(totals.items(), key=lambda kv: (int(kv[0][0].split("x")[0]), kv[0][1])):
        if tr == "zerotee" and (size, n, "shm") in totals and totals[(size, n, "shm")] > 0:
            shm = totals[(size, n, "shm")]
            print("- %s, %d consumers: zerotee total CPU / shm total CPU = %.1f / %.1f = **%.2f**" % (
                size, n, v, shm, v / shm))

print("\n## framebus results (window %s s, latency window %s s, %d repeat%s; medians over repeats, drops summed)" % (
    window, lat_window, repeat, "" if repeat == 1 else "s"))
table("matrix", "CPU, copies, latency, drops")
table("latency", "Latency run: 4 consumers, 1920x1080 NV12 30 fps (pooled over all consumers' frames)")
if floors:
    print("- the machine's floor (zerotee-bench-wakefloor: 4 consumer processes, a 16-byte message out "
          "and a 28-byte answer back per frame, no frames, no GStreamer), medians over %d run%s: "
          "latency p50 / p99 / max **%.0f / %.0f / %.0f µs**" % (
              len(floors), "" if len(floors) == 1 else "s", med([f["p50_us"] for f in floors]),
              med([f["p99_us"] for f in floors]), med([f["max_us"] for f in floors])))
if sys.argv[7] == "1":
    print("- DAMON (kdamond) was paused for the latency run (--pause-damon)")
print("\n\"other load\": CPU the rest of the machine used during the window (/proc/stat busy minus the "
      "benchmark's processes), %% of one core, of %d%%. Load average at each window's start: " % (100 * int(sys.argv[5])) + ", ".join(
    "%s/%s/%d/%s %.2f" % (r["label"], r["size"], r["n"], r["transport"], r["load"]) for r in recs))
late = sum(1 for r in recs for c in ([r["producer"]] + r["consumers"]) if c and c.get("late_error"))
if late:
    print("\n%d process(es) reported an error after their window had ended (teardown; not counted)." % late)
def failed(r):
    p = r["producer"] or {}
    return (not r["alive"] or p.get("error") or len([c for c in r["consumers"] if c]) != r["n"]
            or any(c and c.get("error") for c in r["consumers"]))
bad = [r for r in recs if r["stderr"] and failed(r)]
if bad:
    print("\nstderr of runs with an error inside the window (last 300 chars, at most 3 processes per run):")
    for r in bad:
        items = sorted(r["stderr"].items())
        for name, text in items[:3]:
            print("- %s %s N=%d %s rep %d %s: %s" % (r["label"], r["size"], r["n"], r["transport"], r["rep"], name,
                                                    " ".join(text.split())[-300:]))
        if len(items) > 3:
            print("  (and %d more processes of that run)" % (len(items) - 3))
EOF
