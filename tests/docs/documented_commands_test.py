#!/usr/bin/env python3
"""Issue 17: every command line in README.md and docs/quickstart.md is run as written, so the
documentation cannot drift from the programs.

usage: documented_commands_test.py SOURCE_DIR BUILD_DIR

The commands are read from the fenced `sh`/`console` blocks of both pages (`$ ` lines in console
blocks; `\\` continuations joined; trailing `# comments` dropped) and run with bash, in document
order, from a directory whose `build` is BUILD_DIR and whose `scripts` is the source's. Every
command must match one rule of RULES below, which says how it runs or why it cannot run here; a
documented command no rule knows fails the test.

The only substitutions (SUBSTITUTIONS, applied to the text of each command):
  - a camera device (v4l2:/dev/videoN) → the test source (`test`);
  - system and home paths (/var/lib/zerotee/rec, ~/zerotee-rec, /tmp/…) → a temporary directory;
  - ports → free loopback ports: 8554 → RTSP, 8080 → HTTP; a `zerotee` line that names no port
    gets `--http-port` (and `--rtsp-port` when it has `--rtsp`) with them;
  - `autovideosink` → `fakesink` (no display is needed to show the effect);
  - $XDG_RUNTIME_DIR is a private temporary directory (the environment, not the text);
  - `scripts/run.sh` runs the build under test as it is (SKIP_BUILD=1 BUILD_DIR=…) with the
    temporary recordings folder and the free ports (its documented variables).
Long-running commands start in the background and count once they showed their effect (a
socket, a running capture, a printed line); they are stopped with SIGINT (Ctrl-C, as the pages
say) at the end of their block ("block") or of the page ("page"), and must then exit cleanly.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))
from zerotee_harness import TIMEOUT_SCALE as SCALE, free_port  # noqa: E402

SOURCE = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2])
PAGES = ["README.md", "docs/quickstart.md"]

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


# --- reading the pages -------------------------------------------------------------------------

def strip_comment(line):
    """The line without a trailing `# comment` (a # after a blank, outside quotes)."""
    quote = None
    for i, c in enumerate(line):
        if quote:
            if c == quote:
                quote = None
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def commands_of(page_text):
    """[(block number, command)] of every sh/console block, in order."""
    out = []
    blocks = re.findall(r"^```(sh|console|bash)\n(.*?)^```", page_text, re.M | re.S)
    for number, (kind, body) in enumerate(blocks):
        pending = None
        for raw in body.splitlines():
            if pending is not None:
                line = raw.strip()
            elif kind == "console":
                if not raw.startswith("$ "):
                    continue
                line = raw[2:]
            else:
                line = raw
            line = strip_comment(line)
            if pending is not None:
                line = pending + " " + line.strip()
            if line.endswith("\\"):
                pending = line[:-1].rstrip()
                continue
            pending = None
            if line.strip():
                out.append((number, line.strip()))
    return out


# --- how each command runs ---------------------------------------------------------------------
# (pattern, how, detail): how is "run" (to the end, exit 0; detail: regex its output must match),
# "block"/"page" (in the background until detail(ctx, output) is true, stopped at the end of
# the block/page), or "skip" (detail: why it cannot run in a test).

def capture_running(ctx, _output):
    try:
        r = subprocess.run(["bash", "-c", "build/bin/zeroteectl status"], cwd=ctx.cwd, env=ctx.env,
                           capture_output=True, text=True, timeout=10 * SCALE)
    except subprocess.TimeoutExpired:
        return False  # a supervisor still starting (its window's first frames): asked again
    return r.returncode == 0 and re.search(r", running, [1-9]", r.stdout)


def socket_exists(path):
    return lambda ctx, _output: os.path.exists(ctx.substitute(path))


def printed(regex):
    return lambda _ctx, output: re.search(regex, output, re.M)


RULES = [
    # README "Two commands"
    (r"^scripts/run\.sh$", "block",
     printed(r"(?s)zerotee is running.*RTSP +rtsp://.*recordings +/.*events --follow.*"
             r"HTTP API +http://.*panel +PANEL=1")),
    (r"^scripts/test\.sh$", "skip", "it is what runs this test (CI: .ci/run)"),
    # README "Use it"
    (r"^build/bin/zerotee --headless ", "block", capture_running),
    (r"^(build/bin/)?zeroteectl status$", "run", r"camera cam0: .*running"),
    (r"^(build/bin/)?zeroteectl add custom ", "run", r"^add: ok"),
    (r"^(build/bin/)?zeroteectl events --follow$", "block", printed(r"\S")),
    (r"^curl -s http://127\.0\.0\.1:\d+/api/status; curl -s http://127\.0\.0\.1:\d+/metrics$",
     "run", r'(?s)"cameras".*zerotee_'),
    (r"^curl -s http://127\.0\.0\.1:\d+/api/status$", "run", r'"cameras"'),
    (r"^curl -s http://127\.0\.0\.1:\d+/metrics$", "run", r"zerotee_"),
    # README "Any GStreamer pipeline"
    (r"^export GST_PLUGIN_PATH=\$PWD/build/gst$", "run", None),
    (r"^gst-launch-1\.0 videotestsrc .*zeroteesink socket-path=", "block",
     socket_exists("/tmp/cam.sock")),
    (r"^gst-launch-1\.0 zeroteesrc socket-path=\S+ ! videoconvert ! (fakesink|autovideosink)$",
     "block", printed(r"Setting pipeline to PLAYING")),
    (r"^build/bin/zerotee-monitor --socket \S+$", "block", printed(r"fps")),
    # README "Operator panel"
    (r"^build/bin/zerotee --source test .*--window ", "block", capture_running),
    # quickstart 1
    (r"^git clone ", "skip", "fetches the sources: the test runs in them"),
    (r"^sudo scripts/deps\.sh$", "skip", "installs packages as root (CI runs it before the build)"),
    (r"^cmake -S \. -B build ", "skip", "configures the build under test"),
    (r"^cmake --build build$", "skip", "builds the build under test"),
    (r"^export PATH=\$PWD/build/bin:\$PATH$", "run", None),
    (r"^scripts/package\.sh$", "skip", "builds the Debian package (test package-deb)"),
    (r"^sudo apt install \./build/packages/", "skip", "installs as root (test package-deb)"),
    # quickstart 2
    (r"^zerotee --headless --source test ", "page", capture_running),
    # quickstart 3
    (r"^ffplay ", "skip", "a player window; the ffprobe/ffmpeg lines below check the stream"),
    (r"^vlc ", "skip", "a player window; the ffprobe/ffmpeg lines below check the stream"),
    (r"^ffprobe .*rtsp://", "run", r"^stream\|codec_name=h264\|width=\d+\|height=\d+"),
    (r"^ffmpeg .*rtsp://.* -f null - ; echo \$\?$", "run", r"^0$"),
    (r"^ls \S+/cam0/\*/ \| tail -3$", "run", r"^cam0_\d{8}T\d{6}\.\d{3}Z\.mkv"),
    # quickstart 4 (zeroteectl status, add, events: above)
    # quickstart 5
    (r"^zerotee-monitor --socket \S+ --seconds \d+$", "run", r"fps"),
    # quickstart 6
    (r"^sudo systemctl enable --now zerotee$", "skip", "the installed service (test package-deb)"),
    (r"^systemctl status zerotee$", "skip", "the installed service (test package-deb)"),
    (r"^journalctl -u zerotee -f$", "skip", "the installed service's journal"),
    (r"^sudo XDG_RUNTIME_DIR=/run zeroteectl status$", "skip",
     "the installed service's sockets in /run (test package-deb)"),
]


class Context:
    def __init__(self, tmp):
        self.tmp = tmp
        os.makedirs(tmp)
        self.cwd = os.path.join(tmp, "tree")
        os.makedirs(self.cwd)
        os.symlink(BUILD, os.path.join(self.cwd, "build"))
        os.symlink(os.path.join(SOURCE, "scripts"), os.path.join(self.cwd, "scripts"))
        runtime = os.path.join(tmp, "run")
        os.makedirs(runtime, mode=0o700)
        self.rtsp, self.http = free_port(), free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("GST_PLUGIN_PATH")}
        self.env.update(XDG_RUNTIME_DIR=runtime, HOME=os.path.join(tmp, "home"),
                        GST_REGISTRY_1_0=os.path.join(tmp, "registry.bin"),
                        # scripts/run.sh's own variables: run this build, temp folder, free ports
                        SKIP_BUILD="1", BUILD_DIR=BUILD, RECORD_DIR=os.path.join(tmp, "recordings"),
                        RTSP_PORT=str(self.rtsp), HTTP_PORT=str(self.http))
        os.makedirs(self.env["HOME"])
        self.page = []   # background processes of the page
        self.block = []  # ... of the current block

    def substitute(self, command):
        t = self.tmp
        out = re.sub(r"v4l2:/dev/video\d+", "test", command)
        out = out.replace("/var/lib/zerotee/rec", f"{t}/var-rec").replace("~/zerotee-rec", f"{t}/home-rec")
        out = re.sub(r"(?<![\w.])/tmp/", f"{t}/tmp-", out)
        out = re.sub(r"\b8554\b", str(self.rtsp), out)
        out = re.sub(r"\b8080\b", str(self.http), out)
        out = out.replace("autovideosink", "fakesink")
        if re.match(r"^(build/bin/)?zerotee ", out):
            if " --rtsp" in out and "--rtsp-port" not in out:
                out += f" --rtsp-port {self.rtsp}"
            if "--http-port" not in out:
                out += f" --http-port {self.http}"
        return out

    def apply_export(self, command):
        """An `export` line changes the environment of the commands after it."""
        r = subprocess.run(["bash", "-c", command + "\nenv -0"], cwd=self.cwd, env=self.env,
                           capture_output=True, text=True, timeout=10)
        self.env = dict(item.split("=", 1) for item in r.stdout.split("\0") if "=" in item)
        return r


