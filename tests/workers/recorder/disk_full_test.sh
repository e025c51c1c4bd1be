#!/bin/bash
# Storage fills up mid-recording, twice: slowly (free space under the stop threshold) and all
# at once (a write fails with ENOSPC). Each time: state "disk-full", the bus keeps serving another
# consumer, nothing crashes, and recording resumes by itself once space is back.
# Needs a small file system: mounts a 48 MB tmpfs (root); exits 77 (skip) where it cannot.
source "$(dirname "$0")/lib.sh"
setup
mkdir "$WORK/disk"
mount -t tmpfs -o size=48m tmpfs "$WORK/disk" 2>/dev/null || { echo "SKIP: cannot mount a tmpfs"; exit 77; }
UNMOUNT=$WORK/disk
start_producer 640 360
"$RECORDER" --socket "$SOCK" --dir "$WORK/disk/rec" --segment-seconds 2 --bitrate 8000 \
    </dev/null >"$WORK/stats.jsonl" 2>"$WORK/recorder.log" &
REC=$!; PIDS+=($REC)
wait_for_line "$WORK/stats.jsonl" '"state":"recording"' 10 || fail "never recording"
sleep 3
bus_ok() { # another consumer still gets 60 frames within 5 s
    timeout 5 gst-launch-1.0 -q zeroteesrc socket-path="$SOCK" num-buffers=60 ! fakesink >/dev/null 2>&1
}
# 1) Slowly: leave ~10 MB free (under the 16 MB threshold).
FREE=$(df -B1 --output=avail "$WORK/disk" | tail -1)
fallocate -l $((FREE - 10 * 1024 * 1024)) "$WORK/disk/filler" || dd if=/dev/zero of="$WORK/disk/filler" bs=1M count=$(( (FREE >> 20) - 10 )) 2>/dev/null
wait_for_line "$WORK/stats.jsonl" '"state":"disk-full"' 5 || fail "no disk-full state (slow fill)"
bus_ok || fail "the bus did not serve another consumer while the disk was full"
kill -0 $REC || fail "recorder died"
N1=$(grep -c segment-closed "$WORK/stats.jsonl")
rm "$WORK/disk/filler"
: >"$WORK/stats.jsonl.mark"; LINES=$(wc -l <"$WORK/stats.jsonl")
sleep 4
tail -n +$LINES "$WORK/stats.jsonl" | grep -q '"state":"recording"' || fail "did not resume (slow fill)"
sleep 3
# 2) All at once: fill the disk to the last byte; the next write fails with ENOSPC.
dd if=/dev/zero of="$WORK/disk/filler" bs=1M 2>/dev/null
LINES=$(wc -l <"$WORK/stats.jsonl")
sleep 3
tail -n +$LINES "$WORK/stats.jsonl" | grep -q '"state":"disk-full"' || fail "no disk-full state (sudden fill)"
bus_ok || fail "the bus did not serve another consumer after ENOSPC"
kill -0 $REC || fail "recorder died after ENOSPC"
rm "$WORK/disk/filler"
LINES=$(wc -l <"$WORK/stats.jsonl")
sleep 5
tail -n +$LINES "$WORK/stats.jsonl" | grep -q '"state":"recording"' || fail "did not resume (sudden fill)"
sleep 3
kill -INT $REC; wait $REC || fail "recorder exit status $?"
grep -o '"last_error":"[^"]*"' "$WORK/stats.jsonl" | sort -u
grep -o '"drops":[0-9]*' "$WORK/stats.jsonl" | tail -1
$CHECK decode "$WORK/disk/rec" || fail "a file does not decode"
echo "segments closed: $(grep -c segment-closed "$WORK/stats.jsonl") (before the first fill: $N1)"
echo PASS
