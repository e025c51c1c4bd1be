#!/usr/bin/env python3
"""The Debian package end to end: build it with scripts/package.sh, install it on this machine
with dpkg (dependencies must already be satisfied: no apt), run the installed programs with a
clean environment, start the service headless with the test source and the installed
configuration, then purge it and check nothing is left.

    package_deb_test.py SOURCE_DIR BUILD_DIR

Skips (77) when not root, when dpkg/cpack are missing, when BUILD_DIR is a sanitizer build, or
when a zerotee package is already installed (it is not ours to replace). Whatever fails, the package is purged and the service
stopped before the test exits.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SKIP = 77
ARCH_LIBDIR = None  # filled from dpkg-architecture / the package contents
# The client library (issue 19): headers, library, pkg-config file, Python package.
CLIENT_FILES = ["/usr/include/zerotee/client.h", "/usr/include/zerotee/client.hpp",
                "/usr/lib/{multiarch}/libzerotee-client.so.1",
                "/usr/lib/{multiarch}/libzerotee-client.so",
                "/usr/lib/{multiarch}/pkgconfig/zerotee-client.pc",
                "/usr/lib/python3/dist-packages/zerotee/__init__.py"]
PROGRAMS = ["zerotee", "zeroteectl", "zerotee-recorder", "zerotee-rtsp", "zerotee-ai",
            "zerotee-monitor"]


class Failure(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Failure(what)
    print(f"ok: {what}", flush=True)


def run(args, env=None, timeout=60, check_rc=True):
    p = subprocess.run(args, env=env, timeout=timeout, capture_output=True, text=True)
    if check_rc and p.returncode != 0:
        raise Failure(f"{' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def installed(package="zerotee"):
    p = subprocess.run(["dpkg-query", "-W", "-f=${Status}", package], capture_output=True,
                       text=True)
    return p.returncode == 0 and "installed" in p.stdout and "not-installed" not in p.stdout


def clean_env(home, runtime=None):
    """What a login shell would have: no GST_* or Qt variables, a HOME of our own (so the
    GStreamer registry cache is fresh)."""
    env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8"}
    if runtime:
        env["XDG_RUNTIME_DIR"] = runtime
    return env


def sanitizer_options(build_dir):
    """The sanitizer options (ZEROTEE_SANITIZE, _TSAN, _FUZZ) that build_dir is configured with."""
    on = []
    try:
        with open(os.path.join(build_dir, "CMakeCache.txt")) as f:
            for line in f:
                name, _, value = line.strip().partition("=")
                if name.split(":")[0] in ("ZEROTEE_SANITIZE", "ZEROTEE_TSAN", "ZEROTEE_FUZZ") \
                        and value.upper() in ("ON", "1", "TRUE", "YES"):
                    on.append(name.split(":")[0])
    except OSError:
        pass
    return on


def status(env, control):
    p = run(["/usr/bin/zeroteectl", "--control", control, "status", "--json"], env=env,
            timeout=10, check_rc=False)
    if p.returncode != 0:
        return None
    return json.loads(p.stdout)


def check_client(source_dir, work, env, status_now):
    """The installed client library as a user meets it: the C example built with pkg-config
    alone, run against the installed service's bus by camera name, and the Python package from
    Debian's python3 with no PYTHONPATH."""
    flags = run(["pkg-config", "--cflags", "--libs", "zerotee-client"], env=env).stdout.split()
    binary = os.path.join(work, "frames")
    run(["cc", "-std=c11", "-Wall", "-Werror", os.path.join(source_dir, "examples/c/frames.c"),
         "-o", binary] + flags, env=env)
    check(True, f"examples/c/frames.c builds with pkg-config: {' '.join(flags)}")
    camera = status_now["cameras"][0]["name"]
    out = run([binary, "--camera", camera, "2"], env=env, timeout=30).stdout
    check("fps" in out and "mean luma" in out, f"the C example reads the service's bus: "
          f"{out.splitlines()[-1] if out else ''}")
    code = ("import zerotee\n"
            f"with zerotee.Subscriber(camera={camera!r}) as sub:\n"
            "    for i, frame in enumerate(sub):\n"
            "        assert not frame.planes[0].flags.owndata\n"
            "        if i == 4: break\n"
            "print(zerotee.__file__)\n"
            "print(zerotee._frames.__file__)\n")
    out = run(["/usr/bin/python3", "-c", code], env=env, timeout=30).stdout.split()
    check(len(out) == 2 and all(p.startswith("/usr/lib/python3/dist-packages/zerotee/")
                                for p in out),
          f"import zerotee (and its extension) from the package reads frames: {out}")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    source_dir, build_dir = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        print("skip: installing a package needs root")
        return SKIP
    for tool in ("dpkg", "dpkg-deb", "dpkg-shlibdeps", "cpack"):
        if not shutil.which(tool):
            print(f"skip: {tool} is missing")
            return SKIP
    sanitized = sanitizer_options(build_dir)
    if sanitized:
        # An instrumented build is no release package: its programs cannot run from a clean
        # environment (and its plugin would sit in the system's GStreamer directory, where an
        # uninstrumented gst-launch-1.0 fails to load it).
        print(f"skip: {build_dir} is a sanitizer build ({', '.join(sanitized)}); "
              "the package is built and installed from a release build")
        return SKIP
    if installed() or os.path.exists("/etc/zerotee"):
        print("skip: zerotee (or /etc/zerotee) is already on this machine; not replacing it")
        return SKIP

    work = tempfile.mkdtemp(prefix="zerotee-package-")
    ours = False
    service = None
    try:
        # Build the package from what is built (the test runs after the build).
        t0 = time.monotonic()
        p = run([os.path.join(source_dir, "scripts/package.sh"), "--no-build", "--output",
                 os.path.join(work, "out")], env=dict(os.environ, BUILD_DIR=build_dir),
                timeout=180)
        deb = p.stdout.strip().splitlines()[-1]
        check(deb.endswith(".deb") and os.path.isfile(deb),
              f"package built in {time.monotonic() - t0:.1f} s: {os.path.basename(deb)}")

        fields = run(["dpkg-deb", "-f", deb, "Package", "Version", "Depends"]).stdout
        print(fields)
        check("Package: zerotee" in fields, "package name zerotee")
        for dep in ("gstreamer1.0-plugins-base", "gstreamer1.0-plugins-good",
                    "gstreamer1.0-plugins-bad", "gstreamer1.0-plugins-ugly", "libqt6core6",
                    "libgstreamer1.0-0"):
            check(dep in fields, f"Depends names {dep}")
        conffiles = run(["dpkg-deb", "-I", deb, "conffiles"]).stdout
        check("/etc/zerotee/zerotee.toml" in conffiles, "the configuration is a conffile")

        multiarch = run(["dpkg-architecture", "-qDEB_HOST_MULTIARCH"], check_rc=False).stdout.strip() \
            or run(["gcc", "-dumpmachine"]).stdout.strip()
        plugin = f"/usr/lib/{multiarch}/gstreamer-1.0/libgstzerotee.so"
        expected = [f"/usr/bin/{p}" for p in PROGRAMS] + [
            plugin,
            "/etc/zerotee/zerotee.toml",
            "/usr/lib/systemd/system/zerotee.service",
            "/usr/share/zerotee/profiles/imx8mp.toml",
            "/usr/share/zerotee/profiles/raspberrypi.toml",
            "/usr/share/zerotee/profiles/pc.toml",
        ] + [f"/usr/share/man/man1/{p}.1" for p in PROGRAMS] + [
            f.format(multiarch=multiarch) for f in CLIENT_FILES]
        listing = run(["dpkg-deb", "-c", deb]).stdout
        for path in expected:
            check(f".{path}\n" in listing + "\n" or f".{path} -> " in listing,  # file or link
                  f"package holds {path}")

        # Install: dpkg alone, so every dependency must already be on the machine.
        ours = True
        p = run(["dpkg", "-i", deb], timeout=120, check_rc=False)
        check(p.returncode == 0 and installed(),
              "dpkg -i installs it with its dependencies satisfied" +
              ("" if p.returncode == 0 else f":\n{p.stdout}\n{p.stderr}"))
        for path in expected:
            check(os.path.exists(path), f"installed {path}")

        home = os.path.join(work, "home")
        os.makedirs(home)
        env = clean_env(home)
        out = run(["/usr/bin/zerotee", "--version"], env=env).stdout.strip()
        check(out.startswith("zerotee "), f"zerotee --version: {out}")
        for program in PROGRAMS:
            out = run([f"/usr/bin/{program}", "--help"], env=env, timeout=20).stdout
            check("--" in out, f"{program} --help prints its options")
        for element in ("zeroteesrc", "zeroteesink"):
            out = run(["gst-inspect-1.0", element], env=env, timeout=60).stdout
            # usrmerge: GStreamer may name it through /lib, a link to /usr/lib.
            found = [line.split()[-1] for line in out.splitlines()
                     if line.strip().startswith("Filename")]
            check(found and os.path.realpath(found[0]) == os.path.realpath(plugin),
                  f"gst-inspect-1.0 {element} finds {found[0] if found else None} "
                  f"with no GST_* variables")
        out = run(["/usr/bin/zerotee", "--suggest-profile"], env=env, timeout=30).stdout
        check(out.splitlines()[0] in ("imx8mp", "raspberrypi", "pc") and "use: zerotee --profile"
              in out and "/usr/share/zerotee/profiles/" in out,
              f"zerotee --suggest-profile: {out.splitlines()[0]} from the installed profiles")
        if shutil.which("systemd-analyze"):
            p = run(["systemd-analyze", "verify", "/usr/lib/systemd/system/zerotee.service"],
                    env=env, check_rc=False, timeout=30)
            print(f"systemd-analyze verify (informational, no systemd here): rc={p.returncode} "
                  f"{p.stderr.strip()[:300]}")

        # The service as the unit starts it (installed configuration), made hermetic: test
        # source, a small picture, our own runtime dir, recordings and ports.
        runtime = os.path.join(work, "run")
        os.makedirs(runtime, mode=0o700)
        env = clean_env(home, runtime)
        control = os.path.join(runtime, "control.sock")
        rtsp_port = 20000 + os.getpid() % 20000
        log = open(os.path.join(work, "zerotee.log"), "w")
        service = subprocess.Popen(
            ["/usr/bin/zerotee", "--headless", "--config", "/etc/zerotee/zerotee.toml",
             "--source", "test", "--size", "320x240", "--fps", "15", "--control", control,
             "--no-http", "--record", os.path.join(work, "recordings"), "--rtsp-port",
             str(rtsp_port)], env=env, stdout=log, stderr=subprocess.STDOUT)
        first = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            s = status(env, control)
            if s and s["cameras"] and s["cameras"][0]["frames"] > 0:
                if first is None:
                    first = s
                    time.sleep(2)
                    continue
                break
            time.sleep(0.3)
        check(first is not None, "the installed service publishes frames")
        s = status(env, control)
        frames = (first["cameras"][0]["frames"], s["cameras"][0]["frames"])
        check(frames[1] > frames[0], f"frames keep flowing: {frames[0]} -> {frames[1]}")
        time.sleep(2)
        s = status(env, control)
        workers = {w["name"]: w for w in s["workers"]}
        for name in ("recorder", "rtsp"):
            w = workers.get(name)
            check(w is not None and w.get("state") == "running",
                  f"worker {name} from /usr/bin runs: {w and w.get('state')}")
            exe = os.readlink(f"/proc/{w['pid']}/exe")
            check(exe == f"/usr/bin/zerotee-{name}", f"worker {name} is {exe}")
        check_client(source_dir, work, env, s)
        service.send_signal(signal.SIGTERM)
        rc = service.wait(timeout=40)
        service = None
        check(rc == 0, f"SIGTERM stops the service cleanly (exit {rc})")

        # Remove, then purge: the conffile survives a remove and goes with purge.
        run(["dpkg", "-r", "zerotee"], timeout=60)
        for path in expected:
            if path != "/etc/zerotee/zerotee.toml":
                check(not os.path.exists(path), f"dpkg -r removed {path}")
        run(["dpkg", "--purge", "zerotee"], timeout=60)
        ours = False
        check(not installed() and not os.path.exists("/etc/zerotee"),
              "dpkg --purge removed the package and /etc/zerotee")
        print("PASS")
        return 0
    except (Failure, subprocess.TimeoutExpired, OSError, KeyError, ValueError) as e:
        print(f"FAIL: {e}")
        log_path = os.path.join(work, "zerotee.log")
        if os.path.exists(log_path):
            print("--- service log ---\n" + open(log_path).read()[-4000:])
        return 1
    finally:
        if service is not None:
            service.kill()
            service.wait()
        if ours or installed():
            subprocess.run(["dpkg", "--purge", "zerotee"], capture_output=True, timeout=120)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
