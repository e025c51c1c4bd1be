#!/usr/bin/env python3
"""Issue 17, items 2 and 7: who gets onto a bus, and that nobody is refused without a word.
Real gst-launch-1.0 pipelines and the real supervisor, judged from their own output.

  consumers   8 `gst-launch-1.0 zeroteesrc` consumers on a zeroteesink with its defaults at
              1080p30: each gets >= 97 % of the frames over 10 s (counted from the buffer
              offsets fakesink prints, i.e. the producer's frame numbers).
  fixed-pool  8 consumers on a pool that cannot grow (max-pool-mib=0, pool-size=10): each is
              served or prints why (what is full, the numbers, the property to change); when
              served ones leave, a refused one is admitted.
  other-user  (root; else exit 77) a consumer running as nobody against the supervisor: told it
              may not connect (private 0700 runtime directory), refused with its uid and what
              would admit it (allow_users names someone else), then admitted by allow_users,
              by allow_groups (primary group) and by a supplementary group (SO_PEERGROUPS);
              the supervisor lists the refusal in its status and events.

usage: bus_admission_test.py BUILD_DIR MODE
"""
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from zerotee_harness import Checks, connect_control, wait_for  # noqa: E402

BUILD = os.path.abspath(sys.argv[1])
MODE = sys.argv[2]
check = Checks()
OFFSET = re.compile(r"chain\s+\*+ \(fakesink\d*:sink\).*?offset: (\d+),")


def gst_env(tmp, **extra):
    env = dict(os.environ, GST_PLUGIN_PATH=os.path.join(BUILD, "gst"),
               GST_REGISTRY_1_0=os.path.join(tmp, "registry.bin"), GST_DEBUG_NO_COLOR="1")
    env.pop("GST_DEBUG", None)  # what is printed must be printed without it
    env.update(extra)
    return env


class Launch:
    """A gst-launch-1.0 process whose stdout and stderr go to one file, read as it grows."""

    def __init__(self, tmp, name, pipeline, env, prefix=()):
        self.path = os.path.join(tmp, name + ".log")
        self.file = open(self.path, "w")
        self.proc = subprocess.Popen(list(prefix) + ["gst-launch-1.0", "-v"] + pipeline.split(),
                                     stdout=self.file, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)

    def text(self):
        with open(self.path, errors="replace") as f:
            return f.read()

    def offsets(self):
        return [int(m.group(1)) for m in OFFSET.finditer(self.text())]

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.file.close()


def consumer_line(socket, extra=""):
    return f"zeroteesrc socket-path={socket} {extra} ! fakesink silent=false"


def producer(tmp, socket, caps, sink_props=""):
    return Launch(tmp, "producer",
                  f"videotestsrc is-live=true pattern=solid-color ! {caps} ! "
                  f"zeroteesink socket-path={socket} {sink_props}", gst_env(tmp))


@contextlib.contextmanager
def eight_consumers(caps, sink_props, what):
    """A zeroteesink producer and 8 `zeroteesrc ! fakesink` consumers; all stopped after."""
    tmp = tempfile.mkdtemp(prefix="zerotee-admission.")
    socket = os.path.join(tmp, "cam.sock")
    prod = producer(tmp, socket, caps, sink_props)
    consumers = []
    try:
        check(wait_for(lambda: os.path.exists(socket), 10), what)
        consumers = [Launch(tmp, f"consumer{i}", consumer_line(socket), gst_env(tmp))
                     for i in range(8)]
        yield consumers
    finally:
        for c in consumers:
            c.stop()
        prod.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def run_consumers():
    with eight_consumers("video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1", "",
                         "the default zeroteesink listens") as consumers:
        started = wait_for(lambda: all(len(c.offsets()) > 0 for c in consumers), 20, 0.2)
        for i, c in enumerate(consumers):
            if not c.offsets():
                print(f"consumer {i} output:\n" + c.text()[-1500:])
        check(started, "all 8 consumers receive frames")
        time.sleep(11)
        seen = [set(c.offsets()) for c in consumers]
        if all(seen):
            # The window every consumer was connected for; each must have >= 97 % of it.
            first = max(min(s) for s in seen) + 1
            last = min(max(s) for s in seen) - 1
            window = last - first + 1
            check(window >= 300, f"a common window of {window} frames (>= 300, i.e. 10 s at 30 fps)")
            for i, s in enumerate(seen):
                got = len([o for o in s if first <= o <= last])
                share = got / window if window > 0 else 0
                check(share >= 0.97, f"consumer {i}: {got}/{window} frames = {100 * share:.1f} % (>= 97 %)")


