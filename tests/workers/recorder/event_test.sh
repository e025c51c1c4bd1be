#!/bin/bash
# Event mode: a trigger at T gives a file from T - pre (within one GOP) to T + post; a second
# trigger during the event extends it; SIGUSR1 triggers too. Judged with ffprobe.
source "$(dirname "$0")/lib.sh"
PRE=3; POST=3; GOP=15   # 0.5 s GOP at 30 fps
setup
start_producer 640 360
mkfifo "$WORK/control"
exec 3<>"$WORK/control"
"$RECORDER" --socket "$SOCK" --dir "$WORK/rec" --mode event --pre-event-seconds $PRE \
    --post-event-seconds $POST --gop $GOP <"$WORK/control" >"$WORK/stats.jsonl" 2>"$WORK/recorder.log" &
REC=$!; PIDS+=($REC)
wait_for_line "$WORK/stats.jsonl" '"state":"armed"' 10 || fail "never armed"
sleep $((PRE + 2))
[ -z "$($CHECK files "$WORK/rec" 2>/dev/null)" ] || fail "files before any trigger"
T1=$(now)
echo '{"type":"trigger","label":"motion"}' >&3
sleep 2
T2=$(now)
echo '{"type":"trigger","label":"person"}' >&3   # extends the running event
sleep $((POST + 3))
grep -q '"state":"recording"' "$WORK/stats.jsonl" || fail "state never recording"
T3=$(now)
kill -USR1 $REC
sleep $((POST + 3))
kill -INT $REC; wait $REC || fail "recorder exit status $?"
$CHECK decode "$WORK/rec" || fail decode
MOTION=$(find "$WORK/rec" -name '*_motion.mkv'); SIGNAL=$(find "$WORK/rec" -name '*_signal.mkv')
[ -n "$MOTION" ] && [ -n "$SIGNAL" ] || fail "event files missing: $(find "$WORK/rec" -type f)"
[ "$($CHECK files "$WORK/rec" | wc -l)" = 2 ] || fail "expected 2 files: $($CHECK files "$WORK/rec")"
python3 - "$MOTION" "$T1" "$T2" "$SIGNAL" "$T3" <<PY || fail "event bounds"
import sys
sys.path.insert(0, "$HERE")
import recording_check as r
pre, post, gop = $PRE, $POST, $GOP / 30.0
ok = True
for path, trigger, last in ((sys.argv[1], float(sys.argv[2]), float(sys.argv[3])),
                            (sys.argv[4], float(sys.argv[5]), float(sys.argv[5]))):
    info = r.probe(path)
    named = r.name_time(path)
    # The file ends at last trigger + post (frames after it are not written), so its start is
    # end - duration; it must lie in [T - pre - 1 GOP, T - pre] (plus a frame of slack).
    start = last + post - info["duration"]
    early = (trigger - pre) - start
    print(f"{path.rsplit('/', 1)[1]}: name-trigger={named - trigger:+.3f} s "
          f"duration={info['duration']:.3f} s frames={info['frames']} "
          f"start=T-pre{-early:+.3f} s (allowed -{gop:.2f}..0)")
    ok &= abs(named - trigger) < 0.3
    ok &= -0.15 <= early <= gop + 0.15
sys.exit(0 if ok else 1)
PY
echo PASS
