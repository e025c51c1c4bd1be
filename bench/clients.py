#!/usr/bin/python3
"""Client benchmark: the Python client, the C client, a C program with `zeroteesrc ! appsink`
and GStreamer's `shmsrc ! appsink`, side by side in one run (docs/clients.md).

Each configuration: one zerotee-bench-producer (1080p30 NV12 by default; zeroteesink, or
shmsink for the shm baseline) and N consumers (4) of one kind, every consumer doing the same
work per frame: read the producer's 16-byte stamp and one byte per 4 KiB of the Y plane. Each
consumer measures its own CPU time (all its threads) and publish-to-receive latency over the
window after its warm-up. Configurations run back to back, --repeat times in rotation, so the
machine's noise hits all of them; the table shows medians over repeats of the per-run figures:
CPU per consumer per frame (µs), frames per consumer per second, latency p50/p99 (µs, median
over the consumers), and each kind's CPU per frame relative to zeroteesrc ! appsink.

    bench/clients.py [--build build] [--size 1920x1080] [--fps 30] [--consumers 4]
                     [--window 10] [--warmup 3] [--repeat 3] [--kinds python,c,zeroteesrc,shm]
                     [--baseline-build DIR]
--baseline-build DIR adds the kind python-baseline: the same Python consumer with DIR's package
(its own client library), so a change of the package is measured against the one before it. The
consumer reads through memoryview(frame): DIR must be 9a95b8f or later (an older package is
refused with that said; its own bench/ measured it).
The kind python-floor is the cheapest Python loop there is (the package's extension call for the
next frame and its release, the publish time and number from its record, no views, no work):
what any Python consumer pays before its own code.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def consumer_command(kind, build, socket_path, args):
    w, h = args.size.split("x")
    common = ["--socket", socket_path]
    total = str(args.warmup + args.window)
    if kind in ("python", "python-floor", "python-baseline"):
        return ["/usr/bin/python3", os.path.join(HERE, "client_bench_consumer.py")] + common + [
            "--seconds", total, "--warmup", str(args.warmup), "--touch-stride", "4096"] + (
            ["--floor"] if kind == "python-floor" else [])
    if kind == "c":
        return [os.path.join(build, "bench", "zerotee-bench-client")] + common + [
            "--seconds", total, "--warmup", str(args.warmup), "--touch-stride", "4096"]
    transport = "shm" if kind == "shm" else "zerotee"
    return [os.path.join(build, "bench", "zerotee-bench-consumer"), "--transport", transport,
            "--size", args.size, "--fps", str(args.fps), "--json", "--seconds", total,
            "--warmup", str(args.warmup), "--touch-stride", "4096"] + common


def run_configuration(kind, build, args, work):
    socket_path = os.path.join(work, f"{kind}.sock")
    transport = "shm" if kind == "shm" else "zerotee"
    producer_cmd = [os.path.join(build, "bench", "zerotee-bench-producer"), "--transport",
                    transport, "--socket", socket_path, "--size", args.size, "--fps",
                    str(args.fps)]
    if transport == "zerotee":
        # The pool holds the capture reserve plus every consumer's quota (as bench/framebus.sh).
        producer_cmd += ["--sink-props", f"pool-size={4 + 2 * args.consumers} quota=2"]
    env = dict(os.environ, PYTHONPATH=os.path.join(build, "python"),
               GST_PLUGIN_PATH=os.path.join(build, "gst"), GST_DEBUG_NO_COLOR="1")
    producer = subprocess.Popen(producer_cmd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, env=env)
    if kind == "python-baseline":  # the same consumer on the package of another build
        env = dict(env, PYTHONPATH=os.path.join(args.baseline_build, "python"))
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(socket_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        consumers = [subprocess.Popen(consumer_command(kind, build, socket_path, args),
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                      text=True) for _ in range(args.consumers)]
        results = []
        for c in consumers:
            out, err = c.communicate(timeout=args.warmup + args.window + 60)
            lines = [l for l in out.splitlines() if l.startswith("{")]
            if c.returncode not in (0, None) or not lines:
                raise RuntimeError(f"{kind} consumer failed ({c.returncode}): {err[-500:]}")
            results.append(json.loads(lines[-1]))
        return results
    finally:
        producer.terminate()
        try:
            producer.wait(timeout=10)
        except subprocess.TimeoutExpired:
            producer.kill()
            producer.wait()


def summarise(results):
    frames = [r["frames"] for r in results]
    cpu_us_per_frame = statistics.median(r["cpu_s"] * 1e6 / r["frames"] for r in results
                                         if r["frames"])
    return {"cpu_us": cpu_us_per_frame,
            "fps": statistics.median(r["frames"] / r["window_s"] for r in results),
            "p50": statistics.median(r["lat_us"]["p50"] for r in results),
            "p99": statistics.median(r["lat_us"]["p99"] for r in results),
            "missed": sum(r.get("missed", 0) for r in results), "frames": sum(frames)}


LABELS = {"python": "Python client (zerotee package)",
          "python-baseline": "Python client, the --baseline-build's package",
          "python-floor": "Python floor: the extension's next + release, nothing else",
          "c": "C client (libzerotee-client)",
          "zeroteesrc": "C: zeroteesrc ! appsink", "shm": "C: shmsrc ! appsink (shmsink)"}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build"))
    parser.add_argument("--size", default="1920x1080")
    parser.add_argument("--fps", type=int, default=30)
    parser.add_argument("--consumers", type=int, default=4)
    parser.add_argument("--window", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--kinds", default="python,c,zeroteesrc,shm")
    parser.add_argument("--baseline-build", help="a build tree whose Python package runs as the "
                        "kind python-baseline (added to --kinds): before and after in one run")
    args = parser.parse_args()
    build = os.path.abspath(args.build)
    kinds = args.kinds.split(",")
    if args.baseline_build:
        args.baseline_build = os.path.abspath(args.baseline_build)
        if "python-baseline" not in kinds:
            kinds.insert(kinds.index("python") + 1 if "python" in kinds else 0, "python-baseline")
    work = tempfile.mkdtemp(prefix="zt-client-bench.")
    runs = {k: [] for k in kinds}
    failed = {k: [] for k in kinds}
    try:
        for r in range(args.repeat):
            for kind in kinds:
                # A run that fails (shmsrc has lost its control socket now and then) is reported
                # and left out of the medians; the other kinds' runs still count.
                try:
                    summary = summarise(run_configuration(kind, build, args, work))
                except RuntimeError as error:
                    failed[kind].append(str(error).splitlines()[0][:300])
                    print(f"run {r + 1}/{args.repeat} {kind}: FAILED: {failed[kind][-1]}",
                          flush=True)
                    continue
                runs[kind].append(summary)
                print(f"run {r + 1}/{args.repeat} {kind}: {summary['cpu_us']:.1f} us CPU/frame, "
                      f"{summary['fps']:.1f} fps, latency p50 {summary['p50']:.0f} us "
                      f"p99 {summary['p99']:.0f} us, missed {summary['missed']}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    if any(not runs[k] for k in kinds):
        print("no successful run of " + ", ".join(k for k in kinds if not runs[k]),
              file=sys.stderr)
        return 1
    med = {k: {f: statistics.median(s[f] for s in runs[k]) for f in runs[k][0]} for k in kinds}
    base = med.get("zeroteesrc", {}).get("cpu_us")
    print(f"\n{args.size} @ {args.fps} fps, {args.consumers} consumers per run, window "
          f"{args.window:.0f} s, median of {args.repeat} runs; each consumer reads the 16-byte "
          "stamp and one byte per 4 KiB of the Y plane\n")
    print("| consumer | CPU per consumer per frame | vs zeroteesrc ! appsink | fps per consumer "
          "| latency p50 | latency p99 | missed |")
    print("|---|---|---|---|---|---|---|")
    for kind in kinds:
        m = med[kind]
        ratio = f"{m['cpu_us'] / base:.2f}x" if base else "-"
        print(f"| {LABELS.get(kind, kind)} | {m['cpu_us']:.1f} µs | {ratio} | {m['fps']:.1f} | "
              f"{m['p50'] / 1000:.2f} ms | {m['p99'] / 1000:.2f} ms | {m['missed']:.0f} |")
    print("\nPer run, µs CPU per consumer per frame: " + "; ".join(
        f"{k} " + "/".join(f"{s['cpu_us']:.1f}" for s in runs[k]) for k in kinds))
    for kind in kinds:
        if failed[kind]:
            print(f"{kind}: {len(failed[kind])} of {args.repeat} runs failed and are left out "
                  f"({failed[kind][0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
