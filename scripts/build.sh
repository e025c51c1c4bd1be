#!/usr/bin/env bash
# Configures and builds zerotee into build/ (or $BUILD_DIR). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
scripts/deps.sh
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
    -DZEROTEE_WERROR=ON "$@" >/dev/null
ninja -C "$BUILD_DIR" -j"$JOBS"
