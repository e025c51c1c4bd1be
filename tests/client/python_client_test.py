#!/usr/bin/python3
"""The Python package `zerotee` against real producers (gst-launch-1.0 ... ! zeroteesink, and
an in-process zeroteesink where the test reads the producer's own counters).

    PYTHONPATH=build/python python_client_test.py

Run by CTest (label `client`) with the build tree's plugin and library.
"""
import asyncio
import gc
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import warnings

import numpy as np

import zerotee

WHITE_720 = ("videotestsrc pattern=white is-live=true ! "
             "video/x-raw,format=NV12,width=1280,height=720,framerate=30/1")
WHITE_SMALL = ("videotestsrc pattern=white is-live=true ! "
               "video/x-raw,format=NV12,width=320,height=240,framerate=30/1")


def wait_for(predicate, timeout=10.0, step=0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class Producer:
    """gst-launch-1.0 SOURCE ! zeroteesink socket-path=SOCKET, as its own process."""

    def __init__(self, socket_path, source, sink_props=""):
        self.socket_path = socket_path
        line = f"{source} ! zeroteesink socket-path={socket_path} {sink_props}"
        self.process = subprocess.Popen(["gst-launch-1.0", "-q"] + line.split(),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not wait_for(lambda: os.path.exists(socket_path)):
            self.kill()
            raise AssertionError("the producer did not come up: "
                                 + self.process.stderr.read().decode(errors="replace"))

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.process.stderr.close()


class PythonClient(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="zt-python-test.")
        self.socket = os.path.join(self.dir, "cam0.sock")
        self.producers = []

    def tearDown(self):
        for producer in self.producers:
            producer.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def produce(self, source=WHITE_SMALL, sink_props=""):
        producer = Producer(self.socket, source, sink_props)
        self.producers.append(producer)
        return producer

    def test_ninety_white_720p_frames_are_views_of_the_shared_buffer(self):
        self.produce(WHITE_720)
        started = time.monotonic()
        pts = []
        with zerotee.Subscriber(self.socket, policy="all", quota=2) as sub:
            for _ in range(90):
                with sub.next(timeout=2.0) as frame:
                    self.assertEqual((frame.width, frame.height, frame.format),
                                     (1280, 720, "NV12"))
                    y, uv = frame.planes
                    self.assertEqual(y.shape, (720, 1280))
                    self.assertEqual(uv.shape, (360, 640, 2))
                    self.assertFalse(y.flags.owndata)
                    self.assertFalse(y.flags.writeable)
                    self.assertEqual(y.mean(), 235.0)
                    self.assertEqual(uv.mean(), 128.0)
                    self.assertEqual(frame.memory_type, "memfd")
                    self.assertGreaterEqual(frame.fd, 0)
                    pts.append(frame.pts_ns)
                    del y, uv
        elapsed = time.monotonic() - started
        span = (pts[-1] - pts[0]) / 1e9
        print(f"90 frames of 1280x720 NV12 in {elapsed:.2f} s, capture times spanning "
              f"{span:.3f} s", flush=True)
        self.assertEqual(pts, sorted(pts))
        # 90 consecutive frames of a 30 fps source: 89 intervals of 1/30 s.
        self.assertAlmostEqual(span, 89 / 30, delta=0.1)

    def test_iteration_fileno_and_fps_cap(self):
        self.produce()
        with zerotee.Subscriber(self.socket, policy="fps-cap", max_fps=5) as sub:
            self.assertEqual(sub.info["policy"], "fps-cap")
            pts = []
            for frame in sub:
                pts.append(frame.pts_ns)
                if len(pts) == 6:
                    break
            gaps = [(b - a) / 1e9 for a, b in zip(pts, pts[1:])]
            self.assertTrue(all(g > 0.15 for g in gaps), gaps)  # at most 5 per second

            selector = selectors.DefaultSelector()
            selector.register(sub.fileno(), selectors.EVENT_READ)
            got = 0
            deadline = time.monotonic() + 5
            while got < 3 and time.monotonic() < deadline:
                if selector.select(timeout=1.0):
                    try:
                        with sub.next(timeout=0):
                            got += 1
                    except zerotee.TimeoutError:
                        pass  # readable for a message that was not a frame
            selector.close()
            self.assertEqual(got, 3)

    def test_asyncio_add_reader(self):
        self.produce()

        async def three_frames(sub):
            loop = asyncio.get_running_loop()
            ready = asyncio.Event()
            loop.add_reader(sub.fileno(), ready.set)
            frames = []
            try:
                while len(frames) < 3:
                    await asyncio.wait_for(ready.wait(), 5)
                    ready.clear()
                    try:
                        with sub.next(timeout=0) as frame:
                            frames.append(frame.sequence)
                    except zerotee.TimeoutError:
                        pass
            finally:
                loop.remove_reader(sub.fileno())
            return frames

        with zerotee.Subscriber(self.socket) as sub:
            self.assertEqual(len(asyncio.run(three_frames(sub))), 3)

    def test_waiting_releases_the_gil(self):
        self.produce("videotestsrc is-live=true ! "
                     "video/x-raw,format=NV12,width=64,height=64,framerate=1/1")
        with zerotee.Subscriber(self.socket) as sub:
            with sub.next(timeout=3):
                pass
            done = threading.Event()

            def wait():
                try:
                    with sub.next(timeout=0.8):
                        pass
                except zerotee.TimeoutError:
                    pass
                done.set()

            waiter = threading.Thread(target=wait)
            waiter.start()
            loops = 0
            while not done.is_set():
                loops += 1
            waiter.join()
            # The main thread kept running Python while the other waited in the library.
            self.assertGreater(loops, 10000)

    def test_kept_arrays_keep_the_lease_and_count_against_the_quota(self):
        self.produce()
        with zerotee.Subscriber(self.socket, policy="all", quota=2) as sub:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with sub.next(timeout=2) as frame:
                    kept = frame.planes[0][10:20, 10:20]  # a view of a view
            self.assertTrue(any(issubclass(w.category, zerotee.LeaseWarning) for w in caught))
            self.assertEqual(sub.info["held"], 1)
            self.assertEqual(kept.mean(), 235.0)  # still the shared buffer, still valid
            with self.assertRaises(zerotee.InvalidUseError):
                frame.planes
            second = sub.next(timeout=2)
            started = time.monotonic()
            with self.assertRaises(zerotee.QuotaError) as error:
                sub.next(timeout=5)
            self.assertLess(time.monotonic() - started, 1.0)  # at once, not after the timeout
            self.assertIn("numpy arrays", str(error.exception))
            del kept
            gc.collect()
            self.assertEqual(sub.info["held"], 1)
            second.release()
            self.assertEqual(sub.info["held"], 0)

    def test_the_frame_exports_its_bytes_through_the_buffer_protocol(self):
        self.produce()
        with zerotee.Subscriber(self.socket, policy="all", quota=2) as sub:
            with sub.next(timeout=2) as frame:
                view = memoryview(frame)
                self.assertTrue(view.readonly)
                self.assertEqual(view.nbytes, frame.size)
                y_bytes = frame.strides[0] * frame.height
                self.assertEqual(set(view[:y_bytes:4096]), {235})  # the white Y plane, in place
                with self.assertRaises(TypeError):  # read-only
                    view[0:1] = b"x"
                # The same memory as the plane's numpy view, not a copy of it.
                self.assertEqual(np.frombuffer(view, np.uint8).ctypes.data,
                                 frame.planes[0].ctypes.data)
                del view
            self.assertEqual(sub.info["held"], 0)
            with self.assertRaises(zerotee.InvalidUseError):
                memoryview(frame)
            # A view that outlives its frame keeps the lease until it is released.
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                with sub.next(timeout=2) as frame:
                    kept = memoryview(frame)
            self.assertTrue(any(issubclass(w.category, zerotee.LeaseWarning) for w in caught))
            self.assertEqual(sub.info["held"], 1)
            self.assertEqual(kept[0], 235)
            kept.release()
            self.assertEqual(sub.info["held"], 0)

    def test_arrays_kept_frame_after_frame_leave_no_growing_bookkeeping(self):
        self.produce()
        with zerotee.Subscriber(self.socket, policy="all", quota=2) as sub:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", zerotee.LeaseWarning)
                kept = None
                for _ in range(60):
                    with sub.next(timeout=2) as frame:
                        previous, kept = kept, frame.planes[0]
                    del previous  # the frame before's array goes: its lease ends
                    self.assertEqual(sub.info["held"], 1)
            # One reference per frame whose array outlived it would be 60; pruned as each is
            # added, at most the quota's worth are held.
            self.assertLessEqual(sub._kept_references(), 2)
            self.assertEqual(kept.mean(), 235.0)
            del kept

    def test_malformed_use_raises_clear_errors(self):
        with self.assertRaises(zerotee.NotFoundError) as error:
            zerotee.Subscriber(os.path.join(self.dir, "nothing.sock"))
        self.assertIn("nothing.sock", str(error.exception))
        self.assertIsInstance(error.exception, FileNotFoundError)
        with self.assertRaises(zerotee.InvalidUseError):
            zerotee.Subscriber(self.socket, policy="fastest")
        with self.assertRaises(zerotee.InvalidUseError):
            zerotee.Subscriber()
        self.produce()
        with self.assertRaises(zerotee.InvalidUseError) as error:
            zerotee.Subscriber(self.socket, policy="fps-cap")
        self.assertIn("max_fps", str(error.exception))

        sub = zerotee.Subscriber(self.socket, policy="all", quota=2)
        frame = sub.next(timeout=2)
        frame.release()
        with self.assertRaises(zerotee.InvalidUseError):
            frame.release()
        with self.assertRaises(zerotee.InvalidUseError):
            frame.planes
        # Arrays kept past the subscriber's close stay readable; the lease ends with them.
        frame = sub.next(timeout=2)
        y = frame.planes[0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", zerotee.LeaseWarning)
            frame.__exit__(None, None, None)
        sub.close()
        self.assertTrue(sub.closed)
        with self.assertRaises(zerotee.ClosedError):
            sub.next(timeout=0.1)
        with self.assertRaises(zerotee.ClosedError):
            sub.fileno()
        self.assertEqual(y.mean(), 235.0)
        del y
        gc.collect()
        sub.close()  # twice is fine

    def test_reconnects_when_the_producer_restarts(self):
        producer = self.produce()
        with zerotee.Subscriber(self.socket, reconnect_interval=0.05) as sub:
            with sub.next(timeout=2) as frame:
                self.assertEqual(frame.planes[0].mean(), 235.0)
            producer.kill()
            os.unlink(self.socket)
            self.produce()
            got = 0
            deadline = time.monotonic() + 10
            while got < 5 and time.monotonic() < deadline:
                try:
                    with sub.next(timeout=0.5) as frame:
                        self.assertEqual(frame.planes[0].mean(), 235.0)
                        got += 1
                except zerotee.TimeoutError:
                    pass
            self.assertEqual(got, 5)
            self.assertGreaterEqual(sub.info["reconnects"], 1)

    def test_nv12_to_bgr_copy(self):
        self.produce()
        with zerotee.Subscriber(self.socket) as sub:
            out = np.zeros((240, 320, 3), dtype=np.uint8)
            with sub.next(timeout=2) as frame:
                result = zerotee.nv12_to_bgr_copy(frame, out=out)
                with self.assertRaises(zerotee.InvalidUseError):
                    zerotee.nv12_to_bgr_copy(frame, out=np.zeros((2, 2, 3), np.uint8))
            self.assertIs(result, out)
            self.assertTrue(out.flags.owndata)  # a copy, not a view
            self.assertGreaterEqual(int(out.min()), 250)  # white


class KilledClient(unittest.TestCase):
    """A Python client killed while it holds frames: the producer reclaims them at once. The
    producer runs in this process so that its own counters can be read."""

    def test_buffers_reclaimed_at_once(self):
        import gi
        gi.require_version("Gst", "1.0")
        from gi.repository import Gst
        Gst.init(None)
        directory = tempfile.mkdtemp(prefix="zt-python-kill.")
        socket_path = os.path.join(directory, "cam0.sock")
        pipeline = Gst.parse_launch(f"{WHITE_SMALL} ! zeroteesink name=sink "
                                    f"socket-path={socket_path} lease-timeout=10000")
        sink = pipeline.get_by_name("sink")
        pipeline.set_state(Gst.State.PLAYING)
        child = None
        try:
            self.assertTrue(wait_for(lambda: os.path.exists(socket_path)))
            code = ("import sys, time, zerotee\n"
                    f"sub = zerotee.Subscriber({socket_path!r}, policy='all', quota=3)\n"
                    "held = [sub.next(timeout=2) for _ in range(3)]\n"
                    "print('holding', flush=True)\n"
                    "time.sleep(60)\n")
            child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
            self.assertEqual(child.stdout.readline().strip(), b"holding")

            def stat(name):
                return sink.get_property("stats").get_value(name)

            self.assertEqual(stat("clients"), 1)
            self.assertTrue(wait_for(lambda: stat("buffers-held") == 3, timeout=2))
            child.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            self.assertTrue(wait_for(lambda: stat("buffers-held") == 0, timeout=2, step=0.001))
            reclaimed = time.monotonic() - killed
            self.assertEqual(stat("clients"), 0)
            self.assertEqual(stat("evictions"), 0)  # reclaimed on hang-up, not by a timeout
            print(f"3 held buffers reclaimed {reclaimed * 1000:.1f} ms after SIGKILL "
                  "(lease timeout 10 s)", flush=True)
            self.assertLess(reclaimed, 1.0)
        finally:
            if child is not None:
                child.kill()
                child.wait()
                child.stdout.close()
            pipeline.set_state(Gst.State.NULL)
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    unittest.main(verbosity=2)
