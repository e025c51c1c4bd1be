"""Shared helpers for judging a running zerotee from outside: the control socket, /proc figures
of a process, polling, free ports, and a pass/fail tally. Used by supervisor_system_test.py and
bench/chaos."""
import json
import os
import shutil
import signal
import socket
import subprocess
import time


class Checks:
    """Prints "ok"/"FAIL" per check and keeps the failures for the exit code."""

    def __init__(self):
        self.failures = []
        self.passed = 0

    def __call__(self, condition, what):
        print(("ok   " if condition else "FAIL ") + what, flush=True)
        if condition:
            self.passed += 1
        else:
            self.failures.append(what)
        return condition

    def finish(self, tmp, log_path=None):
        """Prints the tally; on success removes tmp, on failure keeps it (and prints the end of
        log_path). Returns the exit code."""
        if self.failures:
            print(f"\n{len(self.failures)} check(s) failed (files in {tmp}):")
            for f in self.failures:
                print("  " + f)
            if log_path:
                with open(log_path, errors="replace") as f:
                    print(f.read()[-3000:])
            return 1
        shutil.rmtree(tmp, ignore_errors=True)
        print(f"\nall {self.passed} checks passed")
        return 0


# Instrumented builds (scripts/sanitize.sh sets the scale) run several times slower: the
# harnesses multiply their waits by this (1 in the normal build).
TIMEOUT_SCALE = float(os.environ.get("ZEROTEE_TIMEOUT_SCALE", "1") or 1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Control:
    """A client of the control socket: one JSON request per line."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.file = self.sock.makefile("rwb")

    def __call__(self, **request):
        self.file.write(json.dumps(request).encode() + b"\n")
        self.file.flush()
        line = self.file.readline()
        if not line:
            raise ConnectionError("the supervisor closed the control socket")
        return json.loads(line)

    def close(self):
        self.sock.close()


def connect_control(path, timeout=10):
    """A Control once the socket accepts, or None after timeout seconds."""
    def attempt():
        try:
            return os.path.exists(path) and Control(path)
        except OSError:
            return None
    return wait_for(attempt, timeout)


def wait_for(predicate, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def proc_fd_targets(pid):
    out = []
    for n in os.listdir(f"/proc/{pid}/fd"):
        try:
            out.append(os.readlink(f"/proc/{pid}/fd/{n}"))
        except OSError:
            pass  # closed while we looked
    return sorted(out)


def count_fds(targets):
    """Descriptors of a proc_fd_targets list other than the capture pool's memfds (the pool
    grows to its configured size as consumers hold frames; that is bounded, not a leak).
    Returns (others, memfds)."""
    memfds = sum(1 for t in targets if t.startswith("/memfd:"))
    return len(targets) - memfds, memfds


def proc_fds(pid):
    """count_fds of pid's descriptors now."""
    return count_fds(proc_fd_targets(pid))


def proc_rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def under_asan(pid):
    """Whether pid runs with AddressSanitizer, whose quarantine keeps freed memory resident: its
    RSS grows without a leak (LeakSanitizer checks leaks at its exit instead)."""
    with open(f"/proc/{pid}/maps") as f:
        return any("libasan.so" in line for line in f)


def proc_threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return 0


def proc_children(pid):
    """(pid, state letter) of every direct child of pid."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append((int(entry), fields[0]))
            except OSError:
                pass
    return out


def proc_state(pid):
    """The state letter of pid (R, S, T, Z...), or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


def worker(status, name):
    for w in status["workers"]:
        if w["name"] == name:
            return w
    return None


def decode_errors(path, timeout=120):
    """Decodes a recording to the end with ffmpeg; returns None when it plays cleanly, else
    what ffmpeg said (or the exit code)."""
    try:
        r = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"],
                           capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"ffmpeg did not finish within {timeout} s"
    if r.returncode != 0 or r.stderr.strip():
        return f"exit {r.returncode}: " + " | ".join(r.stderr.strip().splitlines()[:3])
    return None


def ffprobe_video(target, extra=()):
    """(codec, width, height) of the first video stream of a file or URL, as ffprobe reads it,
    or None. extra: ffprobe options before the input (e.g. -rtsp_transport tcp)."""
    try:
        r = subprocess.run(["ffprobe", "-v", "error", *extra, "-select_streams", "v:0",
                            "-show_entries", "stream=codec_name,width,height", "-of", "json",
                            target], capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return None
    streams = json.loads(r.stdout or "{}").get("streams", [])
    if r.returncode != 0 or not streams:
        return None
    return streams[0].get("codec_name"), streams[0].get("width"), streams[0].get("height")


def terminate(proc, timeout=30):
    """SIGTERM (a service's orderly stop), SIGKILL after timeout seconds; the exit code."""
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()
