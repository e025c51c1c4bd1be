"""Helpers for the checks that run inside the VM (tests/vm/checks/*): vivid, the supervisor and
its workers, consumers with GStreamer, and the evidence each check prints.

Everything the checks judge is a count, a sequence number, a memory type or pixel content; the
VM is emulated, so no timing means anything here."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

from zerotee_harness import Checks, connect_control, free_port, proc_fd_targets, wait_for  # noqa: F401

BUILD = os.environ.get("ZEROTEE_BUILD", "")
BIN = os.path.join(BUILD, "bin")
MODULES = os.environ.get("ZEROTEE_VM_MODULES", "/vmshare/modules")
DEVICE = "/dev/video0"
SKIP = 77
# Instrumented builds run several times slower, and under the VM's emulation on top of that: the
# checks' waits for the supervisor are multiplied by this (from the host, env.sh; 1 otherwise).
SCALE = float(os.environ.get("ZEROTEE_TIMEOUT_SCALE", "1") or 1)


def evidence(what):
    """A figure the check rests on, printed so that the CTest log shows it."""
    print("evidence " + what, flush=True)


def sh(*cmd, check=False, timeout=60):
    r = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout * SCALE)
    if check and r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
    return r


def v4l2(*args, device=DEVICE):
    return sh("v4l2-ctl", "-d", device, *args, check=True).stdout


def vivid_load(**options):
    """insmod vivid with module options (n_devs=1, one capture node, default inputs:
    0 webcam, 1 TV, 2 S-Video, 3 HDMI) and wait for its node."""
    opts = {"n_devs": 1, "node_types": "0x1"}
    opts.update(options)
    # A check that died before its unload (the VM is shared by the checks) leaves vivid in.
    if os.path.exists("/sys/module/vivid") and not vivid_unload():
        raise RuntimeError("vivid is still loaded and busy from an earlier check")
    sh("busybox", "insmod", os.path.join(MODULES, "vivid.ko"),
       *[f"{k}={v}" for k, v in opts.items()], check=True)
    if not wait_for(lambda: os.path.exists(DEVICE), 10):
        raise RuntimeError("vivid loaded but no " + DEVICE)


def vivid_unload(timeout=10):
    """delete_module(vivid) until it succeeds (nothing has the device open) or timeout s; cheap
    enough to poll at 100 Hz, so a short window between a close and a reopen is caught."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    deadline = time.monotonic() + timeout
    while os.path.exists("/sys/module/vivid"):
        if libc.syscall(176, b"vivid", os.O_NONBLOCK) == 0:  # SYS_delete_module on x86-64
            break
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def vivid_hdmi_720p30(osd=False):
    """Input 3 (HDMI) at 1280x720 30 fps, which offers NV12; OSD text off unless asked, so
    every frame of the test pattern has the same pixels."""
    v4l2("-i", "3")
    timings = v4l2("--list-dv-timings")
    index = None
    for block in timings.split("Index: ")[1:]:
        if ("Active width: 1280" in block and "Active height: 720" in block
                and "(30.00 frames per second)" in block and "progressive" in block):
            index = block.split()[0]
            break
    if index is None:
        raise RuntimeError("vivid lists no 1280x720p30 DV timing:\n" + timings)
    v4l2("--set-dv-bt-timings", f"index={index}")
    set_controls(osd_text_mode=0 if osd else 2)


def vivid_webcam(osd=False):
    """Input 0 (webcam): 640x360 at up to 30 fps in every format vivid has (NV12, YUYV, ...);
    small enough for emulation. OSD text off unless asked: every frame has the same pixels."""
    v4l2("-i", "0")
    set_controls(osd_text_mode=0 if osd else 2)


def frozen_consumers_config(name, **extra):
    """A configuration file for vivid's webcam at 640x360 NV12 30 fps whose leases last a minute,
    so that consumers frozen with SIGSTOP keep what they hold instead of being evicted."""
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), name + ".toml")
    keys = {"lease_timeout_ms": 60000, **extra}
    with open(path, "w") as f:
        f.write(f'[[camera]]\nname = "cam0"\nsource = "v4l2:{DEVICE}"\nsize = "640x360"\n'
                'fps = 30\nformat = "NV12"\n' + "".join(f"{k} = {v}\n" for k, v in keys.items()))
    return path


def set_controls(**controls):
    v4l2("-c", ",".join(f"{k}={v}" for k, v in controls.items()))


