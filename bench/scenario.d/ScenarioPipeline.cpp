// zerotee-bench-pipeline: runs one GStreamer pipeline for bench/scenario's comparison designs
// (the user's shmsink/shmsrc design and the single-process tee design), counts frames at the
// elements named count_*, and optionally serves the H.264 that reaches `appsink name=out` over
// RTSP (gst-rtsp-server, one shared media fed through appsrc), so real clients read it.
//
// Usage: zerotee-bench-pipeline --pipeline DESC [--port N --mount /live] [--keyframe-on-join]
//   SIGUSR1 starts the measuring window, SIGUSR2 ends it, SIGINT/SIGTERM sends EOS (files are
//   finalized), then prints one JSON line on stdout and exits 0:
//   {"counts":{"count_rtsp":{"total":N,"window":N},…},"rtsp_clients_max":N,"keyframe_requests":N,
//    "error":""}
//
// Benchmark code: threads are GStreamer's streaming threads (counters are atomics) and the
// GLib main loop (signals, RTSP server, bus).

#include <gst/app/gstappsink.h>
#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <gst/video/video.h>

#include <glib-unix.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace {

constexpr const char *kUsage =
    "zerotee-bench-pipeline --pipeline DESC [--port N [--mount /live]] [--keyframe-on-join]";

struct Counter {
    std::atomic<uint64_t> total{0};
    uint64_t windowStart = 0;
    uint64_t windowEnd = 0;
    bool windowEnded = false;
};

struct State {
    GMainLoop *loop = nullptr;
    GstElement *pipeline = nullptr;
    GstElement *appsink = nullptr;
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::mutex srcMutex; // guards mediaSrc (streaming thread vs. main loop)
    GstElement *mediaSrc = nullptr;
    bool srcHasCaps = false;
    GstCaps *caps = nullptr;
    int clients = 0;
    int clientsMax = 0;
    int keyframeRequests = 0;
    bool keyframeOnJoin = false;
    bool stopping = false;
    std::string error;
};

State state;

GstPadProbeReturn countProbe(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *counter = static_cast<Counter *>(data);
    if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER)
        counter->total.fetch_add(1, std::memory_order_relaxed);
    else if (GST_PAD_PROBE_INFO_TYPE(info) & GST_PAD_PROBE_TYPE_BUFFER_LIST)
        counter->total.fetch_add(gst_buffer_list_length(GST_PAD_PROBE_INFO_BUFFER_LIST(info)),
                                 std::memory_order_relaxed);
    return GST_PAD_PROBE_OK;
}

// Every element whose name starts with count_ gets a probe on its src pad.
void attachCounters(GstElement *pipeline)
{
    GstIterator *it = gst_bin_iterate_recurse(GST_BIN(pipeline));
    GValue item = G_VALUE_INIT;
    while (gst_iterator_next(it, &item) == GST_ITERATOR_OK) {
        auto *element = GST_ELEMENT(g_value_get_object(&item));
        gchar *name = gst_element_get_name(element);
        if (g_str_has_prefix(name, "count_")) {
            GstPad *pad = gst_element_get_static_pad(element, "src");
            if (pad) {
                auto counter = std::make_unique<Counter>();
                gst_pad_add_probe(
                    pad,
                    GstPadProbeType(GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST),
                    countProbe, counter.get(), nullptr);
                state.counters[name] = std::move(counter);
                gst_object_unref(pad);
            }
        }
        g_free(name);
        g_value_reset(&item);
    }
    g_value_unset(&item);
    gst_iterator_free(it);
}

// The encoded stream goes to the shared media's appsrc (if a viewer has one prepared); buffers
// are re-stamped there (do-timestamp) since the media pipeline has its own base time.
GstFlowReturn onSample(GstAppSink *sink, gpointer)
{
    GstSample *sample = gst_app_sink_pull_sample(sink);
    if (!sample)
        return GST_FLOW_EOS;
    {
        std::lock_guard lock(state.srcMutex);
        if (!state.caps)
            state.caps = gst_caps_ref(gst_sample_get_caps(sample));
        if (state.mediaSrc) {
            if (!state.srcHasCaps) {
                // a viewer that came before the encoder's first output has an appsrc without
                // caps; set them now, before the first buffer
                g_object_set(state.mediaSrc, "caps", state.caps, nullptr);
                state.srcHasCaps = true;
            }
            GstBuffer *buffer = gst_buffer_copy(gst_sample_get_buffer(sample)); // shallow
            GST_BUFFER_PTS(buffer) = GST_CLOCK_TIME_NONE;
            GST_BUFFER_DTS(buffer) = GST_CLOCK_TIME_NONE;
            gst_app_src_push_buffer(GST_APP_SRC(state.mediaSrc), buffer);
        }
    }
    gst_sample_unref(sample);
    return GST_FLOW_OK;
}

