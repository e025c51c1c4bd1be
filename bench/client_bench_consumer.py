#!/usr/bin/python3
"""The Python client's side of the client benchmark (bench/clients.py): next frame -> read the
producer's 16-byte stamp and one byte per --touch-stride bytes of the Y plane (through a
memoryview of the frame, in place) -> release. Prints one JSON line like
zerotee-bench-consumer's."""
import argparse
import json
import struct
import sys
import time

import zerotee


STAMP = struct.Struct("=QQ")  # the producer's publish time and frame number, at the start


def read_frame(sub, touch_stride):
    """One frame through the package: (publish_ns, number, sum of the sampled bytes) or None."""
    try:
        frame = sub.next(timeout=0.2)
    except zerotee.TimeoutError:
        return None
    with frame:
        # The frame's bytes in place through the buffer protocol (no numpy array: its view and
        # buffer export cost more per call than the reads themselves), Y plane first: the
        # stamp, then one byte per touch-stride bytes of the Y plane through a strided
        # memoryview. The same bytes the C consumers read (the producer's Y stride is its width).
        try:
            flat = memoryview(frame)
        except TypeError:  # a --baseline-build package from before 9a95b8f
            sys.exit("client_bench_consumer: this zerotee package's frames have no buffer "
                     "protocol (memoryview(frame), since 9a95b8f): too old for this consumer")
        publish_ns, number = STAMP.unpack_from(flat)
        sampled = sum(flat[:frame.width * frame.height:touch_stride])
        flat.release()
    return publish_ns, number, sampled


class Floor:
    """The cheapest Python loop there is: the extension's next and the frame's release, its
    publish time and number from the library's frame record, no views, no work."""

    def __init__(self, sub):
        self.sub = sub

    def read(self):
        try:
            frame = self.sub.next(0.2)
        except zerotee.TimeoutError:
            return None
        publish_ns, number = frame.publish_ns, frame.sequence
        frame.release()
        return publish_ns, number, 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--socket", required=True)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--touch-stride", type=int, default=4096)
    parser.add_argument("--policy", default="all")
    parser.add_argument("--floor", action="store_true",
                        help="only next + release through the extension: the interpreter's floor")
    args = parser.parse_args()
    clock = time.CLOCK_MONOTONIC
    start = time.clock_gettime_ns(clock)
    window_start = start + int(args.warmup * 1e9)
    end = start + int(args.seconds * 1e9)
    frames = missed = touched = 0
    cpu_start = None
    last = None
    latency = []
    with zerotee.Subscriber(args.socket, policy=args.policy, name="bench-py") as sub:
        floor = Floor(sub) if args.floor else None
        while time.clock_gettime_ns(clock) < end:
            got = floor.read() if floor else read_frame(sub, args.touch_stride)
            if got is None:
                continue
            publish_ns, number, sampled = got
            touched += sampled
            now = time.clock_gettime_ns(clock)
            if cpu_start is None and now >= window_start:
                cpu_start = time.process_time()
                last = None
            if cpu_start is None:
                continue
            frames += 1
            latency.append(now - int(publish_ns))
            if last is not None and number > last:
                missed += int(number - last - 1)
            last = int(number)
    cpu = time.process_time() - cpu_start if cpu_start is not None else 0.0
    latency.sort()

    def pct(p):
        if not latency:
            return 0.0
        return latency[min(len(latency) - 1, max(0, int(p / 100 * len(latency) + 0.999999) - 1))] / 1e3

    print(json.dumps({"role": "consumer", "transport": "python-client",
                      "window_s": (time.clock_gettime_ns(clock) - window_start) / 1e9,
                      "frames": frames, "missed": missed,
                      "lat_us": {"p50": pct(50), "p99": pct(99)}, "cpu_s": round(cpu, 4),
                      "touched": touched}), flush=True)


if __name__ == "__main__":
    main()
