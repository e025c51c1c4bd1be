#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60).
# Usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET=${1:-60}
scripts/deps.sh
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_COMPILER=clang \
    -DCMAKE_CXX_COMPILER=clang++ -DZEROTEE_FUZZ=ON >/dev/null
ninja -C build-fuzz -j"${JOBS:-2}" fuzz-protocol
mkdir -p build-fuzz/corpus/protocol
build-fuzz/tests/fuzz/fuzz-protocol -max_total_time="$SECONDS_PER_TARGET" -max_len=20000 \
    -print_final_stats=1 build-fuzz/corpus/protocol tests/fuzz/corpus/protocol 2>&1 | tail -n 12