def run_fixed_pool():
    why = "has no room for this consumer: pool full: 10 buffers, 4 kept for the capture"
    with eight_consumers("video/x-raw,format=NV12,width=640,height=360,framerate=30/1",
                         "pool-size=10 max-pool-mib=0",
                         "zeroteesink with a fixed pool listens") as consumers:

        def state(c):
            text = c.text()
            return "served" if c.offsets() else ("told" if why in text and "max-pool-mib" in text
                                                 else "silent")
        wait_for(lambda: all(state(c) != "silent" for c in consumers), 15, 0.2)
        states = [state(c) for c in consumers]
        for i, (c, s) in enumerate(zip(consumers, states)):
            if s == "silent":
                print(f"consumer {i} output:\n" + c.text()[-1500:])
            check(s != "silent", f"consumer {i}: {s}")
        check(states.count("served") == 2 and states.count("told") == 6,
              f"2 served (6 buffers for quota 3), 6 told why: {states.count('served')} and {states.count('told')}")
        told = [c for c, s in zip(consumers, states) if s == "told"]
        if told:
            print("a refused consumer printed:\n" + "\n".join(
                line for line in told[0].text().splitlines() if "WARNING" in line or "pool full" in line))
        # The served ones leave: a refused one, retrying, gets in.
        for c, s in zip(consumers, states):
            if s == "served":
                c.stop()
        admitted = wait_for(lambda: any(c.offsets() for c in told), 15, 0.2)
        check(admitted and any("Admitted by the producer" in c.text() for c in told),
              "after the served consumers left, a refused one was admitted (and said so)")


