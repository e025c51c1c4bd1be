#!/usr/bin/env python3
"""Issue 20, the browser's API on a real supervisor (docs/web.md), judged with ffprobe/ffmpeg,
raw sockets and a WebSocket client of its own (python3-websocket):

  web_api_test.py BIN api    recordings listing; a 14 s clip across segment boundaries that
                             starts at the keyframe at or before `from`, lasts 14 s plus at most
                             one GOP and whose packets are bit-identical to the recording's; Range;
                             snapshot; live fMP4 over a WebSocket with no encoder of its own;
                             live events; 4xx with a message for every bad input; hostile requests
  web_api_test.py BIN auth   off loopback: HTTPS with a self-signed certificate made at start,
                             401 without the token, session cookie (HttpOnly, SameSite=Strict,
                             Secure) for the page, WebSockets refused without it
"""
import hashlib
import http.client
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "system"))
from zerotee_harness import Checks, free_port, terminate, wait_for  # noqa: E402

import websocket  # noqa: E402  (python3-websocket)

BIN = os.path.abspath(sys.argv[1])
PART = sys.argv[2]
ZEROTEE = os.path.join(BIN, "zerotee")
check = Checks()
SEGMENT_S = 6


class Server:
    """One supervisor with a config of the test's; HTTP(S) requests to it."""

    def __init__(self, tmp, config, tls=False):
        self.port = free_port()
        self.tls = tls
        runtime = os.path.join(tmp, "run")
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=runtime, XDG_DATA_HOME=os.path.join(tmp, "data"))
        path = os.path.join(tmp, "zerotee.toml")
        with open(path, "w") as f:
            f.write(config.replace("PORT", str(self.port)))
        self.log_path = os.path.join(tmp, "zerotee.log")
        self.proc = subprocess.Popen([ZEROTEE, "--headless", "--config", path], env=self.env,
                                     stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        self.context = ssl._create_unverified_context() if tls else None

        def up():
            try:
                return self.get("/api/status")[0] in (200, 401)
            except OSError:
                return False
        if not wait_for(up, 20, step=0.1):
            raise SystemExit(f"the supervisor did not answer: {open(self.log_path).read()[-2000:]}")

    def request(self, method, path, body=None, headers=None):
        if self.tls:
            c = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=90, context=self.context)
        else:
            c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=90)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def json(self, path, headers=None):
        status, _, data = self.get(path, headers)
        return status, json.loads(data or b"{}")

    def ws(self, path, cookie=None):
        scheme = "wss" if self.tls else "ws"
        options = {"sslopt": {"cert_reqs": ssl.CERT_NONE}} if self.tls else {}
        if cookie:
            options["cookie"] = cookie
        return websocket.create_connection(f"{scheme}://127.0.0.1:{self.port}{path}", timeout=10,
                                           **options)

    def stop(self):
        terminate(self.proc)


def iso(ms):
    """Device-local ISO 8601 with an explicit offset (the server takes either)."""
    t = time.localtime(ms / 1000)
    offset = t.tm_gmtoff
    sign = "+" if offset >= 0 else "-"
    return (time.strftime("%Y-%m-%dT%H:%M:%S", t) + ".%03d" % (ms % 1000) +
            "%s%02d:%02d" % (sign, abs(offset) // 3600, abs(offset) % 3600 // 60))


def q(**params):
    return urllib.parse.urlencode(params)


def packets(path):
    """(pts seconds, keyframe, md5 of the bytes) of every video packet, as stored."""
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_packets",
                          "-show_data_hash", "MD5", "-show_entries", "packet=pts_time,flags,data_hash",
                          "-of", "json", path], capture_output=True, text=True, timeout=60)
    return [(float(p.get("pts_time", "nan")), "K" in p["flags"], p["data_hash"])
            for p in json.loads(out.stdout or "{}").get("packets", [])]


def probe(path, entries):
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", entries, "-of", "json", path],
                         capture_output=True, text=True, timeout=60)
    return json.loads(out.stdout or "{}")


