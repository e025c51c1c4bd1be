#!/usr/bin/env python3
"""Issue 17: the panel on a panel. `zerotee --fullscreen` fills screens of 800x480, 1024x600 and
1280x800; `zerotee --window 800x480` keeps a window of that size on a 1280x800 desktop.

usage: window_geometry_test.py BIN_DIR OUTPUT_DIR

Each case runs the real program under an Xvfb of that screen size with no window manager (as
on a kiosk X server; Qt's fullscreen request alone is then never answered), reads the window's
geometry with xwininfo, and takes a screenshot of the whole screen (ffmpeg x11grab) into
OUTPUT_DIR. The X root is black (-br): a panel that fills the screen leaves no black last row
or column. Exits 77 without Xvfb, xwininfo or ffmpeg.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BIN = os.path.abspath(sys.argv[1])
OUTPUT = os.path.abspath(sys.argv[2])
failures = []

# (screen, flags, expected window: None = the whole screen)
CASES = [
    ((800, 480), ["--fullscreen"], None),
    ((1024, 600), ["--fullscreen"], None),
    ((1280, 800), ["--fullscreen"], None),
    ((1280, 800), ["--window", "800x480"], (800, 480)),
]


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def start_xvfb(width, height):
    """An Xvfb of that screen size that answers (other tests start and stop theirs too)."""
    for _ in range(3):
        read_end, write_end = os.pipe()
        xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0",
                                 f"{width}x{height}x24", "-br", "-nolisten", "tcp"],
                                pass_fds=(write_end,), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        os.close(write_end)
        with os.fdopen(read_end) as f:
            display = ":" + f.readline().strip()
        answer = subprocess.run(["xwininfo", "-root"], env=dict(os.environ, DISPLAY=display),
                                capture_output=True, text=True, timeout=10)
        if display != ":" and f"-geometry {width}x{height}+0+0" in answer.stdout:
            return xvfb, display
        xvfb.terminate()
        xvfb.wait()
    raise RuntimeError(f"no Xvfb of {width}x{height} answered")


def panel_geometry(display):
    """(w, h, x, y) of the largest top-level window titled zerotee (Qt also makes a 1x1 group
    leader of that name), or None."""
    r = subprocess.run(["xwininfo", "-root", "-tree"], env=dict(os.environ, DISPLAY=display),
                       capture_output=True, text=True, timeout=10)
    found = [tuple(int(v) for v in m.groups()) for m in re.finditer(
        r'"zerotee": \(.*\)\s+(\d+)x(\d+)\+(-?\d+)\+(-?\d+)', r.stdout)]
    return max(found, key=lambda g: g[0] * g[1]) if found else None


def screenshot(display, width, height, path):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "x11grab", "-video_size",
                    f"{width}x{height}", "-i", display, "-frames:v", "1", path],
                   capture_output=True, timeout=30)
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", path, "-f", "rawvideo", "-pix_fmt",
                          "rgb24", "-"], capture_output=True, timeout=30).stdout
    return raw if len(raw) == width * height * 3 else None


def black_edges(raw, width, height):
    """Which of the last row and last column are entirely black (the bare root window)."""
    last_row = raw[(height - 1) * width * 3:]
    last_col = bytes(b for y in range(height) for b in raw[(y * width + width - 1) * 3:(y * width + width) * 3])
    return [name for name, px in (("bottom row", last_row), ("right column", last_col))
            if not any(px)]


def run_case(tmp, screen, flags, expected):
    width, height = screen
    label = f"{width}x{height} {' '.join(flags)}"
    xvfb, display = start_xvfb(width, height)
    runtime = tempfile.mkdtemp(dir=tmp)
    os.chmod(runtime, 0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GST_PLUGIN_PATH")}
    env.update(DISPLAY=display, XDG_RUNTIME_DIR=runtime, HOME=runtime, QT_QPA_PLATFORM="xcb")
    log_path = os.path.join(tmp, f"panel-{width}x{height}-{flags[0].strip('-')}.log")
    with open(log_path, "w") as log:
        panel = subprocess.Popen([os.path.join(BIN, "zerotee"), *flags, "--source", "test",
                                  "--size", "640x360", "--fps", "15", "--no-http", "--state",
                                  os.path.join(runtime, "workers.json")],
                                 env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        want = (width, height, 0, 0) if expected is None else None
        geometry = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and panel.poll() is None:
            geometry = panel_geometry(display)
            if geometry and (geometry == want or (want is None and geometry[:2] == expected)):
                break
            time.sleep(0.2)
        if expected is None:
            check(geometry == want, f"{label}: window {geometry}, the whole screen {want}")
        else:
            check(geometry is not None and geometry[:2] == expected
                  and 0 <= geometry[2] and geometry[2] + expected[0] <= width
                  and 0 <= geometry[3] and geometry[3] + expected[1] <= height,
                  f"{label}: window {geometry}, {expected[0]}x{expected[1]} on the screen")
        time.sleep(3)  # the first frames rendered
        name = f"window-{width}x{height}-{'fullscreen' if expected is None else 'window'}.png"
        raw = screenshot(display, width, height, os.path.join(OUTPUT, name))
        if check(raw is not None, f"{label}: screenshot {os.path.join(OUTPUT, name)}"):
            black = black_edges(raw, width, height)
            if expected is None:
                check(not black, f"{label}: no bare screen at the edges ({black or 'none black'})")
            else:
                check(len(black) == 2, f"{label}: the screen shows around the window ({black})")
    finally:
        if panel.poll() is None:
            panel.send_signal(signal.SIGTERM)
        try:
            code = panel.wait(timeout=30)
        except subprocess.TimeoutExpired:
            panel.kill()
            code = panel.wait()
        check(code == 0, f"{label}: the panel stopped cleanly (exit {code})")
        xvfb.terminate()
        xvfb.wait()


def main():
    for tool in ("Xvfb", "xwininfo", "ffmpeg"):
        if not shutil.which(tool):
            print(f"{tool} not installed: skipped")
            return 77
    os.makedirs(OUTPUT, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="zerotee-window.")
    for screen, flags, expected in CASES:
        run_case(tmp, screen, flags, expected)
    if failures:
        print(f"\n{len(failures)} failed (logs in {tmp})")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"\nscreenshots in {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
