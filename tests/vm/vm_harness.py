#!/usr/bin/env python3
"""Boots Debian's own kernel under QEMU (TCG) with the host's root file system shared read-only
plus a tmpfs overlay, loads vivid (the kernel's virtual V4L2 capture driver) and runs the guest
check scripts inside; their logs and exit codes come back through a writable 9p share.

    vm_harness.py boot  --build BUILD_DIR --results DIR [--checks DIR]... [--only NAME]...
    vm_harness.py report --results DIR NAME

`boot` runs every check of every --checks directory (and of each directory in the
colon-separated $ZEROTEE_VM_CHECKS) in one boot and exits 0 when the VM ran them, 77 when QEMU
cannot start or no kernel package can be had, 1 when the boot itself failed. Whether each check
passed is what `report NAME` says (its log, then exit 0, 1 or 77): CTest runs one `report` per
check after the boot (docs/hardware-testing.md).

The kernel package is fetched with `apt-get download` into BUILD_DIR/vm/ once: the pinned
version the checks were written for, or the archive's current `linux-image-amd64` dependency
when the pinned one is gone. Nothing is installed on the host.
"""
import argparse
import glob
import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

# The kernel these checks were written and tried against.
PINNED_PACKAGE = "linux-image-6.1.0-57-amd64"
# The modules the guest needs, besides their dependencies (found from each .ko's depends=).
BOOT_MODULES = ["virtio_pci", "9pnet_virtio", "9p", "overlay"]
# vivid itself is loaded by the checks (with their own options) from the share; its
# dependencies are loaded at boot so that a plain insmod of vivid.ko works.
GUEST_MODULES = ["vivid"]
SKIP = 77
BOOT_TIMEOUT_S = 380
CHECK_TIMEOUT_S = 150  # one check's limit inside the VM (guest/run-checks.sh)
# Instrumented builds (scripts/sanitize.sh) are slower: the VM's time limit and the checks' waits
# grow by this.
TIMEOUT_SCALE = float(os.environ.get("ZEROTEE_TIMEOUT_SCALE", "1") or 1)


