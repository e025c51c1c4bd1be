#!/usr/bin/env bash
# Builds zerotee and its Debian package (CPack DEB, see docs/packaging.md).
#
#   scripts/package.sh [--no-build] [--output DIR]
#
# Builds into $BUILD_DIR (default build/, configured like scripts/build.sh when new) with
# $JOBS jobs (default 2), then writes DIR/zerotee_<version>_<arch>.deb (default
# $BUILD_DIR/packages) and prints its path on the last line. --no-build packages what is built.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-2}
build=1
output=""
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) build=0 ;;
        --output) output=${2:?--output needs a directory}; shift ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "package.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
for tool in cpack dpkg-deb dpkg-shlibdeps; do
    command -v "$tool" >/dev/null || { echo "package.sh: '$tool' is missing (dpkg-dev, cmake)" >&2; exit 1; }
done

if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
    cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZEROTEE_WERROR=ON >/dev/null
fi
if [ "$build" = 1 ]; then
    cmake --build "$BUILD_DIR" -j"$JOBS"
fi
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)
output=${output:-$BUILD_DIR/packages}
mkdir -p "$output"
output=$(cd "$output" && pwd)

# cpack stages the install under <output>/_CPack_Packages; only the .deb is kept.
(cd "$BUILD_DIR" && cpack -G DEB -B "$output" >"$output/cpack.log" 2>&1) || {
    cat "$output/cpack.log" >&2
    echo "package.sh: cpack failed (log above)" >&2
    exit 1
}
rm -rf "$output/_CPack_Packages" "$output/cpack.log"
deb=$(ls -t "$output"/zerotee_*.deb | head -n1)
echo "$deb"
