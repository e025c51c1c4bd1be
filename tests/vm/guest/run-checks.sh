#!/bin/sh
# Runs inside the VM, chrooted into the host's root (read-only 9p + tmpfs overlay). Runs every
# executable in /vmshare/checks one after the other; each one's output goes to
# /vmshare/results/NAME.log and its exit code to NAME.rc (NAME: file name without extension).
# The exit code of this script is the number of checks that failed.
. /vmshare/env.sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
export XDG_RUNTIME_DIR=/tmp/xdg && mkdir -p -m 0700 $XDG_RUNTIME_DIR
export ZEROTEE_VM_SHARE=/vmshare ZEROTEE_VM_MODULES=/vmshare/modules
export PYTHONPATH=/vmshare/guest:$ZEROTEE_SOURCE/tests/system
# The host's registry (regenerated there before the boot): only plugins whose devices differ,
# like v4l2, are rescanned under emulation.
cp "$ZEROTEE_BUILD/tests/gst-registry.bin" /tmp/gst-registry.bin 2>/dev/null
export GST_REGISTRY_1_0=/tmp/gst-registry.bin GST_PLUGIN_PATH_1_0=$ZEROTEE_BUILD/gst
export GST_PLUGIN_PATH=$ZEROTEE_BUILD/gst GST_DEBUG_NO_COLOR=1
ip link set lo up 2>/dev/null || busybox ip link set lo up
failed=0
for check in /vmshare/checks/*; do
    [ -x "$check" ] || continue
    name=$(basename "$check"); name=${name%.*}
    echo "=== check $name"
    start=$(date +%s)
    timeout -k 5 ${ZEROTEE_VM_CHECK_TIMEOUT:-150} "$check" > /vmshare/results/$name.log 2>&1
    rc=$?
    echo $rc > /vmshare/results/$name.rc
    grep -E '^(ok|FAIL|SKIP|evidence)' /vmshare/results/$name.log | sed 's/^/    /'
    echo "=== check $name: exit $rc ($(( $(date +%s) - start )) s)"
    [ $rc -eq 0 ] || [ $rc -eq 77 ] || failed=$((failed + 1))
    # Checks stop the processes they started; the next one starts with vivid unloaded.
    for i in 1 2 3 4 5 6 7 8 9 10; do
        [ -d /sys/module/vivid ] || break
        busybox rmmod vivid 2>/dev/null || sleep 1
    done
done
sync
exit $failed