def hostile(port):
    """Requests no browser sends: the server must answer or close, never fall over."""
    sent = [b"GARBAGE\r\n\r\n", b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\n" + b"X: " + b"y" * 200000 + b"\r\n\r\n",
            b"POST /api/session HTTP/1.1\r\nContent-Length: 5\r\n\r\n{\"tok",
            b"GET /static/../../../etc/passwd HTTP/1.1\r\n\r\n",
            b"GET /api/clip?camera=cam0&from=%00%ff&to=9999-99-99 HTTP/1.1\r\n\r\n",
            b"GET /api/live HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            b"\x16\x03\x01\x00\xff" + os.urandom(300)]
    for i in range(60):
        sent.append(os.urandom(64 + i * 37))
    for payload in sent:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=3) as s:
                s.sendall(payload)
                s.settimeout(2)
                try:
                    s.recv(4096)
                except (socket.timeout, ConnectionResetError):
                    pass
        except OSError:
            pass
    return len(sent)


def api_part(tmp):
    server = Server(tmp, f"""
[http]
port = PORT
[[camera]]
name = "cam0"
source = "test"
size = "640x360"
fps = 30
[[camera.stream]]
name = "main"
bitrate = 1500
gop = 30
[[worker]]
kind = "recorder"
camera = "cam0"
[worker.options]
dir = "{tmp}/rec"
segment_seconds = {SEGMENT_S}
""")
    try:
        # Four finished segments: a 14 s span across two boundaries, with room before it.
        def finished():
            return [f for f in sorted(os.listdir(f"{tmp}/rec/cam0/" + os.listdir(f"{tmp}/rec/cam0")[0]))
                    if f.endswith(".mkv")] if os.path.isdir(f"{tmp}/rec/cam0") else []
        check(wait_for(lambda: len(finished()) >= 4, 60, step=0.5), "the recorder finished 4 segments")

        status, headers, body = server.get("/")
        check(status == 200 and b"zerotee" in body and "text/html" in headers.get("content-type", ""),
              f"GET / serves the page ({status})")
        check("default-src 'self'" in headers.get("content-security-policy", ""),
              "the page has a Content-Security-Policy (no other origin)")
        check(server.get("/static/app.js")[0] == 200 and server.get("/static/style.css")[0] == 200,
              "the page's script and style are served from the binary")
        check(server.get("/static/nope.js")[0] == 404, "an unknown static file is 404")

        now = int(time.time() * 1000)
        status, listing = server.json("/api/recordings?" + q(camera="cam0", **{"from": iso(now - 3600_000), "to": "now"}))
        segments = listing.get("segments", [])
        finished_segments = [s for s in segments if not s["in_progress"]]
        check(status == 200 and len(finished_segments) >= 4,
              f"/api/recordings lists the segments ({len(segments)}, {len(finished_segments)} finished)")
        check(all(abs(s["duration_s"] - SEGMENT_S) < 1.5 for s in finished_segments[:-1]),
              "each finished segment lasts about segment_seconds: "
              + ", ".join("%.2f" % s["duration_s"] for s in finished_segments))
        check(any(e.get("type") == "recording" or "segment" in e.get("message", "") for e in listing.get("events", []))
              or len(listing.get("events", [])) > 0, f"/api/recordings lists the camera's events ({len(listing.get('events', []))})")

        # The clip: 14 s from 2.5 s before the second segment's end, crossing two boundaries.
        seg = finished_segments
        start_ms = seg[1]["start_ms"] + int(seg[1]["duration_s"] * 1000) - 2500
        end_ms = start_ms + 14000
        t0 = time.monotonic()
        status, headers, body = server.get("/api/clip?" + q(camera="cam0", **{"from": iso(start_ms), "to": iso(end_ms)}))
        cut_s = time.monotonic() - t0
        clip = os.path.join(tmp, "clip.mp4")
        with open(clip, "wb") as f:
            f.write(body)
        check(status == 200 and headers.get("content-type") == "video/mp4",
              f"/api/clip answers an MP4 ({status}, {len(body)} bytes, cut in {cut_s:.2f} s)")
        info = probe(clip, "format=format_name,duration:stream=codec_name,width,height")
        duration = float(info.get("format", {}).get("duration", 0))
        check("mp4" in info.get("format", {}).get("format_name", ""), "ffprobe reads an MP4")
        check(14.0 - 0.05 <= duration <= 14.0 + 1.0 + 0.05,
              f"the clip lasts 14 s plus at most one GOP (1 s): {duration:.3f} s")
        clip_packets = packets(clip)
        check(clip_packets and clip_packets[0][1], "the clip starts on a keyframe")
        # Every recorded packet with its capture time: the segment's start (its name) plus its
        # offset in the file.
        recorded = []
        # (The span may reach into the segment being written: ".part", or final by now.)
        for s in segments:
            names = (s["file"].removesuffix(".part"), s["file"])
            path = next(os.path.join(d, n) for n in names for d, _, files in os.walk(f"{tmp}/rec/cam0")
                        if n in files)
            ps = packets(path)
            first = ps[0][0]
            recorded += [(s["start_ms"] + (pts - first) * 1000, key, h) for pts, key, h in ps]
        keys_before = [r for r in recorded if r[1] and r[0] <= start_ms + 1]
        hashes = [h for _, _, h in recorded]
        clip_hashes = [h for _, _, h in clip_packets]
        at = hashes.index(clip_hashes[0]) if clip_hashes and clip_hashes[0] in hashes else -1
        check(at >= 0 and hashes[at:at + len(clip_hashes)] == clip_hashes,
              f"all {len(clip_hashes)} packets of the clip are bit-identical to the recording's, in order")
        check(keys_before and clip_hashes and keys_before[-1][2] == clip_hashes[0],
              "the clip starts at the keyframe at or before `from` "
              f"({(start_ms - keys_before[-1][0]) / 1000 if keys_before else float('nan'):.3f} s before it)")
        segs_used = {i for i, s in enumerate(segments) if s["start_ms"] < end_ms and
                     s["start_ms"] + s["duration_s"] * 1000 > start_ms}
        check(len(segs_used) >= 2, f"the clip spans {len(segs_used)} segments")
        decode = subprocess.run(["ffmpeg", "-v", "error", "-i", clip, "-frames:v", "1", "-f", "null", "-"],
                                capture_output=True, text=True, timeout=60)
        check(decode.returncode == 0 and not decode.stderr.strip(), "the clip's first frame decodes")
        full = subprocess.run(["ffmpeg", "-v", "error", "-i", clip, "-f", "null", "-"],
                              capture_output=True, text=True, timeout=120)
        check(full.returncode == 0 and not full.stderr.strip(), "the whole clip decodes without an error")

        # Range on the finished (kept) clip: what a <video> asks for to seek.
        status, headers, body = server.get("/api/clip?" + q(camera="cam0", **{"from": iso(start_ms), "to": iso(end_ms)}),
                                           {"Range": "bytes=100-199"})
        check(status == 206 and len(body) == 100 and headers.get("content-range", "").startswith("bytes 100-199/"),
              f"Range: bytes=100-199 → 206, 100 bytes, {headers.get('content-range')}")
        status, headers, _ = server.get("/api/clip?" + q(camera="cam0", download=1, **{"from": iso(start_ms), "to": iso(end_ms)}))
        check(status == 200 and headers.get("content-disposition", "").startswith("attachment; filename=\"cam0_"),
              f"download=1 names the file: {headers.get('content-disposition')}")

        # Bad input: 4xx with a message naming what was wrong.
        bad = [
            ("/api/clip?" + q(camera="cam0", **{"from": "yesterday", "to": "now"}), 400, "from"),
            ("/api/clip?" + q(camera="cam0", **{"from": iso(now), "to": iso(now - 1000)}), 400, "after"),
            ("/api/clip?" + q(camera="cam0", **{"from": iso(now - 700_000), "to": iso(now)}), 400, "600 s"),
            ("/api/clip?" + q(camera="cam9", **{"from": iso(now - 10_000), "to": iso(now)}), 404, "cam9"),
            ("/api/clip?" + q(camera="cam0", **{"from": "2020-01-01T00:00:00", "to": "2020-01-01T00:01:00"}), 404, "no recording"),
            ("/api/clip?" + q(camera="cam0"), 400, "from"),
            ("/api/recordings?" + q(camera="cam9", **{"from": iso(now - 10_000), "to": "now"}), 404, "cam9"),
            ("/api/recordings?" + q(camera="cam0", **{"from": "2026-13-45T99:00:00", "to": "now"}), 400, "from"),
            ("/api/recordings?" + q(camera="cam0", **{"from": "2020-01-01T00:00:00", "to": "now"}), 400, "31 days"),
            ("/api/snapshot?" + q(camera="nope"), 404, "nope"),
            ("/api/live", 400, "WebSocket"),
            ("/api/workers/nope/fly", 404, ""),
        ]
        for path, want, word in bad:
            status, headers, body = server.get(path)
            try:
                message = json.loads(body).get("error", "")
            except ValueError:
                message = body[:80].decode(errors="replace")
            check(status == want and word in message, f"GET {path[:70]} → {status} {message!r}")
        status, _, body = server.request("POST", "/api/session", body=b"not json")
        check(status == 400, f"POST /api/session with a bad body → {status} {body[:60]!r}")

        # Snapshot: a JPEG of the raw bus, no encoder kept.
        t0 = time.monotonic()
        status, headers, body = server.get("/api/snapshot?camera=cam0")
        snap = os.path.join(tmp, "snap.jpg")
        with open(snap, "wb") as f:
            f.write(body)
        sinfo = probe(snap, "stream=codec_name,width,height").get("streams", [{}])[0]
        check(status == 200 and headers.get("content-type") == "image/jpeg" and sinfo.get("codec_name") == "mjpeg"
              and sinfo.get("width") == 640 and sinfo.get("height") == 360,
              f"/api/snapshot: JPEG {sinfo.get('width')}x{sinfo.get('height')} in {time.monotonic() - t0:.2f} s")
        check(wait_for(lambda: subprocess.run(["pgrep", "-f", f"zerotee-snapshot .*{tmp}"], capture_output=True).returncode != 0, 5),
              "no snapshot process is left running")

        # Live: fMP4 over a WebSocket, from the stream's one encoder.
        t0 = time.monotonic()
        ws = server.ws("/api/live?" + q(camera="cam0", stream="main"))
        data = b""
        first_at = None
        while time.monotonic() - t0 < 3:
            op, msg = ws.recv_data()
            if op == 2:
                if first_at is None:
                    first_at = time.monotonic() - t0
                data += msg
        encoders = subprocess.run(["pgrep", "-c", "-P", str(server.proc.pid), "-f", "zerotee-encoder"], capture_output=True, text=True).stdout.strip()
        _, st = server.json("/api/status")
        stream_consumers = [s.get("consumer_workers") for s in st["result"]["streams"]]
        ws.close()
        live = os.path.join(tmp, "live.mp4")
        with open(live, "wb") as f:
            f.write(data)
        linfo = probe(live, "stream=codec_name,width,height").get("streams", [{}])[0]
        check(data[4:8] == b"ftyp" and first_at is not None and first_at < 1.5,
              f"live: the first bytes (ftyp) arrive in {first_at if first_at is not None else float('nan'):.3f} s")
        check(linfo.get("codec_name") == "h264" and linfo.get("width") == 640,
              f"live: ffprobe reads {linfo.get('codec_name')} {linfo.get('width')}x{linfo.get('height')} ({len(data)} bytes in 3 s)")
        check(encoders == "1", f"with a live viewer, encoders running: {encoders} (the stream's own)")
        check(any("web-live-1" in (c or []) for c in stream_consumers),
              f"the viewer is a consumer of stream main: {stream_consumers}")
        check(wait_for(lambda: subprocess.run(["pgrep", "-f", f"zerotee-live .*{tmp}"], capture_output=True).returncode != 0, 5),
              "the viewer's muxer ends when the viewer leaves")

        ws = server.ws("/api/live?" + q(camera="cam0", stream="nope"))
        said = ws.recv()
        check("no stream 'nope'" in said, f"live of a missing stream is refused with the reason: {said}")
        try:
            server.ws("/api/elsewhere")
            refused = "accepted"
        except websocket.WebSocketBadStatusException as e:
            refused = str(e)
        check("404" in refused, f"a WebSocket elsewhere is refused: {refused}")

        # Live events: a worker stopped through the API shows up on the socket.
        ev = server.ws("/api/events/live")
        server.request("POST", "/api/workers/recorder/restart")
        got = []
        deadline = time.monotonic() + 5
        ev.settimeout(1)
        while time.monotonic() < deadline and not any(e.get("source") == "recorder" for e in got):
            try:
                got.append(json.loads(ev.recv()))
            except websocket.WebSocketTimeoutException:
                pass
        ev.close()
        check(any(e.get("source") == "recorder" for e in got),
              f"/api/events/live delivers the recorder's restart ({len(got)} events)")

        n = hostile(server.port)
        check(server.proc.poll() is None and server.get("/api/status")[0] == 200,
              f"{n} hostile requests (garbage, 200 KB headers, traversal, bad upgrades, random bytes): "
              "the supervisor still answers")
        check(server.get("/static/..%2F..%2Fetc%2Fpasswd")[0] == 404, "no path traversal out of the page's files")
    finally:
        server.stop()
    return server.log_path


