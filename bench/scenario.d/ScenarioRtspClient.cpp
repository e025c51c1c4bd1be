// zerotee-bench-rtsp-client: N real RTSP viewers in one process for bench/scenario. Each URL
// gets `rtspsrc protocols=tcp ! rtph264depay ! fakesink` (no decoding, so the viewers' own CPU
// stays small); a probe counts access units and stamps the first one and the first keyframe.
//
// Usage: zerotee-bench-rtsp-client URL...
//   SIGUSR1 starts the measuring window, SIGUSR2 ends it, SIGINT/SIGTERM stops and prints one
//   JSON line: {"clients":[{"url":…,"first_frame_ms":…,"first_keyframe_ms":…,
//   "frames_total":N,"frames_window":N,"error":""},…]}  (times from the viewer's start; -1: none)
//
// Benchmark code: counters are touched by rtspsrc's streaming threads (atomics) and read by the
// GLib main loop.

#include <gst/gst.h>

#include <glib-unix.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <vector>

namespace {

int64_t monotonicNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

struct Viewer {
    std::string url;
    GstElement *pipeline = nullptr;
    int64_t startNs = 0;
    std::atomic<int64_t> firstFrameNs{0};
    std::atomic<int64_t> firstKeyNs{0};
    std::atomic<uint64_t> frames{0};
    uint64_t windowStart = 0;
    uint64_t windowEnd = 0;
    bool windowEnded = false;
    std::string error;
};

GMainLoop *loop = nullptr;
std::vector<std::unique_ptr<Viewer>> viewers;

GstPadProbeReturn onBuffer(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *v = static_cast<Viewer *>(data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    const int64_t now = monotonicNs();
    int64_t none = 0;
    v->firstFrameNs.compare_exchange_strong(none, now);
    if (!GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT)) {
        none = 0;
        v->firstKeyNs.compare_exchange_strong(none, now);
    }
    v->frames.fetch_add(1, std::memory_order_relaxed);
    return GST_PAD_PROBE_OK;
}

gboolean onBusMessage(GstBus *, GstMessage *message, gpointer data)
{
    auto *v = static_cast<Viewer *>(data);
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR && v->error.empty()) {
        GError *err = nullptr;
        gst_message_parse_error(message, &err, nullptr);
        v->error = std::string(GST_OBJECT_NAME(message->src)) + ": " + err->message;
        std::fprintf(stderr, "error: %s: %s\n", v->url.c_str(), v->error.c_str());
        g_error_free(err);
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS && v->error.empty()) {
        v->error = "end of stream";
    }
    return TRUE;
}

gboolean onWindowStart(gpointer)
{
    for (auto &v : viewers)
        v->windowStart = v->frames.load();
    return G_SOURCE_CONTINUE;
}

gboolean onWindowEnd(gpointer)
{
    for (auto &v : viewers) {
        v->windowEnd = v->frames.load();
        v->windowEnded = true;
    }
    return G_SOURCE_CONTINUE;
}

gboolean onStop(gpointer)
{
    g_main_loop_quit(loop);
    return G_SOURCE_CONTINUE;
}

double sinceStartMs(const Viewer &v, int64_t ns)
{
    return ns ? double(ns - v.startNs) / 1e6 : -1.0;
}

std::string jsonEscape(const std::string &text)
{
    std::string out;
    for (char ch : text) {
        if (ch == '"' || ch == '\\')
            out += '\\';
        if (static_cast<unsigned char>(ch) < 0x20)
            ch = ' ';
        out += ch;
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    if (argc < 2) {
        std::fprintf(stderr, "error: no URL\nusage: zerotee-bench-rtsp-client URL...\n");
        return 2;
    }
    loop = g_main_loop_new(nullptr, FALSE);
    for (int i = 1; i < argc; ++i) {
        auto v = std::make_unique<Viewer>();
        v->url = argv[i];
        if (v->url.rfind("rtsp://", 0) != 0) {
            std::fprintf(stderr, "error: '%s' is not an rtsp:// URL\n", argv[i]);
            return 2;
        }
        GstElement *src = gst_element_factory_make("rtspsrc", nullptr);
        GstElement *depay = gst_element_factory_make("rtph264depay", nullptr);
        GstElement *filter = gst_element_factory_make("capsfilter", nullptr);
        GstElement *sink = gst_element_factory_make("fakesink", nullptr);
        if (!src || !depay || !filter || !sink) {
            std::fprintf(stderr, "error: rtspsrc, rtph264depay or fakesink missing\n");
            return 1;
        }
        g_object_set(src, "location", argv[i], "protocols", 0x4 /* TCP */, "latency", 0, nullptr);
        GstCaps *caps = gst_caps_from_string("video/x-h264,alignment=au");
        g_object_set(filter, "caps", caps, nullptr);
        gst_caps_unref(caps);
        g_object_set(sink, "sync", FALSE, "async", FALSE, nullptr);
        v->pipeline = gst_pipeline_new(nullptr);
        gst_bin_add_many(GST_BIN(v->pipeline), src, depay, filter, sink, nullptr);
        gst_element_link_many(depay, filter, sink, nullptr);
        g_signal_connect(src, "pad-added", G_CALLBACK(+[](GstElement *, GstPad *pad, gpointer d) {
                             GstPad *sinkPad = gst_element_get_static_pad(GST_ELEMENT(d), "sink");
                             if (!gst_pad_is_linked(sinkPad))
                                 gst_pad_link(pad, sinkPad);
                             gst_object_unref(sinkPad);
                         }),
                         depay);
        GstPad *pad = gst_element_get_static_pad(sink, "sink");
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, onBuffer, v.get(), nullptr);
        gst_object_unref(pad);
        GstBus *bus = gst_element_get_bus(v->pipeline);
        gst_bus_add_watch(bus, onBusMessage, v.get());
        gst_object_unref(bus);
        viewers.push_back(std::move(v));
    }
    for (auto &v : viewers) {
        v->startNs = monotonicNs();
        gst_element_set_state(v->pipeline, GST_STATE_PLAYING);
    }
    g_unix_signal_add(SIGUSR1, onWindowStart, nullptr);
    g_unix_signal_add(SIGUSR2, onWindowEnd, nullptr);
    g_unix_signal_add(SIGINT, onStop, nullptr);
    g_unix_signal_add(SIGTERM, onStop, nullptr);
    g_main_loop_run(loop);

    std::string json = "{\"clients\":[";
    for (size_t i = 0; i < viewers.size(); ++i) {
        Viewer &v = *viewers[i];
        const uint64_t end = v.windowEnded ? v.windowEnd : v.frames.load();
        char times[128];
        std::snprintf(times, sizeof times, "\"first_frame_ms\":%.1f,\"first_keyframe_ms\":%.1f",
                      sinceStartMs(v, v.firstFrameNs.load()), sinceStartMs(v, v.firstKeyNs.load()));
        json += std::string(i ? "," : "") + "{\"url\":\"" + jsonEscape(v.url) + "\"," + times +
                ",\"frames_total\":" + std::to_string(v.frames.load()) +
                ",\"frames_window\":" + std::to_string(end - v.windowStart) + ",\"error\":\"" +
                jsonEscape(v.error) + "\"}";
    }
    json += "]}";
    std::printf("%s\n", json.c_str());
    std::fflush(stdout);
    for (auto &v : viewers)
        gst_element_set_state(v->pipeline, GST_STATE_NULL);
    return 0;
}
