#pragma once

#include <chrono>
#include <functional>
#include <gst/gst.h>
#include <string>

namespace zerotee {

/// Runs a worker's GStreamer pipeline on a GLib main loop until it ends or the process is asked
/// to stop. SIGINT/SIGTERM send EOS first so muxers finalize their files, then the pipeline is
/// stopped once EOS arrives (or after @p eosTimeout). A periodic tick lets the worker report.
///
/// Thread context: run() owns the calling thread (the main thread).
class PipelineRunner {
public:
    struct Options {
        std::chrono::milliseconds tickInterval{1000};
        std::chrono::milliseconds eosTimeout{5000};
        /// Called on the main loop for every tick.
        std::function<void()> onTick;
        /// Called for element messages (e.g. splitmuxsink fragment notifications); may be empty.
        std::function<void(GstMessage *)> onElementMessage;
        /// Called for a pipeline error; return true to keep running (handled), false to stop.
        std::function<bool(GstMessage *)> onError;
    };

    PipelineRunner(GstElement *pipeline, Options options);
    ~PipelineRunner();

    /// Sets PLAYING and runs. Returns the process exit code: 0 after a clean stop or EOS,
    /// 1 after an error.
    int run();
    /// Asks for a graceful stop (EOS); safe from the main loop.
    void stop();

    GMainLoop *loop() const { return loop_; }

private:
    static gboolean onBusMessage(GstBus *bus, GstMessage *message, gpointer self);

    GstElement *pipeline_;
    Options options_;
    GMainLoop *loop_;
    int exitCode_ = 0;
    bool stopping_ = false;
    guint busWatch_ = 0;
    guint tickSource_ = 0;
    guint eosTimeoutSource_ = 0;
    guint signalSources_[2] = {0, 0};
};

} // namespace zerotee