def run_other_user():
    if os.geteuid() != 0:
        print("SKIP: running a consumer as another user needs root")
        sys.exit(77)
    import grp
    import pwd
    nobody = pwd.getpwnam("nobody")
    video = grp.getgrnam("video").gr_gid
    tmp = tempfile.mkdtemp(prefix="zerotee-admission.")
    os.chmod(tmp, 0o711)  # nobody may pass through to the runtime directory, no further
    home = os.path.join(tmp, "nobody")
    os.makedirs(home)
    os.chown(home, nobody.pw_uid, nobody.pw_gid)
    runtime = os.path.join(tmp, "run")
    socket = os.path.join(runtime, "cam0.sock")
    env_sup = dict(gst_env(tmp), XDG_RUNTIME_DIR=tmp)
    env_nobody = gst_env(home, HOME=home, XDG_RUNTIME_DIR=home)

    def supervisor(allow):
        config = os.path.join(tmp, "zerotee.toml")
        with open(config, "w") as f:
            # An always-on stream: its encoder reads the raw bus and publishes cam0.main.sock,
            # which the camera's allowed users may read too.
            f.write(f'runtime_dir = "{runtime}"\n[[camera]]\nname = "cam0"\nsource = "test"\n'
                    f'size = "320x240"\nfps = 15\n{allow}\n'
                    '[[camera.stream]]\nname = "main"\nalways_on = true\n')
        log = open(os.path.join(tmp, "zerotee.log"), "a")
        sup = subprocess.Popen([os.path.join(BUILD, "bin", "zerotee"), "--headless", "--no-http",
                                "--config", config], env=env_sup, stdout=log,
                               stderr=subprocess.STDOUT)
        ctl = connect_control(os.path.join(runtime, "control.sock"), 15)
        return sup, ctl

    def as_nobody(name, groups=None, bus=socket):
        prefix = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}"]
        prefix += [f"--groups={groups}"] if groups else ["--clear-groups"]
        return Launch(tmp, name, consumer_line(bus, "num-buffers=20"), env_nobody, prefix)

    def finished(c, timeout):
        try:
            return c.proc.wait(timeout) == 0
        except subprocess.TimeoutExpired:
            return False

    cases = [
        ("", None, "no allow: 0700 directory", "refused",
         "Cannot connect to " + socket + ": permission denied for uid 65534 (nobody)"),
        ('allow_users = ["daemon"]', None, "allow_users names someone else", "refused",
         "refused this consumer: uid 65534 (nobody) may not use this bus; to admit it, name nobody"
         " or group nogroup in allow_users or allow_groups of [[camera]] cam0"),
        ('allow_users = ["nobody"]', None, "allow_users = [nobody]", "admitted", None),
        ('allow_groups = ["nogroup"]', None, "allow_groups = [its primary group]", "admitted", None),
        ('allow_groups = ["video"]', str(video), "allow_groups = [a supplementary group]",
         "admitted", None),
        ('allow_groups = ["video"]', None, "allow_groups = [a group it is not in]", "refused",
         "permission denied for uid 65534 (nobody)"),
    ]
    try:
        for i, (allow, groups, what, expect, text) in enumerate(cases):
            sup, ctl = supervisor(allow)
            try:
                check(ctl is not None, f"{what}: the supervisor is up")
                if not ctl:
                    break
                wait_for(lambda: os.path.exists(socket), 10)
                mode = os.stat(runtime).st_mode & 0o777
                smode = os.stat(socket).st_mode & 0o777
                print(f"     runtime dir {mode:o}, socket {smode:o}")
                c = as_nobody(f"nobody{i}", groups)
                if expect == "admitted":
                    ok = finished(c, 20)
                    check(ok and len(c.offsets()) == 20, f"{what}: nobody admitted, 20 frames")
                    if not ok:
                        print(c.text()[-1500:])
                    # The stream's encoder is handed the camera's allow lists.
                    stream = os.path.join(runtime, "cam0.main.sock")
                    wait_for(lambda: os.path.exists(stream), 10)
                    s = as_nobody(f"nobody{i}-stream", groups, stream)
                    ok = finished(s, 20)
                    check(ok and len(s.offsets()) == 20,
                          f"{what}: nobody reads the encoded stream too, 20 access units")
                    if not ok:
                        print(s.text()[-1500:])
                    s.stop()
                else:
                    told = wait_for(lambda: text in c.text(), 10, 0.1)
                    check(told, f"{what}: nobody told why")
                    print("     " + "\n     ".join(line for line in c.text().splitlines()
                                                    if "WARNING" in line or "uid 65534" in line))
                    if "may not use this bus" in text:
                        status = ctl(cmd="status")["result"]
                        refused = status["cameras"][0]["bus"].get("refused", [])
                        check(any(r["uid"] == 65534 and "may not use this bus" in r["reason"]
                                  for r in refused), "the refusal is in the supervisor's status")
                        events = ctl(cmd="events")["result"]
                        events = events.get("events", events) if isinstance(events, dict) else events
                        check(any("refused" in json.dumps(e) and "uid 65534" in json.dumps(e)
                                  for e in events), "the refusal is in the supervisor's events")
                c.stop()
            finally:
                if ctl:
                    ctl.close()
                sup.send_signal(signal.SIGTERM)
                try:
                    sup.wait(15)
                except subprocess.TimeoutExpired:
                    sup.kill()
                    sup.wait()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


{"consumers": run_consumers, "fixed-pool": run_fixed_pool, "other-user": run_other_user}[MODE]()
print(f"{check.passed} passed, {len(check.failures)} failed")
sys.exit(1 if check.failures else 0)
