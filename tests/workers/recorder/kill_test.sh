#!/bin/bash
# kill -9 mid-segment COUNT times in a row. Every file must pass ffprobe and decode cleanly, and
# each kill may lose at most MAX_LOSS seconds (kill time minus the end of the file it cut).
# usage: kill_test.sh [COUNT=5] [WIDTH=640] [HEIGHT=360] [SEGMENT=3]   (KEEP=1 keeps the files)
source "$(dirname "$0")/lib.sh"
COUNT=${1:-5}; W=${2:-640}; H=${3:-360}; SEGMENT=${4:-3}; MAX_LOSS=${MAX_LOSS:-2.0}
setup
start_producer $W $H
: >"$WORK/kills"
for i in $(seq $COUNT); do
    "$RECORDER" --socket "$SOCK" --dir "$WORK/rec" --segment-seconds $SEGMENT \
        </dev/null >"$WORK/stats-$i.jsonl" 2>"$WORK/recorder-$i.log" &
    REC=$!
    wait_for_line "$WORK/stats-$i.jsonl" '"state":"recording"' 10 || fail "run $i never recording"
    # Somewhere inside a segment, not on a boundary.
    sleep "$(python3 -c "import random; print(round(random.uniform(1.0, 2.5 * $SEGMENT) + 0.2, 2))")"
    PART=$(find "$WORK/rec" -name '*.part' | sort | tail -1)
    KILLED=$(now)
    kill -KILL $REC
    wait $REC 2>/dev/null
    [ -n "$PART" ] || fail "run $i: no file in progress at the kill"
    echo "${PART%.part} $KILLED" >>"$WORK/kills"
done
# One more start recovers the last leftovers; stop it at once.
"$RECORDER" --socket "$SOCK" --dir "$WORK/rec" </dev/null >"$WORK/stats-final.jsonl" 2>"$WORK/recorder-final.log" &
REC=$!
wait_for_line "$WORK/stats-final.jsonl" '"type":"stats"' 10
kill -INT $REC; wait $REC
grep -c segment-recovered "$WORK"/stats-*.jsonl | awk -F: '{s+=$2} END {print "recovered at start: " s}'
$CHECK decode "$WORK/rec" || fail "a file does not decode"
WORST=0
while read -r FILE KILLED; do
    [ -f "$FILE" ] || fail "$FILE (cut by a kill) is missing"
    LOSS=$($CHECK loss "$FILE" "$KILLED") || fail "$FILE unreadable"
    echo "kill at $KILLED: $(basename "$FILE") lost $LOSS s"
    WORST=$(python3 -c "print(max($WORST, $LOSS))")
done <"$WORK/kills"
echo "kills=$COUNT worst_loss=$WORST s files=$($CHECK files "$WORK/rec" | wc -l)"
python3 -c "import sys; sys.exit(0 if $WORST <= $MAX_LOSS else 1)" || fail "lost more than $MAX_LOSS s"
echo PASS
