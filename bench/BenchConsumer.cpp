// zerotee-bench-consumer: one receiving side of the frame-bus benchmark.
//
//   shm:     shmsrc socket-path=P is-live=true do-timestamp=true ! capsfilter caps=<caps> ! appsink
//   zerotee: zeroteesrc socket-path=P [props] ! appsink
//
// For every sample it maps the memory holding the start of the Y plane READ, reads the
// producer's 16-byte stamp (BenchCommon.h) and records latency = now - publish time, and gaps
// in the frame counter. Nothing else touches the pixels: the consumers of the user story hand
// the memory to an encoder, and this measures the transport. appsink keeps no last sample
// (enable-last-sample=false), so the consumer holds no frame between samples.
//
// Measurement window: from --warmup seconds after start (or SIGUSR1, which restarts it) to
// SIGUSR2, --seconds, SIGTERM or SIGINT. At the end one JSON line goes to stdout.

#include "BenchCommon.h"

#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <gst/video/video.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace zerotee::bench;

namespace {

const char *kUsage =
    "zerotee-bench-consumer --transport shm|zerotee --socket PATH [--size WxH] [--fps N]\n"
    "       [--seconds S] [--warmup W] [--json] [--latency-file PATH] [--src-props 'k=v ...']\n"
    "       [--format NV12] [--touch-stride BYTES]\n"
    "  --seconds 0 (default) runs until SIGTERM/SIGINT; SIGUSR1 (re)starts the window, SIGUSR2\n"
    "  ends it (the process keeps running until SIGTERM).";

struct Options {
    std::string transport;
    std::string socket;
    std::string format = "NV12";
    int width = 1920;
    int height = 1080;
    int fps = 30;
    double seconds = 0;
    double warmup = 0;
    bool json = false;
    std::string latencyFile; // every latency of the window, one per line, in microseconds
    std::string srcProps;
    size_t touchStride = 0; // > 0: also read one byte per this many bytes of the Y plane
};

// Owned by the streaming thread while the pipeline runs; the main thread reads it after the
// pipeline is stopped. Window (re)start and stop are requested through atomics.
struct Recorder {
    std::atomic<bool> resetRequested{false};
    std::atomic<bool> stopped{false};
    std::vector<uint64_t> latencyNs;
    uint64_t frames = 0;
    uint64_t missed = 0;
    uint64_t reordered = 0; // counter went backwards or repeated
    uint64_t badStamps = 0; // stamp in the future or absurdly old: not a stamped frame
    uint64_t unmappable = 0;
    uint64_t touched = 0; // sum of the bytes read by --touch-stride (kept so it is not elided)
    bool haveLast = false;
    uint64_t lastFrame = 0;
    uint64_t firstFrame = 0;
};

struct App {
    Options opt;
    GstElement *pipeline = nullptr;
    GMainLoop *loop = nullptr;
    Recorder rec;
    uint64_t windowStartMono = 0;
    uint64_t windowStartCpu = 0;
    uint64_t windowEndMono = 0;
    uint64_t windowEndCpu = 0;
    uint64_t windowStartCsw = 0;
    uint64_t windowEndCsw = 0;
    uint64_t totalSamples = 0; // whole run, streaming thread
    bool ended = false;
    std::string error;
    std::string lateError;
};

void resetRecorder(Recorder *r)
{
    r->latencyNs.clear();
    r->frames = r->missed = r->reordered = r->badStamps = r->unmappable = 0;
    r->haveLast = false;
}

GstFlowReturn onNewSample(GstAppSink *sink, gpointer data)
{
    auto *app = static_cast<App *>(data);
    Recorder &r = app->rec;
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_EOS;
    ++app->totalSamples;
    if (r.resetRequested.exchange(false))
        resetRecorder(&r);
    if (r.stopped.load(std::memory_order_acquire)) {
        gst_sample_unref(sample);
        return GST_FLOW_OK;
    }

    GstBuffer *buffer = gst_sample_get_buffer(sample);
    GstVideoMeta *meta = gst_buffer_get_video_meta(buffer);
    const gsize yOffset = meta ? meta->offset[0] : 0;
    guint idx = 0, len = 0;
    gsize skip = 0;
    Stamp stamp{};
    bool ok = false;
    if (gst_buffer_find_memory(buffer, yOffset, sizeof(Stamp), &idx, &len, &skip)) {
        GstMemory *mem = gst_buffer_peek_memory(buffer, idx);
        GstMapInfo map;
        if (gst_memory_map(mem, &map, GST_MAP_READ)) {
            if (skip + sizeof(Stamp) <= map.size) {
                std::memcpy(&stamp, map.data + skip, sizeof stamp);
                ok = true;
                // The same work as the client benchmark's consumers: one byte per page-ish
                // step of the Y plane (bench/clients.py).
                if (app->opt.touchStride > 0) {
                    const size_t yBytes =
                        size_t(meta ? meta->stride[0] : app->opt.width) * size_t(app->opt.height);
                    const size_t end = std::min(map.size, skip + yBytes);
                    uint64_t sum = 0;
                    for (size_t i = skip; i < end; i += app->opt.touchStride)
                        sum += map.data[i];
                    r.touched += sum;
                }
            }
            gst_memory_unmap(mem, &map);
        }
    }
    const uint64_t now = monotonicNs();
    gst_sample_unref(sample);

    if (!ok) {
        ++r.unmappable;
        return GST_FLOW_OK;
    }
    if (stamp.publishNs > now || now - stamp.publishNs > 60ull * 1000000000ull) {
        ++r.badStamps;
        return GST_FLOW_OK;
    }
    ++r.frames;
    r.latencyNs.push_back(now - stamp.publishNs);
    if (!r.haveLast) {
        r.haveLast = true;
        r.firstFrame = stamp.frame;
    } else if (stamp.frame > r.lastFrame) {
        r.missed += stamp.frame - r.lastFrame - 1;
    } else {
        ++r.reordered;
        return GST_FLOW_OK; // keep lastFrame: the highest seen
    }
    r.lastFrame = stamp.frame;
    return GST_FLOW_OK;
}

void startWindow(App *app)
{
    app->windowStartMono = monotonicNs();
    app->windowStartCpu = processCpuNs();
    app->windowStartCsw = processContextSwitches();
    app->rec.resetRequested.store(true);
}

void endWindow(App *app)
{
    if (app->ended)
        return;
    app->ended = true;
    app->rec.stopped.store(true, std::memory_order_release);
    app->windowEndMono = monotonicNs();
    app->windowEndCpu = processCpuNs();
    app->windowEndCsw = processContextSwitches();
}

void finish(App *app)
{
    endWindow(app);
    g_main_loop_quit(app->loop);
}

gboolean onWindowEnd(gpointer data)
{
    endWindow(static_cast<App *>(data));
    return G_SOURCE_CONTINUE;
}

gboolean onTerminate(gpointer data)
{
    finish(static_cast<App *>(data));
    return G_SOURCE_CONTINUE;
}

gboolean onWindowStart(gpointer data)
{
    startWindow(static_cast<App *>(data));
    return G_SOURCE_CONTINUE;
}

gboolean onWarmupDone(gpointer data)
{
    startWindow(static_cast<App *>(data));
    return G_SOURCE_REMOVE;
}

gboolean onTimeout(gpointer data)
{
    finish(static_cast<App *>(data));
    return G_SOURCE_REMOVE;
}

gboolean onBusMessage(GstBus *, GstMessage *msg, gpointer data)
{
    auto *app = static_cast<App *>(data);
    if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR ||
        GST_MESSAGE_TYPE(msg) == GST_MESSAGE_WARNING) {
        GError *err = nullptr;
        gchar *dbg = nullptr;
        const bool isError = GST_MESSAGE_TYPE(msg) == GST_MESSAGE_ERROR;
        if (isError)
            gst_message_parse_error(msg, &err, &dbg);
        else
            gst_message_parse_warning(msg, &err, &dbg);
        std::fprintf(stderr, "consumer %d: %s from %s: %s (%s)\n", int(getpid()),
                     isError ? "error" : "warning", GST_OBJECT_NAME(msg->src), err->message,
                     dbg ? dbg : "");
        if (isError) {
            if (app->ended)
                app->lateError = err->message; // after the window: reported, not a failure
            else
                app->error = err->message;
            finish(app);
        }
        g_error_free(err);
        g_free(dbg);
    } else if (GST_MESSAGE_TYPE(msg) == GST_MESSAGE_EOS) {
        finish(app);
    }
    return TRUE;
}