class Background:
    def __init__(self, ctx, command):
        self.command = command
        self.log_path = os.path.join(ctx.tmp, f"background-{len(os.listdir(ctx.tmp))}.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["bash", "-c", "exec " + command], cwd=ctx.cwd, env=ctx.env,
                                     stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self):
        """Ctrl-C, as the pages say; then the exit status (None when it had to be killed)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(timeout=20 * SCALE)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                return None
        return self.proc.returncode


def stop_all(processes):
    for bg in reversed(processes):
        code = bg.stop()
        # 0; or ended by the SIGINT itself (130 from a shell, -2 here), as Ctrl-C ends it
        check(code in (0, 130, -signal.SIGINT), f"stopped with Ctrl-C, exit {code}: {bg.command[:80]}")
    processes.clear()


def rule_for(command):
    matches = [(how, detail) for pattern, how, detail in RULES if re.search(pattern, command)]
    return matches[0] if matches else (None, None)


def run_page(tmp, page, display):
    """Each page from nothing: its own directory, ports and environment."""
    print(f"--- {page}", flush=True)
    ctx = Context(os.path.join(tmp, page.replace("/", "_")))
    if display:
        ctx.env["DISPLAY"] = display
    with open(os.path.join(SOURCE, page)) as f:
        commands = commands_of(f.read())
    # Whatever happens (a harness error included), nothing the page started outlives it.
    try:
        block = None
        for number, written in commands:
            if number != block:
                stop_all(ctx.block)
                block = number
            how, detail = rule_for(written)
            if how is None:
                check(False, f"{page}: no rule for the documented command: {written}")
                continue
            if how == "skip":
                print(f"skip {written[:90]}  ({detail})", flush=True)
                continue
            command = ctx.substitute(written)
            started = time.monotonic()
            if how == "run":
                if written.startswith("export "):
                    r = ctx.apply_export(command)
                else:
                    r = subprocess.run(["bash", "-c", command], cwd=ctx.cwd, env=ctx.env,
                                       capture_output=True, text=True, timeout=60 * SCALE)
                ok = r.returncode == 0 and (detail is None or re.search(detail, r.stdout, re.M))
                check(ok, f"{written[:90]} -> exit {r.returncode} in {time.monotonic() - started:.1f} s"
                      + ("" if ok else f": {(r.stdout + r.stderr).strip()[-300:]}"))
                continue
            bg = Background(ctx, command)
            (ctx.block if how == "block" else ctx.page).append(bg)
            deadline = started + 30 * SCALE
            shown = False
            while time.monotonic() < deadline and bg.proc.poll() is None:
                if detail(ctx, bg.output()):
                    shown = True
                    break
                time.sleep(0.2)
            check(shown, f"{written[:90]} -> showed its effect after {time.monotonic() - started:.1f} s"
                  + ("" if shown else f" (exit {bg.proc.poll()}): {bg.output().strip()[-400:]}"))
    finally:
        stop_all(ctx.block)
        stop_all(ctx.page)


def main():
    for tool in ("ffprobe", "ffmpeg", "curl", "gst-launch-1.0"):
        if not shutil.which(tool):
            print(f"{tool} not installed: skipped")
            return 77
    tmp = tempfile.mkdtemp(prefix="zerotee-docs.")
    xvfb = None
    started = time.monotonic()
    try:
        # The panel line needs a display: an Xvfb of our own.
        display = None
        if shutil.which("Xvfb"):
            read_end, write_end = os.pipe()
            xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                                     "1280x800x24", "-nolisten", "tcp"], pass_fds=(write_end,),
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os.close(write_end)
            with os.fdopen(read_end) as f:
                number = f.readline().strip()  # Xvfb writes its display number once it is up
            display = f":{number}" if number else None
        for page in PAGES:
            run_page(tmp, page, display)
    finally:
        if xvfb:
            xvfb.terminate()
            xvfb.wait()
    print(f"\n{time.monotonic() - started:.0f} s")
    if failures:
        print(f"{len(failures)} failed (files in {tmp}):")
        for f in failures:
            print("  " + f)
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
