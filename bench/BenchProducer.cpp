// zerotee-bench-producer: the publishing side of the frame-bus benchmark.
//
//   videotestsrc is-live=true pattern=black ! capsfilter caps=video/x-raw,format=NV12,... !
//     [identity drop-allocation=true !] <sink>
//
// <sink> is shmsink (the baseline; identity stands in for the camera, whose buffers are not
// shmsink's) or zeroteesink (videotestsrc renders into the sink's memfd pool). A probe on the
// sink's sink pad stamps every frame: the first 16 bytes of the Y plane get the
// CLOCK_MONOTONIC time of the push and a frame counter (see BenchCommon.h), which the consumers
// turn into publish-to-receive latency and missed-frame counts.
//
// Measurement window: from start (or from SIGUSR1, which restarts it) to SIGUSR2, --seconds,
// SIGTERM or SIGINT. At the end one JSON line goes to stdout (and --stats-file): frames pushed in
// the window, bytes the sink copied, and for zeroteesink its `stats` (deltas over the window and
// totals).

#include "BenchCommon.h"

#include <gst/gst.h>
#include <gst/video/video.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

using namespace zerotee::bench;

namespace {

const char *kUsage =
    "zerotee-bench-producer --transport shm|zerotee --socket PATH [--size WxH] [--fps N]\n"
    "       [--seconds S] [--stats-file PATH] [--sink-props 'k=v ...'] [--format NV12]\n"
    "  --seconds 0 (default) runs until SIGTERM/SIGINT; SIGUSR1 restarts the window, SIGUSR2\n"
    "  ends it (the process keeps running until SIGTERM).";

struct Options {
    std::string transport;
    std::string socket;
    std::string format = "NV12";
    int width = 1920;
    int height = 1080;
    int fps = 30;
    double seconds = 0;
    std::string statsFile;
    std::string sinkProps;
};

// Counters touched by the streaming thread; read by the main thread.
struct Counters {
    std::atomic<uint64_t> frames{0};
    std::atomic<uint64_t> bytesCopied{0};   // shm: bytes shmsink memcpy()s into its area
    std::atomic<uint64_t> stampFailures{0}; // frames whose memory could not be mapped writable
};

struct Snapshot {
    uint64_t monoNs = 0;
    uint64_t cpuNs = 0;
    uint64_t contextSwitches = 0;
    uint64_t frames = 0;
    uint64_t bytesCopied = 0;
    uint64_t stampFailures = 0;
    GstStructure *sinkStats = nullptr;
};

struct App {
    Options opt;
    GstElement *pipeline = nullptr;
    GstElement *sink = nullptr;
    GMainLoop *loop = nullptr;
    Counters counters;
    Snapshot start;
    Snapshot end;
    bool ended = false;
    std::string error;
    std::string lateError;
};

Snapshot takeSnapshot(App *app)
{
    Snapshot s;
    s.monoNs = monotonicNs();
    s.cpuNs = processCpuNs();
    s.contextSwitches = processContextSwitches();
    s.frames = app->counters.frames.load();
    s.bytesCopied = app->counters.bytesCopied.load();
    s.stampFailures = app->counters.stampFailures.load();
    if (app->opt.transport == "zerotee" && app->sink &&
        g_object_class_find_property(G_OBJECT_GET_CLASS(app->sink), "stats")) {
        g_object_get(app->sink, "stats", &s.sinkStats, nullptr);
    }
    return s;
}

void freeSnapshot(Snapshot *s)
{
    if (s->sinkStats)
        gst_structure_free(s->sinkStats);
    s->sinkStats = nullptr;
}

// shmsink copies a buffer into its area unless it is exactly one memory from its own allocator
// (gst_shm_sink_render(): "Memory in buffer %p was not allocated by %p, will memcpy"). Apply
// the same rule here, so the count is what shmsink does rather than an assumption.
bool shmsinkWillCopy(GstBuffer *buffer)
{
    if (gst_buffer_n_memory(buffer) != 1)
        return true;
    GstMemory *mem = gst_buffer_peek_memory(buffer, 0);
    return !mem->allocator ||
           std::strcmp(G_OBJECT_TYPE_NAME(mem->allocator), "GstShmSinkAllocator") != 0;
}

GstPadProbeReturn stampProbe(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *app = static_cast<App *>(data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (!buffer)
        return GST_PAD_PROBE_OK;

    const uint64_t frame = app->counters.frames.load(std::memory_order_relaxed);
    if (app->opt.transport == "shm" && shmsinkWillCopy(buffer))
        app->counters.bytesCopied.fetch_add(gst_buffer_get_size(buffer), std::memory_order_relaxed);

    // The Y plane starts at the video meta's offset[0] (0 without a meta). Map only the memory
    // that holds it, read-write: for zeroteesink this is the producer's rw mapping of the memfd.
    GstVideoMeta *meta = gst_buffer_get_video_meta(buffer);
    const gsize yOffset = meta ? meta->offset[0] : 0;
    guint idx = 0, len = 0;
    gsize skip = 0;
    bool stamped = false;
    if (gst_buffer_find_memory(buffer, yOffset, sizeof(Stamp), &idx, &len, &skip)) {
        GstMemory *mem = gst_buffer_peek_memory(buffer, idx);
        GstMapInfo map;
        if (skip + sizeof(Stamp) <= gst_memory_get_sizes(mem, nullptr, nullptr) &&
            gst_memory_map(mem, &map, GST_MAP_READWRITE)) {
            Stamp stamp{monotonicNs(), frame};
            std::memcpy(map.data + skip, &stamp, sizeof stamp);
            gst_memory_unmap(mem, &map);
            stamped = true;
        }
    }
    if (!stamped)
        app->counters.stampFailures.fetch_add(1, std::memory_order_relaxed);
    app->counters.frames.store(frame + 1, std::memory_order_release);
    return GST_PAD_PROBE_OK;
}

void endWindow(App *app)
{
    if (app->ended)
        return;
    app->ended = true;
    app->end = takeSnapshot(app);
}

void finish(App *app)
{
    endWindow(app);
    g_main_loop_quit(app->loop);
}

gboolean onTerminate(gpointer data)
{
    finish(static_cast<App *>(data));
    return G_SOURCE_CONTINUE;
}

gboolean onWindowEnd(gpointer data)
{
    endWindow(static_cast<App *>(data));
    return G_SOURCE_CONTINUE;
}

gboolean onWindowStart(gpointer data)
{
    auto *app = static_cast<App *>(data);
    freeSnapshot(&app->start);
    app->start = takeSnapshot(app);
    return G_SOURCE_CONTINUE;
}

gboolean onTimeout(gpointer data)
{
    finish(static_cast<App *>(data));
    return G_SOURCE_REMOVE;
}

gboolean onBusMessage(GstBus *, GstMessage *msg, gpointer data)
{
    auto *app = static_cast<App *>(data);
    switch (GST_MESSAGE_TYPE(msg)) {
    case GST_MESSAGE_ERROR: {
        GError *err = nullptr;
        gchar *dbg = nullptr;
        gst_message_parse_error(msg, &err, &dbg);
        std::fprintf(stderr, "producer: error from %s: %s (%s)\n", GST_OBJECT_NAME(msg->src),
                     err->message, dbg ? dbg : "");
        if (app->ended)
            app->lateError = err->message; // after the window: reported, not a failed run
        else
            app->error = err->message;
        g_error_free(err);
        g_free(dbg);
        finish(app);
        break;
    }
    case GST_MESSAGE_WARNING: {
        GError *err = nullptr;
        gchar *dbg = nullptr;
        gst_message_parse_warning(msg, &err, &dbg);
        std::fprintf(stderr, "producer: warning from %s: %s (%s)\n", GST_OBJECT_NAME(msg->src),
                     err->message, dbg ? dbg : "");
        g_error_free(err);
        g_free(dbg);
        break;
    }
    case GST_MESSAGE_EOS:
        finish(app);
        break;
    default:
        break;
    }
    return TRUE;
}

bool numericField(const GstStructure *s, const char *name, double *out)
{
    const GValue *v = gst_structure_get_value(s, name);
    if (!v)
        return false;
    GValue d = G_VALUE_INIT;
    g_value_init(&d, G_TYPE_DOUBLE);
    bool ok =
        g_value_type_transformable(G_VALUE_TYPE(v), G_TYPE_DOUBLE) && g_value_transform(v, &d);
    if (ok)
        *out = g_value_get_double(&d);
    g_value_unset(&d);
    return ok;
}

// {"field": value, ...}: numeric fields as numbers; with @p base, end - base.
std::string statsJson(const GstStructure *s, const GstStructure *base)
{
    std::ostringstream os;
    os << "{";
    const int n = gst_structure_n_fields(s);
    bool first = true;
    for (int i = 0; i < n; ++i) {
        const char *name = gst_structure_nth_field_name(s, i);
        double value = 0;
        if (!numericField(s, name, &value))
            continue;
        double b = 0;
        if (base && numericField(base, name, &b))
            value -= b;
        os << (first ? "" : ",") << "\"" << jsonEscape(name) << "\":";
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.0f", value);
        os << buf;
        first = false;
    }
    os << "}";
    return os.str();
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
        else if (a == "--stats-file")
            o.statsFile = next();
        else if (a == "--sink-props")
            o.sinkProps = next();
        else if (a == "--format")
            o.format = next();
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
    if (o.fps <= 0)
        usageError(kUsage, "bad --fps");
    return o;
}

} // namespace

int main(int argc, char **argv)
{
    blockBenchSignals();
    gst_init(&argc, &argv);
    App app;
    app.opt = parseArgs(argc, argv);
    const Options &o = app.opt;

    GstVideoInfo info;
    gst_video_info_init(&info);
    GstVideoFormat fmt = gst_video_format_from_string(o.format.c_str());
    if (fmt == GST_VIDEO_FORMAT_UNKNOWN ||
        !gst_video_info_set_format(&info, fmt, o.width, o.height))
        usageError(kUsage, "bad --format/--size");
    const uint64_t frameBytes = GST_VIDEO_INFO_SIZE(&info);

    std::ostringstream desc;
    desc << "videotestsrc is-live=true pattern=black ! capsfilter caps=video/x-raw,format="
         << o.format << ",width=" << o.width << ",height=" << o.height << ",framerate=" << o.fps
         << "/1 ! ";
    if (o.transport == "shm") {
        desc << "identity drop-allocation=true ! shmsink name=sink socket-path=\"" << o.socket
             << "\" wait-for-connection=false sync=false shm-size=" << frameBytes * 8;
    } else {
        desc << "zeroteesink name=sink socket-path=\"" << o.socket << "\"";
    }
    if (!o.sinkProps.empty())
        desc << " " << o.sinkProps;

    GError *err = nullptr;
    app.pipeline = gst_parse_launch(desc.str().c_str(), &err);
    if (!app.pipeline || err) {
        std::fprintf(stderr, "producer: cannot build '%s': %s\n", desc.str().c_str(),
                     err ? err->message : "?");
        return 1;
    }
    app.sink = gst_bin_get_by_name(GST_BIN(app.pipeline), "sink");
    GstPad *pad = gst_element_get_static_pad(app.sink, "sink");
    gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, stampProbe, &app, nullptr);
    gst_object_unref(pad);

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
    if (o.seconds > 0)
        g_timeout_add(guint(o.seconds * 1000), onTimeout, &app);