Options parseArgs(int argc, char **argv)
{
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> const char * {
            if (i + 1 >= argc)
                usageError(kUsage, ("missing value for " + a).c_str());
            return argv[++i];
        };
        if (a == "--transport")
            o.transport = next();
        else if (a == "--socket")
            o.socket = next();
        else if (a == "--size") {
            if (!parseSize(next(), &o.width, &o.height))
                usageError(kUsage, "bad --size");
        } else if (a == "--fps")
            o.fps = std::atoi(next());
        else if (a == "--seconds")
            o.seconds = std::atof(next());
        else if (a == "--warmup")
            o.warmup = std::atof(next());
        else if (a == "--json")
            o.json = true;
        else if (a == "--latency-file")
            o.latencyFile = next();
        else if (a == "--src-props")
            o.srcProps = next();
        else if (a == "--format")
            o.format = next();
        else if (a == "--touch-stride")
            o.touchStride = size_t(std::atol(next()));
        else if (a == "-h" || a == "--help") {
            std::printf("usage: %s\n", kUsage);
            std::exit(0);
        } else
            usageError(kUsage, ("unknown argument " + a).c_str());
    }
    if (o.transport != "shm" && o.transport != "zerotee")
        usageError(kUsage, "--transport must be shm or zerotee");
    if (o.socket.empty())
        usageError(kUsage, "--socket is required");
    return o;
}

