#!/bin/bash
# Bad flags: a clear message on stderr and exit status 2; --help: exit 0.
set -u
RECORDER=${RECORDER:?}
check() {
    local out rc
    out=$("$RECORDER" "$@" 2>&1 >/dev/null); rc=$?
    [ $rc = 2 ] || { echo "FAIL: '$*' exited $rc"; exit 1; }
    [ -n "$out" ] || { echo "FAIL: '$*' said nothing"; exit 1; }
    echo "ok: $* -> $(echo "$out" | head -1)"
}
check
check --dir /tmp/x
check --socket /tmp/s --dir /tmp/x --segment-seconds -5
check --socket /tmp/s --dir /tmp/x --container avi
check --socket /tmp/s --dir /tmp/x --mode sometimes
check --socket /tmp/s --dir /tmp/x --bogus
"$RECORDER" --help | grep -q -- --segment-seconds || { echo "FAIL: --help"; exit 1; }
echo PASS