void requestKeyframe()
{
    if (!state.appsink)
        return;
    GstPad *pad = gst_element_get_static_pad(state.appsink, "sink");
    gst_pad_push_event(pad,
                       gst_video_event_new_upstream_force_key_unit(GST_CLOCK_TIME_NONE, TRUE, 0));
    gst_object_unref(pad);
    ++state.keyframeRequests;
}

// Only the media whose appsrc is the current one may clear it: an older media can be
// unprepared after a newer one was configured.
void onMediaUnprepared(GstRTSPMedia *, gpointer src)
{
    std::lock_guard lock(state.srcMutex);
    if (state.mediaSrc != src)
        return;
    gst_object_unref(state.mediaSrc);
    state.mediaSrc = nullptr;
}

void onMediaConfigure(GstRTSPMediaFactory *, GstRTSPMedia *media, gpointer)
{
    GstElement *bin = gst_rtsp_media_get_element(media);
    GstElement *src = gst_bin_get_by_name_recurse_up(GST_BIN(bin), "src");
    gst_object_unref(bin);
    if (!src)
        return;
    {
        std::lock_guard lock(state.srcMutex);
        state.srcHasCaps = state.caps != nullptr;
        if (state.caps)
            g_object_set(src, "caps", state.caps, nullptr);
        if (state.mediaSrc)
            gst_object_unref(state.mediaSrc);
        state.mediaSrc = src;
    }
    g_signal_connect_data(
        media, "unprepared", G_CALLBACK(onMediaUnprepared), gst_object_ref(src),
        GClosureNotify(+[](gpointer data, GClosure *) { gst_object_unref(data); }),
        GConnectFlags(0));
}

void onPlayRequest(GstRTSPClient *, GstRTSPContext *, gpointer)
{
    if (state.keyframeOnJoin)
        requestKeyframe();
}

void onClientClosed(GstRTSPClient *, gpointer)
{
    --state.clients;
}

void onClientConnected(GstRTSPServer *, GstRTSPClient *client, gpointer)
{
    state.clientsMax = std::max(state.clientsMax, ++state.clients);
    g_signal_connect(client, "play-request", G_CALLBACK(onPlayRequest), nullptr);
    g_signal_connect(client, "closed", G_CALLBACK(onClientClosed), nullptr);
}

gboolean onBusMessage(GstBus *, GstMessage *message, gpointer)
{
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_ERROR: {
        GError *err = nullptr;
        gchar *debug = nullptr;
        gst_message_parse_error(message, &err, &debug);
        if (!state.stopping && state.error.empty())
            state.error = std::string(GST_OBJECT_NAME(message->src)) + ": " + err->message;
        std::fprintf(stderr, "error from %s: %s (%s)\n", GST_OBJECT_NAME(message->src),
                     err->message, debug ? debug : "");
        g_error_free(err);
        g_free(debug);
        g_main_loop_quit(state.loop);
        break;
    }
    case GST_MESSAGE_EOS:
        g_main_loop_quit(state.loop);
        break;
    default:
        break;
    }
    return TRUE;
}

gboolean onWindowStart(gpointer)
{
    for (auto &[name, c] : state.counters)
        c->windowStart = c->total.load();
    return G_SOURCE_CONTINUE;
}

gboolean onWindowEnd(gpointer)
{
    for (auto &[name, c] : state.counters) {
        c->windowEnd = c->total.load();
        c->windowEnded = true;
    }
    return G_SOURCE_CONTINUE;
}

gboolean onStopTimeout(gpointer)
{
    g_main_loop_quit(state.loop);
    return G_SOURCE_REMOVE;
}

