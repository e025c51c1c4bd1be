#!/usr/bin/env python3
"""Judges zerotee-recorder output with ffprobe/ffmpeg only (never the recorder's own figures).

  recording_check.py files DIR                      list finished recordings, oldest first
  recording_check.py probe FILE...                  per file: first/last PTS, duration, frames
  recording_check.py decode DIR                     every file passes ffprobe and decodes cleanly
  recording_check.py frames DIR                     video frames in all finished recordings
  recording_check.py contiguity DIR START STOP      segments contiguous, durations sum to STOP-START
  recording_check.py loss FILE KILL_TIME            seconds lost between the file's end and a kill

Times are Unix seconds (UTC). Exit status 0 = pass, 1 = fail.
"""
import calendar
import glob
import os
import re
import subprocess
import sys

NAME = re.compile(r"_(\d{8})T(\d{6})\.(\d{3})Z")


def name_time(path):
    m = NAME.search(os.path.basename(path))
    if not m:
        raise ValueError(f"not a recording name: {path}")
    d, t, ms = m.groups()
    stamp = calendar.timegm((int(d[:4]), int(d[4:6]), int(d[6:]), int(t[:2]), int(t[2:4]),
                             int(t[4:]), 0, 0, 0))
    return stamp + int(ms) / 1000.0


def files(directory):
    found = [p for p in glob.glob(os.path.join(directory, "**", "*"), recursive=True)
             if os.path.isfile(p) and re.search(r"\.(mkv|mp4)$", p)]
    return sorted(found, key=lambda p: (name_time(p), p))


def probe(path):
    """First/last video PTS, frame count and duration from the packets themselves."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "packet=pts_time,duration_time", "-of", "csv=p=0", path],
                         capture_output=True, text=True)
    if out.returncode != 0:
        return None
    pts, durs = [], []
    for line in out.stdout.split():
        fields = line.split(",")
        if fields[0] not in ("", "N/A"):
            pts.append(float(fields[0]))
            if len(fields) > 1 and fields[1] not in ("", "N/A"):
                durs.append(float(fields[1]))
    if not pts:
        return None
    pts.sort()
    frame = (pts[-1] - pts[0]) / (len(pts) - 1) if len(pts) > 1 else (durs[0] if durs else 1 / 30)
    return {"first": pts[0], "last": pts[-1], "frames": len(pts), "frame": frame,
            "duration": pts[-1] - pts[0] + frame}


def decode_ok(path):
    probe_rc = subprocess.run(["ffprobe", "-v", "error", path], capture_output=True).returncode
    dec = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-"],
                         capture_output=True, text=True)
    return probe_rc == 0 and dec.returncode == 0 and not dec.stdout.strip() \
        and not dec.stderr.strip(), dec.stderr.strip()[:300]


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "files":
        for p in files(sys.argv[2]):
            print(p)
        return 0
    if cmd == "probe":
        for p in sys.argv[2:]:
            print(p, probe(p))
        return 0
    if cmd == "decode":
        bad = 0
        all_files = files(sys.argv[2])
        for p in all_files:
            ok, err = decode_ok(p)
            if not ok:
                bad += 1
                print(f"FAIL decode {p}: {err}")
        parts = glob.glob(os.path.join(sys.argv[2], "**", "*.part"), recursive=True)
        print(f"decode: {len(all_files) - bad}/{len(all_files)} files clean, {len(parts)} .part left")
        return 0 if bad == 0 and all_files else 1
    if cmd == "frames":
        print(sum((probe(p) or {"frames": 0})["frames"] for p in files(sys.argv[2])))
        return 0
    if cmd == "contiguity":
        directory, start, stop = sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
        all_files = files(directory)
        total, worst_gap, ok = 0.0, 0.0, bool(all_files)
        prev = None
        for p in all_files:
            info = probe(p)
            if info is None:
                print(f"FAIL unreadable {p}")
                ok = False
                continue
            fmt = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration",
                                  "-of", "csv=p=0", p], capture_output=True, text=True).stdout
            total += info["duration"]
            gap = 0.0
            if prev is not None:
                gap = info["first"] - (prev["last"] + prev["frame"])
                worst_gap = max(worst_gap, abs(gap))
                if abs(gap) > 1.5 * prev["frame"]:
                    print(f"FAIL gap of {gap:.3f} s before {p}")
                    ok = False
            print(f"{os.path.basename(p)} frames={info['frames']} duration={info['duration']:.3f}"
                  f" format.duration={fmt.strip()} first_pts={info['first']:.3f} gap={gap:+.3f}")
            prev = info
        wall = stop - start
        diff = total - wall
        print(f"segments={len(all_files)} sum={total:.3f} s wall={wall:.3f} s diff={diff:+.3f} s "
              f"worst_gap={worst_gap:.3f} s")
        if abs(diff) > 1.0:
            print("FAIL durations do not sum to the wall time within 1 s")
            ok = False
        return 0 if ok else 1
    if cmd == "loss":
        path, kill = sys.argv[2], float(sys.argv[3])
        info = probe(path)
        if info is None:
            print(f"FAIL unreadable {path}")
            return 1
        end = name_time(path) + info["duration"]
        print(f"{kill - end:.3f}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
