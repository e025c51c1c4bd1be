// rtsp-record-receiver: a receiving RTSP server for the push test (ANNOUNCE/RECORD, as a media
// server would accept). ffmpeg 5.1's "-rtsp_flags listen" rejects rtspclientsink's SETUP
// ("mode=record/receive not set"), so the test uses gst-rtsp-server's RECORD mode instead.
//
//   rtsp-record-receiver PORT PATH OUT.mkv   (SIGINT/SIGTERM: finish the file, exit 0)
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <glib-unix.h>
#include <gst/rtsp-server/rtsp-server.h>
#include <string>

int main(int argc, char **argv)
{
    gst_init(&argc, &argv);
    if (argc != 4) {
        std::fprintf(stderr, "usage: rtsp-record-receiver PORT PATH OUT.mkv\n");
        return 2;
    }
    GMainLoop *loop = g_main_loop_new(nullptr, FALSE);
    GstRTSPServer *server = gst_rtsp_server_new();
    gst_rtsp_server_set_address(server, "127.0.0.1");
    gst_rtsp_server_set_service(server, argv[1]);
    GstRTSPMediaFactory *factory = gst_rtsp_media_factory_new();
    gst_rtsp_media_factory_set_transport_mode(factory, GST_RTSP_TRANSPORT_MODE_RECORD);
    const std::string launch = std::string("( rtph264depay name=depay0 ! h264parse ! "
                                           "matroskamux ! filesink location=\"") +
                               argv[3] + "\" )";
    gst_rtsp_media_factory_set_launch(factory, launch.c_str());
    gst_rtsp_media_factory_set_latency(factory, 100);
    GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);
    gst_rtsp_mount_points_add_factory(mounts, argv[2], factory);
    g_object_unref(mounts);
    if (!gst_rtsp_server_attach(server, nullptr)) {
        std::fprintf(stderr, "rtsp-record-receiver: cannot listen on %s\n", argv[1]);
        return 1;
    }
    auto onSignal = [](gpointer data) -> gboolean {
        // Close the sessions: the media gets EOS (eos-shutdown) and matroskamux finishes.
        auto *srv = static_cast<GstRTSPServer *>(g_object_get_data(G_OBJECT(data), "server"));
        gst_rtsp_server_client_filter(
            srv, [](GstRTSPServer *, GstRTSPClient *, gpointer) { return GST_RTSP_FILTER_REMOVE; },
            nullptr);
        g_timeout_add(
            1000,
            [](gpointer l) -> gboolean {
                g_main_loop_quit(static_cast<GMainLoop *>(l));
                return G_SOURCE_REMOVE;
            },
            data == nullptr ? nullptr : g_object_get_data(G_OBJECT(data), "loop"));
        return G_SOURCE_REMOVE;
    };
    gst_rtsp_media_factory_set_eos_shutdown(factory, TRUE);
    g_object_set_data(G_OBJECT(factory), "server", server);
    g_object_set_data(G_OBJECT(factory), "loop", loop);
    g_unix_signal_add(SIGINT, onSignal, factory);
    g_unix_signal_add(SIGTERM, onSignal, factory);
    std::printf("listening\n");
    std::fflush(stdout);
    g_main_loop_run(loop);
    g_object_unref(server);
    return 0;
}
