// rtsp-probe: an independent RTSP client for the tests (rtspsrc, not our code): plays a URL,
// decodes, and prints one JSON line with what it saw and when.
//
//   rtsp-probe URL [--transport tcp|udp|multicast] [--seconds S] [--user NAME --password PASS]
//
// play_to_keyframe_ms: from sending PLAY to the first IDR leaving h264parse;
// play_to_frame_ms:    from sending PLAY to the first decoded picture (the decoder is told not
//                      to output pictures decoded without a keyframe, output-corrupt=false).
// Exit status: 0 when at least one frame was decoded, 1 otherwise (e.g. 401).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <gst/gst.h>
#include <gst/rtsp/rtsp.h>
#include <string>

namespace {

struct Probe {
    std::atomic<gint64> start{0}, play{0}, keyframe{0}, frame{0}, last{0};
    std::atomic<guint64> frames{0};
    int width = 0, height = 0;
    std::string error;
    GMainLoop *loop = nullptr;
};

gboolean onBeforeSend(GstElement *, GstRTSPMessage *message, gpointer data)
{
    auto *probe = static_cast<Probe *>(data);
    GstRTSPMethod method;
    if (gst_rtsp_message_parse_request(message, &method, nullptr, nullptr) == GST_RTSP_OK &&
        method == GST_RTSP_PLAY && probe->play == 0)
        probe->play = g_get_monotonic_time();
    return TRUE;
}

GstPadProbeReturn onParsed(GstPad *, GstPadProbeInfo *info, gpointer data)
{
    auto *probe = static_cast<Probe *>(data);
    GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER(info);
    if (probe->keyframe == 0 && !GST_BUFFER_FLAG_IS_SET(buffer, GST_BUFFER_FLAG_DELTA_UNIT))
        probe->keyframe = g_get_monotonic_time();
    return GST_PAD_PROBE_OK;
}

GstPadProbeReturn onDecoded(GstPad *pad, GstPadProbeInfo *, gpointer data)
{
    auto *probe = static_cast<Probe *>(data);
    const gint64 now = g_get_monotonic_time();
    if (probe->frame == 0) {
        probe->frame = now;
        if (GstCaps *caps = gst_pad_get_current_caps(pad)) {
            GstStructure *s = gst_caps_get_structure(caps, 0);
            gst_structure_get_int(s, "width", &probe->width);
            gst_structure_get_int(s, "height", &probe->height);
            gst_caps_unref(caps);
        }
    }
    probe->last = now;
    probe->frames++;
    return GST_PAD_PROBE_OK;
}

gboolean onBus(GstBus *, GstMessage *message, gpointer data)
{
    auto *probe = static_cast<Probe *>(data);
    if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_ERROR) {
        GError *error = nullptr;
        gst_message_parse_error(message, &error, nullptr);
        probe->error = error->message;
        g_clear_error(&error);
        g_main_loop_quit(probe->loop);
    } else if (GST_MESSAGE_TYPE(message) == GST_MESSAGE_EOS) {
        g_main_loop_quit(probe->loop);
    }
    return G_SOURCE_CONTINUE;
}

std::string jsonEscape(const std::string &text)
{
    std::string out;
    for (char c : text) {
        if (c == '"' || c == '\\')
            out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20)
            out += c;
    }
    return out;
}

} // namespace

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: rtsp-probe URL [--transport tcp|udp|multicast] [--seconds S] "
                             "[--user NAME --password PASS]\n");
        return 2;
    }
    const char *url = argv[1];
    std::string transport = "tcp", user, password;
    double seconds = 3;
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!std::strcmp(argv[i], "--transport"))
            transport = argv[i + 1];
        else if (!std::strcmp(argv[i], "--seconds"))
            seconds = std::atof(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--user"))
            user = argv[i + 1];
        else if (!std::strcmp(argv[i], "--password"))
            password = argv[i + 1];
    }
    const char *protocols = transport == "udp"         ? "udp"
                            : transport == "multicast" ? "udp-mcast"
                                                       : "tcp";
    gchar *description = g_strdup_printf(
        "rtspsrc name=src latency=0 protocols=%s ! rtph264depay ! h264parse name=parse ! "
        "avdec_h264 name=dec output-corrupt=false ! fakesink name=sink sync=false",
        protocols);
    GError *error = nullptr;
    GstElement *pipeline = gst_parse_launch(description, &error);
    g_free(description);
    if (!pipeline) {
        std::fprintf(stderr, "rtsp-probe: %s\n", error->message);
        return 2;
    }
    Probe probe;
    probe.loop = g_main_loop_new(nullptr, FALSE);
    GstElement *src = gst_bin_get_by_name(GST_BIN(pipeline), "src");
    g_object_set(src, "location", url, nullptr);
    if (!user.empty())
        g_object_set(src, "user-id", user.c_str(), "user-pw", password.c_str(), nullptr);
    g_signal_connect(src, "before-send", G_CALLBACK(onBeforeSend), &probe);
    gst_object_unref(src);
    for (auto [name, callback] : {std::pair{"parse", &onParsed}, std::pair{"sink", &onDecoded}}) {
        GstElement *element = gst_bin_get_by_name(GST_BIN(pipeline), name);
        GstPad *pad =
            gst_element_get_static_pad(element, !std::strcmp(name, "sink") ? "sink" : "src");
        gst_pad_add_probe(pad, GST_PAD_PROBE_TYPE_BUFFER, callback, &probe, nullptr);
        gst_object_unref(pad);
        gst_object_unref(element);
    }
    GstBus *bus = gst_element_get_bus(pipeline);
    gst_bus_add_watch(bus, onBus, &probe);
    gst_object_unref(bus);
    g_timeout_add(
        guint(seconds * 1000),
        [](gpointer loop) -> gboolean {
            g_main_loop_quit(static_cast<GMainLoop *>(loop));
            return G_SOURCE_REMOVE;
        },
        probe.loop);

    probe.start = g_get_monotonic_time();
    gst_element_set_state(pipeline, GST_STATE_PLAYING);
    g_main_loop_run(probe.loop);
    gst_element_set_state(pipeline, GST_STATE_NULL);
    gst_object_unref(pipeline);

    auto ms = [&](gint64 from, gint64 to) { return from && to ? (to - from) / 1000.0 : -1.0; };
    const gint64 first = probe.frame, last = probe.last;
    const double fps = probe.frames > 1 && last > first
                           ? double(probe.frames - 1) * 1e6 / double(last - first)
                           : 0;
    std::printf("{\"url\":\"%s\",\"transport\":\"%s\",\"frames\":%llu,\"fps\":%.2f,\"width\":%d,"
                "\"height\":%d,\"connect_to_frame_ms\":%.1f,\"play_to_keyframe_ms\":%.1f,"
                "\"play_to_frame_ms\":%.1f,\"error\":\"%s\"}\n",
                jsonEscape(url).c_str(), transport.c_str(),
                static_cast<unsigned long long>(probe.frames.load()), fps, probe.width,
                probe.height, ms(probe.start, probe.frame), ms(probe.play, probe.keyframe),
                ms(probe.play, probe.frame), jsonEscape(probe.error).c_str());
    g_main_loop_unref(probe.loop);
    return probe.frames > 0 ? 0 : 1;
}