gboolean onStop(gpointer)
{
    if (state.stopping) {
        g_main_loop_quit(state.loop);
        return G_SOURCE_CONTINUE;
    }
    state.stopping = true;
    gst_element_send_event(state.pipeline, gst_event_new_eos());
    g_timeout_add(3000, onStopTimeout, nullptr);
    return G_SOURCE_CONTINUE;
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
    std::string description, mount = "/live";
    int port = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "error: %s needs a value\nusage: %s\n", arg.c_str(), kUsage);
                std::exit(2);
            }
            return argv[++i];
        };
        if (arg == "--pipeline")
            description = value();
        else if (arg == "--port")
            port = std::atoi(value().c_str());
        else if (arg == "--mount")
            mount = value();
        else if (arg == "--keyframe-on-join")
            state.keyframeOnJoin = true;
        else {
            std::fprintf(stderr, "error: unknown argument '%s'\nusage: %s\n", arg.c_str(), kUsage);
            return 2;
        }
    }
    if (description.empty() || port < 0 || port > 65535 || mount.empty() || mount[0] != '/') {
        std::fprintf(stderr,
                     "error: --pipeline is required, --port 0..65535, --mount /PATH\n"
                     "usage: %s\n",
                     kUsage);
        return 2;
    }

    GError *err = nullptr;
    state.pipeline = gst_parse_launch(description.c_str(), &err);
    if (!state.pipeline || err) {
        std::fprintf(stderr, "error: bad pipeline: %s\n", err ? err->message : "?");
        return 2;
    }
    state.loop = g_main_loop_new(nullptr, FALSE);
    attachCounters(state.pipeline);

    GstRTSPServer *server = nullptr;
    if (port > 0) {
        state.appsink = gst_bin_get_by_name(GST_BIN(state.pipeline), "out");
        if (!state.appsink || !GST_IS_APP_SINK(state.appsink)) {
            std::fprintf(stderr, "error: --port needs an 'appsink name=out' in the pipeline\n");
            return 2;
        }
        GstAppSinkCallbacks callbacks{};
        callbacks.new_sample = onSample;
        gst_app_sink_set_callbacks(GST_APP_SINK(state.appsink), &callbacks, nullptr, nullptr);
        server = gst_rtsp_server_new();
        gst_rtsp_server_set_service(server, std::to_string(port).c_str());
        GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
        gst_rtsp_media_factory_set_launch(
            factory, "( appsrc name=src is-live=true format=time do-timestamp=true "
                     "max-bytes=4000000 ! rtph264pay name=pay0 pt=96 config-interval=0 )");
        gst_rtsp_media_factory_set_shared(factory, TRUE);
        gst_rtsp_media_factory_set_suspend_mode(factory, GST_RTSP_SUSPEND_MODE_NONE);
        g_signal_connect(factory, "media-configure", G_CALLBACK(onMediaConfigure), nullptr);
        GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
        gst_rtsp_mount_points_add_factory(mounts, mount.c_str(), factory);
        g_object_unref(mounts);
        g_signal_connect(server, "client-connected", G_CALLBACK(onClientConnected), nullptr);
        if (gst_rtsp_server_attach(server, nullptr) == 0) {
            std::fprintf(stderr, "error: cannot listen on RTSP port %d\n", port);
            return 1;
        }
    }

    GstBus *bus = gst_element_get_bus(state.pipeline);
    gst_bus_add_watch(bus, onBusMessage, nullptr);
    gst_object_unref(bus);
    g_unix_signal_add(SIGUSR1, onWindowStart, nullptr);
    g_unix_signal_add(SIGUSR2, onWindowEnd, nullptr);
    g_unix_signal_add(SIGINT, onStop, nullptr);
    g_unix_signal_add(SIGTERM, onStop, nullptr);

    if (gst_element_set_state(state.pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        std::fprintf(stderr, "error: the pipeline does not start\n");
        return 1;
    }
    g_main_loop_run(state.loop);
    gst_element_set_state(state.pipeline, GST_STATE_NULL);

    std::string json = "{\"counts\":{";
    bool first = true;
    for (auto &[name, c] : state.counters) {
        const uint64_t end = c->windowEnded ? c->windowEnd : c->total.load();
        json += (first ? "\"" : ",\"") + name + "\":{\"total\":" + std::to_string(c->total.load()) +
                ",\"window\":" + std::to_string(end - c->windowStart) + "}";
        first = false;
    }
    json += "},\"rtsp_clients_max\":" + std::to_string(state.clientsMax) +
            ",\"keyframe_requests\":" + std::to_string(state.keyframeRequests) + ",\"error\":\"" +
            jsonEscape(state.error) + "\"}";
    std::printf("%s\n", json.c_str());
    std::fflush(stdout);
    return 0;
}