def auth_part(tmp):
    token = "s3cret-token"
    server = Server(tmp, f"""
[http]
bind = "0.0.0.0"
port = PORT
token = "{token}"
tls_dir = "{tmp}/tls"
[[camera]]
name = "cam0"
source = "test"
size = "640x360"
""", tls=True)
    try:
        check(os.path.exists(f"{tmp}/tls/https-selfsigned.crt"), "a self-signed certificate was made at start")
        status, _, body = server.get("/")
        check(status == 401 and b"Log in" in body, f"the page without the token → {status} with the login form")
        check(server.get("/api/status")[0] == 401, "the API without the token → 401")
        check(server.get("/api/snapshot?camera=cam0")[0] == 401, "a snapshot without the token → 401")
        try:
            plain = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            plain.request("GET", "/api/status")
            plain_status = plain.getresponse().status
        except Exception as e:  # the server speaks TLS only
            plain_status = type(e).__name__
        check(plain_status != 200, f"plain HTTP off loopback does not answer the API ({plain_status})")
        check(server.get("/api/status", {"Authorization": f"Bearer {token}"})[0] == 200, "the bearer token works")
        status, _, _ = server.request("POST", "/api/session", body=json.dumps({"token": "wrong"}))
        check(status == 401, f"a wrong token gets no session ({status})")
        status, headers, _ = server.request("POST", "/api/session", body=json.dumps({"token": token}))
        cookie_header = headers.get("set-cookie", "")
        check(status == 200 and all(a in cookie_header for a in ("HttpOnly", "SameSite=Strict", "Secure")),
              f"the token is traded for a session cookie: {cookie_header[:30]}…{cookie_header[-60:]}")
        cookie = cookie_header.split(";")[0]
        check(server.get("/", {"Cookie": cookie})[0] == 200, "the page with the cookie → 200")
        check(server.get("/api/status", {"Cookie": cookie})[0] == 200, "the API with the cookie → 200")
        status, headers, _ = server.get("/api/snapshot?camera=cam0", {"Cookie": cookie})
        check(status == 200 and headers.get("content-type") == "image/jpeg", "a snapshot with the cookie over HTTPS")
        ws = server.ws("/api/live?camera=cam0")
        said = ws.recv()
        check("log in first" in said, f"a WebSocket without the cookie is refused: {said}")
        ws = server.ws("/api/live?camera=cam0", cookie=cookie)
        op, first = ws.recv_data()
        ws.close()
        check(op == 2 and first[4:8] == b"ftyp", "wss live view with the cookie")
        server.request("DELETE", "/api/session", headers={"Cookie": cookie})
        check(server.get("/api/status", {"Cookie": cookie})[0] == 401, "after logging out the cookie is refused")
    finally:
        server.stop()
    return server.log_path


def main():
    tmp = tempfile.mkdtemp(prefix=f"zerotee-web-{PART}.")
    log = api_part(tmp) if PART == "api" else auth_part(tmp)
    return check.finish(tmp, log)


if __name__ == "__main__":
    sys.exit(main())