def log(message):
    print(f"vm: {message}", flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def current_package():
    r = run(["apt-cache", "depends", "linux-image-amd64"])
    m = re.search(r"Depends: (linux-image-[0-9][^\s]*-amd64)", r.stdout)
    return m.group(1) if m else None


def download(package, cache):
    """Path of package's .deb in cache, downloading it if needed; None when apt cannot."""
    found = glob.glob(os.path.join(cache, f"{package}_*.deb"))
    if found:
        return found[0]
    r = run(["apt-get", "download", package], cwd=cache, timeout=600)
    found = glob.glob(os.path.join(cache, f"{package}_*.deb"))
    if not found:
        log(f"apt-get download {package} failed: {(r.stderr or r.stdout).strip()[-300:]}")
        return None
    return found[0]


def modinfo_field(path, field):
    with open(path, "rb") as f:
        data = f.read()
    m = re.search(rb"(?:^|\0)" + field.encode() + rb"=([^\0]*)\0", data)
    return m.group(1).decode() if m else ""


def kernel_tree(cache):
    """Extracts vmlinuz and the needed modules of a kernel package into cache once.
    Returns (dir, package name) or (None, reason)."""
    tried = []
    for package in [PINNED_PACKAGE, current_package()]:
        if not package or package in tried:
            continue
        tried.append(package)
        tree = os.path.join(cache, package)
        if os.path.exists(os.path.join(tree, "complete")):
            return tree, package
        deb = download(package, cache)
        if not deb:
            continue
        log(f"extracting {os.path.basename(deb)}")
        scratch = tempfile.mkdtemp(prefix="deb.", dir=cache)
        try:
            r = run(["dpkg-deb", "-x", deb, scratch], timeout=600)
            if r.returncode != 0:
                log(f"dpkg-deb -x {deb}: {r.stderr.strip()}")
                continue
            vmlinuz = glob.glob(os.path.join(scratch, "boot", "vmlinuz-*"))
            if not vmlinuz:
                log(f"{deb} has no /boot/vmlinuz-*")
                continue
            modules = {}
            for ko in glob.glob(os.path.join(scratch, "lib", "modules", "*", "kernel", "**", "*.ko"),
                                recursive=True):
                modules[os.path.basename(ko)[:-3].replace("-", "_")] = ko
            order = []

            def need(name):
                name = name.replace("-", "_")
                if name in order or name not in modules:
                    return
                for dep in filter(None, modinfo_field(modules[name], "depends").split(",")):
                    need(dep)
                order.append(name)
            for name in BOOT_MODULES + GUEST_MODULES:
                if name not in modules:
                    log(f"{package} has no module {name} (built in, or missing)")
                need(name)
            if "vivid" not in order:
                log(f"{package} has no vivid module")
                continue
            shutil.rmtree(tree, ignore_errors=True)
            os.makedirs(os.path.join(tree, "modules"))
            shutil.copy(vmlinuz[0], os.path.join(tree, "vmlinuz"))
            for name in order:
                shutil.copy(modules[name], os.path.join(tree, "modules", name + ".ko"))
            with open(os.path.join(tree, "modules.order"), "w") as f:
                f.write("\n".join(order) + "\n")
            with open(os.path.join(tree, "complete"), "w") as f:
                f.write(package + "\n")
            return tree, package
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    return None, f"no kernel package could be had (tried {', '.join(tried) or 'none'})"


INIT = r"""#!/bin/busybox sh
/bin/busybox mkdir -p /bin /proc /sys /dev /lower /rw /newroot
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules.order); do
    [ "$m" = vivid ] && continue
    insmod /modules/$m.ko || echo "vm-init: insmod $m failed"
done
fail() { echo "vm-init: $*"; poweroff -f; }
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /lower || fail "mount hostroot"
mount -t tmpfs -o size=512m tmpfs /rw && mkdir -p /rw/upper /rw/work
mount -t overlay overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work /newroot || fail "mount overlay"
mkdir -p /newroot/vmshare
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 share /newroot/vmshare || fail "mount share"
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/tmp
mount -t tmpfs tmpfs /newroot/run
echo "vm-init: $(uname -r) up, running the checks"
chroot /newroot /bin/sh /vmshare/guest/run-checks.sh
echo $? > /newroot/vmshare/exit-code
sync
poweroff -f
"""


def build_initramfs(tree, work):
    root = os.path.join(work, "initramfs")
    os.makedirs(os.path.join(root, "bin"))
    shutil.copy("/bin/busybox" if os.path.exists("/bin/busybox") else shutil.which("busybox"),
                os.path.join(root, "bin", "busybox"))
    shutil.copytree(os.path.join(tree, "modules"), os.path.join(root, "modules"))
    shutil.copy(os.path.join(tree, "modules.order"), root)
    with open(os.path.join(root, "init"), "w") as f:
        f.write(INIT)
    os.chmod(os.path.join(root, "init"), 0o755)
    names = []
    for dirpath, dirnames, filenames in os.walk(root):
        for n in dirnames + filenames:
            names.append(os.path.relpath(os.path.join(dirpath, n), root))
    image = os.path.join(work, "initramfs.cpio.gz")
    busybox = os.path.join(root, "bin", "busybox")
    r = subprocess.run([busybox, "cpio", "-o", "-H", "newc"], cwd=root, input="\n".join(names).encode(),
                       capture_output=True)
    if r.returncode != 0:
        raise RuntimeError("cpio: " + r.stderr.decode())
    with gzip.open(image, "wb", compresslevel=1) as f:
        f.write(r.stdout)
    return image


def boot(args):
    qemu = shutil.which("qemu-system-x86_64")
    if not qemu or not (shutil.which("busybox") or os.path.exists("/bin/busybox")):
        log("SKIP: qemu-system-x86_64 or busybox is not installed (scripts/deps.sh installs them)")
        return SKIP
    build = os.path.abspath(args.build)
    cache = os.path.join(build, "vm")
    os.makedirs(cache, exist_ok=True)
    tree, package = kernel_tree(cache)
    if not tree:
        log("SKIP: " + package)
        return SKIP
    note = "" if package == PINNED_PACKAGE else f" (the pinned {PINNED_PACKAGE} is gone from the archive)"
    log(f"kernel: {package}{note}")

    results = os.path.abspath(args.results)
    shutil.rmtree(results, ignore_errors=True)
    os.makedirs(os.path.join(results, "results"))
    shutil.copytree(os.path.join(tree, "modules"), os.path.join(results, "modules"))
    here = os.path.dirname(os.path.abspath(__file__))
    shutil.copytree(os.path.join(here, "guest"), os.path.join(results, "guest"))
    # Checks are copied into the share so that the guest sees exactly this list.
    dirs = [os.path.abspath(d) for d in args.checks]
    dirs += [d for d in os.environ.get("ZEROTEE_VM_CHECKS", "").split(":") if d]
    checks = os.path.join(results, "checks")
    os.makedirs(checks)
    listed = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*"))):
            name = os.path.basename(path)
            if not os.access(path, os.X_OK) or os.path.isdir(path):
                continue
            if args.only and os.path.splitext(name)[0] not in args.only:
                continue
            shutil.copy(path, os.path.join(checks, name))
            listed.append(name)
    with open(os.path.join(results, "env.sh"), "w") as f:
        f.write(f"export ZEROTEE_BUILD={build}\nexport ZEROTEE_SOURCE={os.path.dirname(os.path.dirname(here))}\n"
                f"export ZEROTEE_VM_KERNEL={package}\n")
        runtime = os.environ.get("ZEROTEE_ASAN_RUNTIME")  # set by CMake for an ASan build
        if runtime:
            # An ASan build (scripts/sanitize.sh): the guest's uninstrumented programs (python3,
            # gst-launch-1.0) load instrumented libraries and plugins, which needs the runtime
            # first; their own exit-time leaks are not this project's (the host suite checks
            # leaks).
            f.write(f"export LD_PRELOAD={runtime}\nexport ASAN_OPTIONS=detect_leaks=0\n")
        f.write(f"export ZEROTEE_TIMEOUT_SCALE={TIMEOUT_SCALE:g}\n")
        if TIMEOUT_SCALE != 1:
            f.write(f"export ZEROTEE_VM_CHECK_TIMEOUT={int(CHECK_TIMEOUT_S * TIMEOUT_SCALE)}\n")
    log(f"checks: {' '.join(listed) or 'none'}")

    # The host's plugin registry, so the guest does not rescan every plugin under emulation.
    registry = os.path.join(build, "tests", "gst-registry.bin")
    env = dict(os.environ, GST_REGISTRY_1_0=registry, GST_PLUGIN_PATH_1_0=os.path.join(build, "gst"))
    subprocess.run(["gst-inspect-1.0", "zeroteesink"], env=env, capture_output=True)

    work = tempfile.mkdtemp(prefix="zerotee-vm.")
    try:
        initramfs = build_initramfs(tree, work)
        cmd = [qemu, "-accel", "tcg", "-cpu", "max", "-smp", "1", "-m", "1024", "-nographic",
               "-no-reboot", "-kernel", os.path.join(tree, "vmlinuz"), "-initrd", initramfs,
               "-append", "console=ttyS0 panic=-1 quiet loglevel=4",
               "-virtfs", "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
               "-virtfs", f"local,path={results},mount_tag=share,security_model=none,multidevs=remap"]
        started = time.monotonic()
        console = open(os.path.join(results, "console.log"), "w")
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, errors="replace")
        except OSError as e:
            log(f"SKIP: QEMU cannot start: {e}")
            return SKIP
        deadline = started + args.timeout
        for line in proc.stdout:
            console.write(line)
            line = line.rstrip("\r\n")
            if line:
                print("  | " + line, flush=True)
            if time.monotonic() > deadline:
                break
        try:
            proc.wait(timeout=max(1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            log(f"FAIL: the VM did not finish within {args.timeout} s")
            return 1
        console.close()
        elapsed = time.monotonic() - started
        code_file = os.path.join(results, "exit-code")
        if not os.path.exists(code_file):
            text = open(os.path.join(results, "console.log")).read()
            if proc.returncode != 0 and "vm-init" not in text and "Linux version" not in text:
                log(f"SKIP: QEMU cannot start (exit {proc.returncode})")
                return SKIP
            log(f"FAIL: the guest wrote no exit code (QEMU exit {proc.returncode})")
            return 1
        log(f"boot and checks took {elapsed:.0f} s; guest exit code {open(code_file).read().strip()}")
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


def report(args):
    results = os.path.join(os.path.abspath(args.results), "results")
    if not os.path.isdir(results) or os.path.exists(os.path.join(args.results, "skipped")):
        print(f"vm: SKIP: no VM boot results in {args.results} (QEMU or the kernel was not available)")
        return SKIP
    log_path = os.path.join(results, args.name + ".log")
    rc_path = os.path.join(results, args.name + ".rc")
    if os.path.exists(log_path):
        sys.stdout.write(open(log_path, errors="replace").read())
    if not os.path.exists(rc_path):
        print(f"vm: FAIL: check {args.name} did not finish in the VM (see {args.results}/console.log)")
        return 1
    rc = int(open(rc_path).read().strip() or 1)
    print(f"vm: check {args.name} exit {rc}")
    return rc if rc in (0, SKIP) else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("boot")
    b.add_argument("--build", required=True)
    b.add_argument("--results", required=True)
    b.add_argument("--checks", action="append", default=[])
    b.add_argument("--only", action="append", default=[])
    b.add_argument("--timeout", type=int, default=int(BOOT_TIMEOUT_S * TIMEOUT_SCALE))
    r = sub.add_parser("report")
    r.add_argument("--results", required=True)
    r.add_argument("name")
    args = p.parse_args()
    if args.command == "boot":
        rc = boot(args)
        if rc == SKIP:
            os.makedirs(args.results, exist_ok=True)
            open(os.path.join(args.results, "skipped"), "w").close()
        return rc
    return report(args)


if __name__ == "__main__":
    sys.exit(main())
