#!/usr/bin/env bash
# Builds zerotee with sanitizers and runs tests under them.
# Usage: scripts/sanitize.sh [asan|tsan] [ctest args...]
#   asan (default)  ASan + UBSan, build-asan/, the whole CTest suite
#   tsan            ThreadSanitizer, build-tsan/, the transport and supervisor tests
# Suppressions (third-party internals only, each entry explained) are in tests/sanitizers/.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-asan}
[ $# -gt 0 ] && shift
JOBS=${JOBS:-2}
SUPP=$PWD/tests/sanitizers
GENERATOR_ARGS=(-G Ninja)
export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$(mktemp -d /tmp/zerotee-xdg.XXXXXX)}
chmod 0700 "$XDG_RUNTIME_DIR"
# GStreamer's registry scan forks a helper per plugin file; under a sanitizer that child
# inherits the instrumented process, so scan in-process instead.
export GST_REGISTRY_FORK=no

# -O1 keeps instrumented code fast enough for the frame-rate tests. No -Werror: GCC's flow
# warnings (-Wmaybe-uninitialized) misfire on instrumented libstdc++ code; the normal build
# (build/, -Werror) is where warnings are judged.
COMMON_ARGS=(-DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-g -O1"
    -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" -DZEROTEE_WERROR=OFF)

case "$MODE" in
asan)
    BUILD_DIR=build-asan
    cmake -S . -B "$BUILD_DIR" "${GENERATOR_ARGS[@]}" "${COMMON_ARGS[@]}" \
        -DZEROTEE_SANITIZE=ON -DZEROTEE_TSAN=OFF >/dev/null
    cmake --build "$BUILD_DIR" -j"$JOBS"
    # fast_unwind_on_malloc=0: full allocation stacks (GLib has no frame pointers), which the
    # suppressions need to match. intercept_tls_get_addr=0: GCC 12's runtime mistakes some
    # dynamic TLS blocks (glibc >= 2.25) for old-glibc ones and LeakSanitizer's tracer then
    # crashes at exit ("Tracer caught signal 11", google/sanitizers#1322; seen in zerotee-rtsp
    # after TLS sessions); LSan then does not scan dlopen()ed libraries' TLS.
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_init_order=1:detect_stack_use_after_return=1:fast_unwind_on_malloc=0:intercept_tls_get_addr=0
    export LSAN_OPTIONS=suppressions=$SUPP/lsan.supp:print_suppressions=0
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$SUPP/ubsan.supp
    # Instrumented code is several times slower: the test harnesses multiply their waits for a
    # process to come up by this (1 when unset, the normal build).
    export ZEROTEE_TIMEOUT_SCALE=3
    # Mesa's llvmpipe registers its JIT code's unwind tables; GCC 12's unwinder then calls
    # malloc with its lock held, and the full unwinding above (fast_unwind_on_malloc=0)
    # re-enters it: the GL tests (panel, screenshots) deadlock. softpipe does not JIT.
    export GALLIUM_DRIVER=softpipe
    # Tests run the instrumented zeroteesink/zeroteesrc inside the system's (uninstrumented)
    # gst-launch-1.0, which can only load them with the ASan runtime preloaded. A wrapper
    # first in PATH does that for gst-launch-1.0 alone; the host's own exit-time leaks are
    # GStreamer's, not ours, so leak checking is off in that one process.
    HOSTS=$BUILD_DIR/sanitizer-hosts
    mkdir -p "$HOSTS"
    REAL_GST_LAUNCH=$(command -v gst-launch-1.0)
    ASAN_RUNTIME=$(${CC:-cc} -print-file-name=libasan.so)
    UBSAN_RUNTIME=$(${CC:-cc} -print-file-name=libubsan.so)
    cat >"$HOSTS/gst-launch-1.0" <<WRAPPER
#!/bin/sh
LD_PRELOAD="$ASAN_RUNTIME $UBSAN_RUNTIME\${LD_PRELOAD:+ \$LD_PRELOAD}" \\
ASAN_OPTIONS="\$ASAN_OPTIONS:detect_leaks=0" exec "$REAL_GST_LAUNCH" "\$@"
WRAPPER
    chmod +x "$HOSTS/gst-launch-1.0"
    export PATH=$PWD/$HOSTS:$PATH
    ctest --test-dir "$BUILD_DIR" --output-on-failure "$@"
    ;;
tsan)
    BUILD_DIR=build-tsan
    cmake -S . -B "$BUILD_DIR" "${GENERATOR_ARGS[@]}" "${COMMON_ARGS[@]}" \
        -DZEROTEE_TSAN=ON -DZEROTEE_SANITIZE=OFF >/dev/null
    TARGETS=$(ctest --test-dir "$BUILD_DIR" -N -R '^(transport|supervisor)-' |
        sed -n 's/^ *Test *#[0-9]*: //p')
    cmake --build "$BUILD_DIR" -j"$JOBS" --target stub-worker $TARGETS
    export TSAN_OPTIONS=suppressions=$SUPP/tsan.supp:halt_on_error=1:second_deadlock_stack=1
    ctest --test-dir "$BUILD_DIR" --output-on-failure -R '^(transport|supervisor)-' "$@"
    ;;
*)
    echo "usage: scripts/sanitize.sh [asan|tsan] [ctest args...]" >&2
    exit 2
    ;;
esac
