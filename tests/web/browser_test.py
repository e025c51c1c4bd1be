#!/usr/bin/env python3
"""Issue 20, the page in a real browser: Debian's chromium, headless, driven through the
DevTools protocol (cdp.py) against a real supervisor whose test camera carries the wall clock in
its pixels (zeroteeclockstamp, a test-only element).

  browser_test.py BIN PLUGIN_DIR [--screenshots DIR]

Checks: the live video plays within 1.5 s of opening the page; the latency from capture to the
displayed frame (the stamp read back from the page's canvas at each presented frame, against the
same clock) is printed and under 500 ms; one encoder runs with the page open; two screenshots
a second apart differ; the recordings timeline shows segments, a click on it plays a segment;
the "Download clip" link saves an MP4 that ffprobe reads. Screenshots at 1280x800 and 390x844.
Exits 77 without chromium."""
import glob
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "system"))
sys.path.insert(0, HERE)
from zerotee_harness import TIMEOUT_SCALE, Checks, free_port, terminate, wait_for  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
PLUGIN_DIR = os.path.abspath(sys.argv[2])
SHOTS = sys.argv[sys.argv.index("--screenshots") + 1] if "--screenshots" in sys.argv else None
check = Checks()

# Reads the 32-bit stamp from the top row of the video's pixels at every presented frame and
# returns [display wall time - capture wall time] in ms (both CLOCK_REALTIME, same machine).
LATENCY_JS = """
new Promise((resolve) => {
  const v = document.getElementById('live');
  const c = document.createElement('canvas');
  c.width = 32 * 24; c.height = 24;
  const g = c.getContext('2d', { willReadFrequently: true });
  const out = [];
  const onFrame = (now, meta) => {
    g.drawImage(v, 0, 0, 32 * 24, 24, 0, 0, 32 * 24, 24);
    const px = g.getImageData(0, 0, 32 * 24, 24).data;
    let stamp = 0;
    for (let bit = 0; bit < 32; ++bit) {
      const i = (12 * 32 * 24 + bit * 24 + 12) * 4;
      stamp = (stamp * 2) + (px[i + 1] > 128 ? 1 : 0);
    }
    const shown = performance.timeOrigin + meta.expectedDisplayTime;
    out.push(((Math.floor(shown) % 4294967296) - stamp + 4294967296) % 4294967296);
    if (out.length < N) v.requestVideoFrameCallback(onFrame); else resolve(out);
  };
  v.requestVideoFrameCallback(onFrame);
})
"""


