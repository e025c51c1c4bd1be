// zerotee-bench-client: the C client library's side of the client benchmark (bench/clients.py).
//
//   zt_subscriber_next -> read the producer's 16-byte stamp (BenchCommon.h) and one byte per
//   --touch-stride bytes of the Y plane -> zt_frame_release
//
// the same work per frame as zerotee-bench-consumer --touch-stride and the Python consumer
// (client_bench_consumer.py). Measures from --warmup to --seconds; prints one JSON line with the
// keys zerotee-bench-consumer uses (frames, missed, lat_us, cpu_s).

#include "BenchCommon.h"

#include <zerotee/client.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace zerotee::bench;

namespace {

uint64_t percentile(const std::vector<uint64_t> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    size_t rank = size_t(p / 100.0 * double(sorted.size()) + 0.999999);
    return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

} // namespace

int main(int argc, char **argv)
{
    const char *usage = "zerotee-bench-client --socket PATH [--seconds S] [--warmup W] "
                        "[--touch-stride BYTES] [--policy all|latest|fps-cap]";
    std::string socket, policy = "all";
    double seconds = 10, warmup = 2;
    size_t touchStride = 4096;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (i + 1 >= argc)
            usageError(usage, ("missing value for " + a).c_str());
        const char *value = argv[++i];
        if (a == "--socket")
            socket = value;
        else if (a == "--seconds")
            seconds = std::atof(value);
        else if (a == "--warmup")
            warmup = std::atof(value);
        else if (a == "--touch-stride")
            touchStride = size_t(std::atol(value));
        else if (a == "--policy")
            policy = value;
        else
            usageError(usage, ("unknown argument " + a).c_str());
    }
    if (socket.empty() || touchStride == 0)
        usageError(usage, "--socket is required, --touch-stride must be > 0");

    zt_options options;
    zt_options_init(&options);
    options.name = "bench-c";
    if (zt_policy_from_name(policy.c_str(), &options.policy) != ZT_OK)
        usageError(usage, zt_last_error());
    zt_subscriber *sub = nullptr;
    if (zt_subscriber_open(socket.c_str(), &options, &sub) != ZT_OK) {
        std::fprintf(stderr, "bench-client: %s\n", zt_last_error());
        return 1;
    }
    const uint64_t start = monotonicNs();
    const uint64_t windowStart = start + uint64_t(warmup * 1e9);
    const uint64_t end = start + uint64_t(seconds * 1e9);
    uint64_t cpuStart = 0, frames = 0, missed = 0, lastFrame = 0, touched = 0;
    bool inWindow = false, haveLast = false;
    std::vector<uint64_t> latency;
    while (monotonicNs() < end) {
        zt_frame frame;
        if (zt_subscriber_next(sub, 200, &frame) != ZT_OK)
            continue;
        Stamp stamp;
        std::memcpy(&stamp, frame.planes[0].data, sizeof(stamp));
        uint64_t sum = 0;
        const uint64_t ySize = uint64_t(frame.planes[0].stride) * frame.height;
        for (uint64_t i = 0; i < ySize; i += touchStride)
            sum += frame.planes[0].data[i];
        touched += sum;
        const uint64_t now = monotonicNs();
        zt_frame_release(sub, &frame);
        if (!inWindow && now >= windowStart) {
            inWindow = true;
            cpuStart = processCpuNs();
            haveLast = false;
        }
        if (!inWindow)
            continue;
        frames++;
        latency.push_back(now - stamp.publishNs);
        if (haveLast && stamp.frame > lastFrame)
            missed += stamp.frame - lastFrame - 1;
        lastFrame = stamp.frame;
        haveLast = true;
    }
    const double cpu = inWindow ? double(processCpuNs() - cpuStart) / 1e9 : 0;
    const double window = inWindow ? double(monotonicNs() - windowStart) / 1e9 : 0;
    zt_subscriber_close(sub);
    std::sort(latency.begin(), latency.end());
    std::printf("{\"role\":\"consumer\",\"transport\":\"c-client\",\"window_s\":%.3f,"
                "\"frames\":%llu,\"missed\":%llu,\"lat_us\":{\"p50\":%.1f,\"p99\":%.1f},"
                "\"cpu_s\":%.4f,\"touched\":%llu}\n",
                window, (unsigned long long)frames, (unsigned long long)missed,
                percentile(latency, 50) / 1e3, percentile(latency, 99) / 1e3, cpu,
                (unsigned long long)touched);
    return frames > 0 ? 0 : 1;
}
