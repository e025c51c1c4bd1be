#!/bin/bash
# Continuous recording: contiguous segments whose durations sum to the wall time (within 1 s)
# and that all decode. usage: continuous_test.sh [SECONDS=20] [SEGMENT=5] [WIDTH=640] [HEIGHT=360]
source "$(dirname "$0")/lib.sh"
DURATION=${1:-20}; SEGMENT=${2:-5}; W=${3:-640}; H=${4:-360}
setup
start_producer $W $H
"$RECORDER" --socket "$SOCK" --dir "$WORK/rec" --segment-seconds $SEGMENT --camera cam0 \
    </dev/null >"$WORK/stats.jsonl" 2>"$WORK/recorder.log" &
REC=$!; PIDS+=($REC)
STARTED=$(now)
wait_for_line "$WORK/stats.jsonl" '"state":"recording"' 10 || fail "never recording"
sleep $DURATION
STOP=$(now)
kill -INT $REC
wait $REC; rc=$?
[ $rc = 0 ] || fail "recorder exit status $rc"
FIRST=$($CHECK files "$WORK/rec" | head -1)
[ -n "$FIRST" ] || fail "no recordings"
[ -z "$(find "$WORK/rec" -name '*.part')" ] || fail ".part files left after a graceful stop"
FIRST_CAPTURE=$(python3 -c "import sys; sys.path.insert(0, '$HERE'); import recording_check as r; print(r.name_time('$FIRST'))")
echo "recorder started at $STARTED, first frame captured at $FIRST_CAPTURE, SIGINT at $STOP"
echo "closed-segment events: $(grep -c segment-closed "$WORK/stats.jsonl")"
tail -1 "$WORK/stats.jsonl"
$CHECK contiguity "$WORK/rec" "$FIRST_CAPTURE" "$STOP" || fail "contiguity"
$CHECK decode "$WORK/rec" || fail "decode"
N=$($CHECK files "$WORK/rec" | wc -l)
EXPECTED=$(python3 -c "import math; print(math.ceil(($STOP - $FIRST_CAPTURE) / $SEGMENT))")
[ "$N" -ge $((EXPECTED - 1)) ] && [ "$N" -le $((EXPECTED + 1)) ] || fail "$N segments, expected ~$EXPECTED"
echo PASS