def main():
    if not shutil.which("chromium"):
        print("SKIP: chromium is not installed")
        return 77
    import cdp  # python3-websocket

    tmp = tempfile.mkdtemp(prefix="zerotee-browser.")
    runtime = os.path.join(tmp, "run")
    os.makedirs(runtime, mode=0o700)
    port = free_port()
    env = dict(os.environ, XDG_RUNTIME_DIR=runtime,
               GST_PLUGIN_PATH=PLUGIN_DIR + os.pathsep + os.environ.get("GST_PLUGIN_PATH", ""))
    config = os.path.join(tmp, "zerotee.toml")
    with open(config, "w") as f:
        f.write(f"""
[http]
port = {port}
[[camera]]
name = "cam0"
source = "pipeline:videotestsrc is-live=true pattern=ball ! video/x-raw,format=NV12,width=1280,height=720,framerate=30/1 ! zeroteeclockstamp"
size = "1280x720"
fps = 30
[[camera.stream]]
name = "main"
bitrate = 3000
gop = 30
[[worker]]
kind = "recorder"
camera = "cam0"
[worker.options]
dir = "{tmp}/rec"
segment_seconds = 6
[[worker]]
kind = "ai"
camera = "cam0"
""")
    log = os.path.join(tmp, "zerotee.log")
    sup = subprocess.Popen([os.path.join(BIN, "zerotee"), "--headless", "--config", config],
                           env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    browser = None
    try:
        # Two finished segments before the page opens: the timeline has something to play.
        def segments():
            return glob.glob(f"{tmp}/rec/cam0/*/*.mkv")
        check(wait_for(lambda: len(segments()) >= 2, 40, step=0.5), "the recorder wrote two segments")
        browser = cdp.Browser()
        browser.set_size(1280, 800)
        url = f"http://127.0.0.1:{port}/"
        t0 = time.monotonic()
        browser.navigate(url)
        browser.wait_for("(() => { const v = document.getElementById('live');"
                         " return v.currentTime > 0 && v.readyState >= 2; })()", 10, "live video playing")
        first_s = time.monotonic() - t0
        # 1.5 s is the figure asked for; an instrumented build (scripts/sanitize.sh) gets its scale.
        limit = 1.5 * TIMEOUT_SCALE
        check(first_s < limit, f"the live view plays {first_s:.3f} s after opening the page (< {limit} s)")

        time.sleep(2)  # settle at the live edge
        samples = browser.evaluate(LATENCY_JS.replace("N)", "90)"), timeout=30)
        sane = [s for s in samples if s < 10000]
        median = statistics.median(sane) if sane else float("nan")
        p90 = sorted(sane)[int(len(sane) * 0.9)] if sane else float("nan")
        print(f"latency capture → displayed frame over {len(sane)} frames: median {median:.0f} ms, "
              f"p90 {p90:.0f} ms, min {min(sane) if sane else 0:.0f}, max {max(sane) if sane else 0:.0f}")
        check(len(sane) >= 80, f"the stamp reads back on {len(sane)} of {len(samples)} frames")
        check(median < 500, f"latency median {median:.0f} ms < 500 ms")

        encoders = subprocess.run(["pgrep", "-c", "-P", str(sup.pid), "-f", "zerotee-encoder"],
                                  capture_output=True, text=True).stdout.strip()
        check(encoders == "1", f"with the page open, encoders running: {encoders} (the stream's own)")

        a = os.path.join(tmp, "live-a.png")
        b = os.path.join(tmp, "live-b.png")
        browser.screenshot(a)
        time.sleep(1)
        browser.screenshot(b)
        ha, hb = (hashlib.sha1(open(p, "rb").read()).hexdigest() for p in (a, b))
        check(ha != hb, "two screenshots a second apart differ (the picture moves)")
        t1 = browser.evaluate("document.getElementById('live').currentTime")
        time.sleep(1)
        t2 = browser.evaluate("document.getElementById('live').currentTime")
        check(t2 - t1 > 0.5, f"currentTime advances: {t1:.2f} → {t2:.2f}")
        workers = browser.evaluate("[...document.querySelectorAll('.worker b')].map(b => b.textContent)")
        check("recorder" in workers and "ai" in workers, f"worker cards: {workers}")
        browser.wait_for("document.querySelectorAll('#events li').length > 0", 10, "events listed")

        # Recordings: the timeline, a click plays a segment, the download link saves a clip.
        browser.wait_for("document.querySelectorAll('#timeline .segment').length >= 2", 20,
                         "segments on the timeline")
        box = browser.evaluate("""(() => {
            const s = [...document.querySelectorAll('#timeline .segment')][0].getBoundingClientRect();
            const t = document.getElementById('timeline');
            t.scrollIntoView();
            return [s.left + s.width / 2, t.getBoundingClientRect().top + 20]; })()""")
        for kind in ("mousePressed", "mouseReleased"):
            browser.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left",
                         clickCount=1)
        browser.wait_for("(() => { const v = document.getElementById('playback');"
                         " return v.currentTime > 1 && v.readyState >= 2; })()", 20,
                         "the clicked recording playing")
        src = browser.evaluate("document.getElementById('playback').currentSrc")
        check("/api/clip?" in src, f"a click on the timeline plays the recording: {src[-70:]}")
        downloads = os.path.join(tmp, "downloads")
        os.makedirs(downloads)
        browser.call("Browser.setDownloadBehavior", behavior="allow", downloadPath=downloads)
        browser.evaluate("document.getElementById('download').click()")
        check(wait_for(lambda: [f for f in os.listdir(downloads) if f.endswith(".mp4")], 30, step=0.2),
              "the Download clip link saves an .mp4")
        got = [f for f in os.listdir(downloads) if f.endswith(".mp4")]
        if got:
            out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                  "-of", "csv=p=0", os.path.join(downloads, got[0])],
                                 capture_output=True, text=True)
            check(out.returncode == 0 and float(out.stdout or 0) > 1,
                  f"ffprobe reads the downloaded clip {got[0]}: {out.stdout.strip()} s")

        if SHOTS:
            os.makedirs(SHOTS, exist_ok=True)
        shots = SHOTS or tmp
        browser.evaluate("document.getElementById('recordings-card').scrollIntoView()")
        time.sleep(0.3)
        browser.screenshot(os.path.join(shots, "web-recordings-1280x800.png"))
        browser.evaluate("window.scrollTo(0, 0)")
        browser.screenshot(os.path.join(shots, "web-1280x800.png"))
        browser.set_size(390, 844, mobile=True)
        browser.navigate(url)
        browser.wait_for("document.getElementById('live').currentTime > 0", 10, "live on a phone")
        time.sleep(1)
        browser.screenshot(os.path.join(shots, "web-390x844.png"))
        check(True, f"screenshots in {shots}")
    finally:
        if browser:
            browser.close()
        terminate(sup)
    return check.finish(tmp, log)


if __name__ == "__main__":
    sys.exit(main())