def dmabuf_fds(pid):
    return [t for t in proc_fd_targets(pid) if t.startswith("/dmabuf:")]


def dmabuf_maps(pid):
    """Mappings of DMABUFs: a consumer may map a buffer once and close its fd."""
    try:
        with open(f"/proc/{pid}/maps") as f:
            return [line for line in f if "/dmabuf:" in line]
    except OSError:
        return []


class Supervisor:
    """zerotee --headless in the background, with its control socket, HTTP port and log."""

    def __init__(self, *args, name="zerotee", http=True, env=None):
        self.dir = tempfile.mkdtemp(prefix=name + ".")
        self.control = os.path.join(self.dir, "control.sock")
        self.socket = os.path.join(self.dir, "cam0.sock")
        self.http_port = free_port()
        # Kept in the share: the log outlives a check that timed out.
        self.log_path = os.path.join(os.environ.get("ZEROTEE_VM_SHARE", self.dir), "results",
                                     f"{os.path.basename(sys.argv[0]).split('.')[0]}-{name}.log")
        if not os.path.isdir(os.path.dirname(self.log_path)):
            self.log_path = os.path.join(self.dir, "zerotee.log")
        self.log = open(self.log_path, "w")
        cmd = [os.path.join(BIN, "zerotee"), "--headless", "--control", self.control,
               "--socket", self.socket, "--state", os.path.join(self.dir, "workers.json"),
               *(["--http-port", str(self.http_port)] if http else ["--no-http"]), *args]
        print("$ " + " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))
        self.ctl = connect_control(self.control, timeout=60 * SCALE)
        if not self.ctl:
            self.stop()
            raise RuntimeError("the supervisor did not open its control socket:\n" + self.log_text())

    @property
    def pid(self):
        return self.proc.pid

    def status(self):
        return self.ctl(cmd="status")["result"]

    def camera(self):
        return self.status()["cameras"][0]

    def worker(self, name):
        for w in self.status()["workers"]:
            if w["name"] == name:
                return w
        return None

    def wait_capture(self, frames=10, timeout=90):
        return wait_for(lambda: self.camera()["state"] == "running" and
                        self.camera()["frames"] >= frames, timeout, step=0.5)

    def consumer(self, pid):
        """The bus's entry for the consumer process pid, or None."""
        for c in self.camera()["bus"]["consumers"]:
            if c["pid"] == pid:
                return c
        return None

    def events(self, type_=None):
        return [e for e in self.ctl(cmd="events", limit=500)["result"]
                if type_ is None or e.get("type") == type_]

    def http(self, path):
        # In Python, not curl: curl hangs with an ASan runtime preloaded (an ASan build's env.sh).
        url = f"http://127.0.0.1:{self.http_port}{path}"
        with urllib.request.urlopen(url, timeout=60 * SCALE) as answer:
            return answer.read().decode()

    def log_text(self):
        self.log.flush()
        return open(self.log_path, errors="replace").read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


class Background:
    """A process whose output is collected into a file, stopped on exit."""

    def __init__(self, cmd, env=None):
        fd, self.path = tempfile.mkstemp(prefix="proc.", suffix=".log")
        self.out = os.fdopen(fd, "w")
        print("$ " + " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, stdout=self.out, stderr=subprocess.STDOUT,
                                     env=dict(os.environ, **(env or {})))

    @property
    def pid(self):
        return self.proc.pid

    def text(self):
        self.out.flush()
        return open(self.path, errors="replace").read()

    def stop(self, sig=signal.SIGINT, timeout=30):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def kill_all(processes):
    """SIGKILL every Background in processes, frozen ones included (SIGCONT first)."""
    for p in processes:
        if p.proc.poll() is None:
            p.proc.send_signal(signal.SIGCONT)
        p.stop(signal.SIGKILL)


def monitor_totals(text):
    """The last JSON "total" line of zerotee-monitor --json."""
    total = None
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                js = json.loads(line)
            except ValueError:
                continue
            if js.get("type") == "total":
                total = js
    return total


def finish(check):
    if check.failures:
        print(f"{len(check.failures)} check(s) failed: " + "; ".join(check.failures), flush=True)
        return 1
    print(f"all {check.passed} checks passed", flush=True)
    return 0


def main_guard(fn):
    """Runs fn(), turning an unexpected exception into a failure with its message."""
    try:
        sys.exit(fn())
    except Exception as e:  # noqa: BLE001 - a check reports, it does not crash silently
        import traceback
        traceback.print_exc()
        print(f"FAIL {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
