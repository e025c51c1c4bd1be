#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (CTest), then a short fuzzing run of
# every libFuzzer target (10 s each). Usage: scripts/test.sh [ctest args...]
#   SANITIZE=1 scripts/test.sh   builds into build-sanitize/ with ASan+UBSan and runs the suite
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/zerotee-xdg.XXXXXX)}
chmod 0700 "$XDG_RUNTIME_DIR"

if [ "${SANITIZE:-0}" = 1 ]; then
    BUILD_DIR=build-sanitize BUILD_TYPE=Debug scripts/build.sh -DZEROTEE_SANITIZE=ON
    export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    BUILD_DIR=build-sanitize
else
    scripts/build.sh
    BUILD_DIR=build
fi

# Tests start real processes and measure frame rates: run them one at a time on 2 cores.
ctest --test-dir "$BUILD_DIR" --output-on-failure --timeout 120 "$@"

if [ "${SANITIZE:-0}" != 1 ] && [ "${SKIP_FUZZ:-0}" != 1 ]; then
    scripts/fuzz.sh 10
fi
