#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (build-fuzz/) and runs each for SECONDS (default 60).
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]
#   targets: fuzz-protocol (wire protocol), fuzz-control-request (control socket/API),
#            fuzz-config-loader (TOML configuration and command line); default all.
# New interesting inputs collect in build-fuzz/corpus/NAME; seeds and past crash inputs live
# in tests/fuzz/corpus/NAME and are replayed first. A crash leaves its input in
# build-fuzz/crashes/NAME/ and makes this script fail: add that file to
# tests/fuzz/corpus/NAME (named regression-WHAT) together with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
[ $# -gt 0 ] && shift
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(fuzz-protocol fuzz-control-request fuzz-config-loader)
scripts/deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DZEROTEE_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"${JOBS:-2}" --target "${TARGETS[@]}"

export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/zerotee-xdg.XXXXXX)}
chmod 0700 "$XDG_RUNTIME_DIR"
export LSAN_OPTIONS=suppressions=$PWD/tests/sanitizers/lsan.supp:print_suppressions=0
# The suppressions match on full stacks: Debian's GLib has no frame pointers, so the fast
# unwinder stops inside it (a GLib constructor's allocation then shows as g_malloc alone).
export ASAN_OPTIONS=fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
# QProcess runs the worker's child setup in a vfork()ed child; a lazily bound symbol resolved
# there by the dynamic loader corrupts the parent's stack in this instrumented build. Binding
# everything at load avoids it (see docs/sanitizers-and-fuzzing.md).
export LD_BIND_NOW=1
failed=0
for target in "${TARGETS[@]}"; do
    corpus=${target#fuzz-}
    case "$corpus" in control-request) corpus=control ;; config-loader) corpus=config ;; esac
    mkdir -p "build-fuzz/corpus/$corpus" "build-fuzz/crashes/$corpus"
    echo "== $target: ${SECONDS_PER_TARGET}s"
    if ! "build-fuzz/tests/fuzz/$target" -max_total_time="$SECONDS_PER_TARGET" -max_len=20000 \
        -timeout=25 -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$corpus/" \
        "build-fuzz/corpus/$corpus" "tests/fuzz/corpus/$corpus" \
        >"build-fuzz/$target.log" 2>&1; then
        failed=1
        echo "$target FAILED; input in build-fuzz/crashes/$corpus/, log build-fuzz/$target.log"
    fi
    grep -E '^(#[0-9]+.*(DONE|pulse)|stat::number_of_executed_units|stat::peak_rss_mb)' \
        "build-fuzz/$target.log" | tail -n 3
    grep -E '^(==[0-9]+==ERROR|SUMMARY)' "build-fuzz/$target.log" || true
done
exit "$failed"