uint64_t percentile(const std::vector<uint64_t> &sorted, double p)
{
    if (sorted.empty())
        return 0;
    // nearest-rank
    size_t rank = size_t(p / 100.0 * double(sorted.size()) + 0.999999);
    rank = std::clamp<size_t>(rank, 1, sorted.size());
    return sorted[rank - 1];
}

} // namespace

int main(int argc, char **argv)
{
    blockBenchSignals();
    gst_init(&argc, &argv);
    App app;
    app.opt = parseArgs(argc, argv);
    const Options &o = app.opt;

    std::ostringstream desc;
    if (o.transport == "shm") {
        desc << "shmsrc socket-path=\"" << o.socket << "\" is-live=true do-timestamp=true";
        if (!o.srcProps.empty())
            desc << " " << o.srcProps;
        desc << " ! capsfilter caps=video/x-raw,format=" << o.format << ",width=" << o.width
             << ",height=" << o.height << ",framerate=" << o.fps << "/1";
    } else {
        desc << "zeroteesrc name=src socket-path=\"" << o.socket << "\"";
        if (!o.srcProps.empty())
            desc << " " << o.srcProps;
    }
    desc << " ! appsink name=sink sync=false enable-last-sample=false";

    GError *err = nullptr;
    app.pipeline = gst_parse_launch(desc.str().c_str(), &err);
    if (!app.pipeline || err) {
        std::fprintf(stderr, "consumer: cannot build '%s': %s\n", desc.str().c_str(),
                     err ? err->message : "?");
        return 1;
    }
    GstElement *sink = gst_bin_get_by_name(GST_BIN(app.pipeline), "sink");
    GstAppSinkCallbacks callbacks{};
    callbacks.new_sample = onNewSample;
    gst_app_sink_set_callbacks(GST_APP_SINK(sink), &callbacks, &app, nullptr);
    gst_object_unref(sink);

    app.loop = g_main_loop_new(nullptr, FALSE);
    GstBus *bus = gst_element_get_bus(app.pipeline);
    gst_bus_add_watch(bus, onBusMessage, &app);
    gst_object_unref(bus);
    startSignalThread(
        [](int sig, void *data) {
            if (sig == SIGUSR1)
                onWindowStart(data);
            else if (sig == SIGUSR2)
                onWindowEnd(data);
            else
                onTerminate(data);
        },
        &app);
    if (o.warmup > 0)
        g_timeout_add(guint(o.warmup * 1000), onWarmupDone, &app);
    else
        startWindow(&app);
    if (o.seconds > 0)
        g_timeout_add(guint(o.seconds * 1000), onTimeout, &app);

    if (gst_element_set_state(app.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        std::fprintf(stderr, "consumer: cannot start pipeline '%s'\n", desc.str().c_str());
        app.error = "set_state(PLAYING) failed";
        finish(&app);
    } else {
        g_main_loop_run(app.loop);
    }
    // zeroteesrc's own statistics (whole run), for cross-checking: printed as a string.
    std::string srcStats;
    if (GstElement *src = gst_bin_get_by_name(GST_BIN(app.pipeline), "src")) {
        if (g_object_class_find_property(G_OBJECT_GET_CLASS(src), "stats")) {
            GstStructure *st = nullptr;
            g_object_get(src, "stats", &st, nullptr);
            if (st) {
                gchar *text = gst_structure_to_string(st);
                srcStats = text;
                g_free(text);
                gst_structure_free(st);
            }
        }
        gst_object_unref(src);
    }
    gst_element_set_state(app.pipeline, GST_STATE_NULL);

    Recorder &r = app.rec;
    if (r.resetRequested.load()) // window started but no sample arrived since
        resetRecorder(&r);
    std::vector<uint64_t> lat = r.latencyNs;
    std::sort(lat.begin(), lat.end());
    double mean = 0;
    for (uint64_t v : lat)
        mean += double(v);
    mean = lat.empty() ? 0 : mean / double(lat.size());
    const double window =
        app.windowStartMono ? double(app.windowEndMono - app.windowStartMono) / 1e9 : 0;

    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "{\"role\":\"consumer\",\"transport\":\"%s\",\"pid\":%d,\"window_s\":%.3f,"
                  "\"frames\":%llu,\"missed\":%llu,\"reordered\":%llu,\"bad_stamps\":%llu,"
                  "\"unmappable\":%llu,\"first_frame\":%llu,\"last_frame\":%llu,"
                  "\"lat_us\":{\"p50\":%.1f,\"p99\":%.1f,\"max\":%.1f,\"mean\":%.1f},"
                  "\"cpu_s\":%.3f,\"context_switches\":%llu,\"total_samples\":%llu,\"error\":",
                  o.transport.c_str(), int(getpid()), window, (unsigned long long)r.frames,
                  (unsigned long long)r.missed, (unsigned long long)r.reordered,
                  (unsigned long long)r.badStamps, (unsigned long long)r.unmappable,
                  (unsigned long long)r.firstFrame, (unsigned long long)r.lastFrame,
                  percentile(lat, 50) / 1e3, percentile(lat, 99) / 1e3,
                  lat.empty() ? 0.0 : lat.back() / 1e3, mean / 1e3,
                  double(app.windowEndCpu - app.windowStartCpu) / 1e9,
                  (unsigned long long)(app.windowEndCsw - app.windowStartCsw),
                  (unsigned long long)app.totalSamples);
    std::string js = buf;
    js += app.error.empty() ? "null" : "\"" + jsonEscape(app.error) + "\"";
    js += ",\"late_error\":";
    js += app.lateError.empty() ? "null" : "\"" + jsonEscape(app.lateError) + "\"";
    if (!srcStats.empty())
        js += ",\"src_stats\":\"" + jsonEscape(srcStats) + "\"";
    js += ",\"touched\":" + std::to_string(r.touched);
    js += "}";
    if (!o.latencyFile.empty()) {
        if (FILE *f = std::fopen(o.latencyFile.c_str(), "w")) {
            for (uint64_t v : r.latencyNs) // arrival order
                std::fprintf(f, "%.1f\n", double(v) / 1e3);
            std::fclose(f);
        }
    }
    if (o.json) {
        std::printf("%s\n", js.c_str());
    } else {
        std::printf("frames=%llu missed=%llu p50=%.1fus p99=%.1fus max=%.1fus%s%s\n",
                    (unsigned long long)r.frames, (unsigned long long)r.missed,
                    percentile(lat, 50) / 1e3, percentile(lat, 99) / 1e3,
                    lat.empty() ? 0.0 : lat.back() / 1e3,
                    app.error.empty() ? "" : " error=", app.error.c_str());
    }
    std::fflush(stdout);

    gst_object_unref(app.pipeline);
    g_main_loop_unref(app.loop);
    return app.error.empty() ? 0 : 1;
}
