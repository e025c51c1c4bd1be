#!/usr/bin/python3
"""The client examples as a user runs them: examples/c/frames.c compiled with
`pkg-config --cflags --libs zerotee-client` against the build tree's .pc, examples/python/*.py
with PYTHONPATH=build/python, each against a gst-launch-1.0 ... ! zeroteesink producer.

    examples_test.py SOURCE_DIR BUILD_DIR
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

SOURCE, BUILD = sys.argv[1], sys.argv[2]
del sys.argv[1:3]

WHITE = ("videotestsrc pattern=white is-live=true ! "
         "video/x-raw,format=NV12,width=320,height=240,framerate=30/1")


class Producer:
    def __init__(self, socket_path, source):
        self.process = subprocess.Popen(
            ["gst-launch-1.0", "-q"] + f"{source} ! zeroteesink socket-path={socket_path}".split(),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not os.path.exists(socket_path) and time.monotonic() < deadline:
            time.sleep(0.02)
        if not os.path.exists(socket_path):
            self.kill()
            raise AssertionError("the producer did not come up")

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class Examples(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zt-examples.")
        self.socket = os.path.join(self.dir, "cam0.sock")
        self.producers = []
        self.env = dict(os.environ, PYTHONPATH=os.path.join(BUILD, "python"),
                        PKG_CONFIG_PATH=os.path.join(BUILD, "lib", "pkgconfig"))

    def tearDown(self):
        for producer in self.producers:
            producer.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def produce(self, source=WHITE):
        self.producers.append(Producer(self.socket, source))
        return self.producers[-1]

    def test_c_example_built_with_pkg_config_reconnects(self):
        flags = subprocess.run(["pkg-config", "--cflags", "--libs", "zerotee-client"],
                               env=self.env, capture_output=True, text=True, check=True).stdout
        self.assertIn(os.path.join(SOURCE, "client", "include"), flags)
        binary = os.path.join(self.dir, "frames")
        subprocess.run(["cc", "-std=c11", "-Wall", "-Wextra", "-Werror",
                        os.path.join(SOURCE, "examples", "c", "frames.c"), "-o", binary]
                       + flags.split(), check=True)
        producer = self.produce()
        run = subprocess.Popen([binary, self.socket, "6"], stdout=subprocess.PIPE, text=True)
        time.sleep(2)
        producer.kill()  # the producer restarts; the example keeps going
        os.unlink(self.socket)
        self.produce()
        out, _ = run.communicate(timeout=30)
        print(out, flush=True)
        self.assertEqual(run.returncode, 0)
        self.assertIn("mean luma 235.0", out)
        self.assertRegex(out, r"total \d+ frames, [1-9]\d* reconnects")
        fps = [float(x) for x in re.findall(r"([\d.]+) fps", out)]
        self.assertGreater(fps[-1], 20)  # back at full rate after the restart

        # By camera name, through the runtime directory.
        run = subprocess.run([binary, "--camera", "cam0", "1.5"], capture_output=True,
                             text=True, env=dict(self.env, ZEROTEE_RUNTIME_DIR=self.dir),
                             timeout=30)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("mean luma 235.0", run.stdout)

    def test_python_frames_example(self):
        self.produce()
        run = subprocess.run([sys.executable, os.path.join(SOURCE, "examples", "python",
                                                           "frames.py"), self.socket, "2.5"],
                             capture_output=True, text=True, env=self.env, timeout=30)
        print(run.stdout, run.stderr, flush=True)
        self.assertEqual(run.returncode, 0)
        self.assertIn("mean luma 235.0", run.stdout)

    def motion(self, source, seconds=4):
        self.produce(source)
        run = subprocess.run([sys.executable, os.path.join(SOURCE, "examples", "python",
                                                           "motion.py"), self.socket, str(seconds)],
                             capture_output=True, text=True, env=self.env, timeout=60)
        print(run.stdout[-400:], run.stderr, flush=True)
        self.assertEqual(run.returncode, 0)
        analysed, moving = map(int, re.search(r"analysed (\d+) frames in \d+ s, motion in (\d+)",
                                              run.stdout).groups())
        self.assertLessEqual(analysed, 5 * seconds + 2)  # the producer's 5 fps cap
        self.assertGreaterEqual(analysed, 5)
        return analysed, moving

    def test_opencv_motion_example_sees_a_moving_ball(self):
        analysed, moving = self.motion(
            "videotestsrc pattern=ball is-live=true ! "
            "video/x-raw,format=NV12,width=640,height=480,framerate=30/1")
        self.assertGreaterEqual(moving, analysed - 2)  # the ball moves in every frame

    def test_opencv_motion_example_sees_no_motion_in_a_still_picture(self):
        _, moving = self.motion(WHITE)
        self.assertEqual(moving, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