    app.start = takeSnapshot(&app);
    if (gst_element_set_state(app.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        std::fprintf(stderr, "producer: cannot start pipeline '%s'\n", desc.str().c_str());
        app.error = "set_state(PLAYING) failed";
        app.end = takeSnapshot(&app);
    } else {
        g_main_loop_run(app.loop);
    }
    gst_element_set_state(app.pipeline, GST_STATE_NULL);

    const Snapshot &s = app.start;
    const Snapshot &e = app.end;
    const double window = double(e.monoNs - s.monoNs) / 1e9;
    const uint64_t frames = e.frames - s.frames;
    uint64_t copied = e.bytesCopied - s.bytesCopied;
    uint64_t pixelCopied = copied;
    if (o.transport == "zerotee") {
        double v = 0;
        copied = pixelCopied = 0;
        if (e.sinkStats && numericField(e.sinkStats, "bytes-copied", &v)) {
            double b = 0;
            if (s.sinkStats && numericField(s.sinkStats, "bytes-copied", &b))
                v -= b;
            copied = uint64_t(v);
        }
        if (e.sinkStats && numericField(e.sinkStats, "pixel-bytes-copied", &v)) {
            double b = 0;
            if (s.sinkStats && numericField(s.sinkStats, "pixel-bytes-copied", &b))
                v -= b;
            pixelCopied = uint64_t(v);
        }
    }

    std::ostringstream js;
    char num[64];
    js << "{\"role\":\"producer\",\"transport\":\"" << o.transport << "\",\"pid\":" << getpid()
       << ",\"size\":\"" << o.width << "x" << o.height << "\",\"fps\":" << o.fps
       << ",\"frame_bytes\":" << frameBytes;
    std::snprintf(num, sizeof num, "%.3f", window);
    js << ",\"window_s\":" << num << ",\"frames\":" << frames;
    std::snprintf(num, sizeof num, "%.1f", window * o.fps);
    js << ",\"expected_frames\":" << num;
    js << ",\"bytes_copied\":" << copied << ",\"pixel_bytes_copied\":" << pixelCopied;
    std::snprintf(num, sizeof num, "%.1f", frames ? double(copied) / double(frames) : 0.0);
    js << ",\"bytes_copied_per_frame\":" << num;
    std::snprintf(num, sizeof num, "%.3f", double(e.cpuNs - s.cpuNs) / 1e9);
    js << ",\"cpu_s\":" << num
       << ",\"context_switches\":" << (e.contextSwitches - s.contextSwitches)
       << ",\"stamp_failures\":" << (e.stampFailures - s.stampFailures);
    if (o.transport == "zerotee") {
        js << ",\"sink_stats\":" << (e.sinkStats ? statsJson(e.sinkStats, s.sinkStats) : "null");
        js << ",\"sink_stats_total\":" << (e.sinkStats ? statsJson(e.sinkStats, nullptr) : "null");
    }
    js << ",\"error\":";
    if (app.error.empty())
        js << "null";
    else
        js << "\"" << jsonEscape(app.error) << "\"";
    js << ",\"late_error\":";
    if (app.lateError.empty())
        js << "null";
    else
        js << "\"" << jsonEscape(app.lateError) << "\"";
    js << "}";

    std::printf("%s\n", js.str().c_str());
    std::fflush(stdout);
    if (!o.statsFile.empty()) {
        std::ofstream f(o.statsFile);
        f << js.str() << "\n";
    }

    freeSnapshot(&app.start);
    freeSnapshot(&app.end);
    gst_object_unref(app.sink);
    gst_object_unref(app.pipeline);
    g_main_loop_unref(app.loop);
    return app.error.empty() ? 0 : 1;
}
