#include "PipelineRunner.h"

#include <csignal>
#include <cstdio>
#include <glib-unix.h>

namespace zerotee {

PipelineRunner::PipelineRunner(GstElement *pipeline, Options options)
    : pipeline_(pipeline), options_(std::move(options)), loop_(g_main_loop_new(nullptr, FALSE))
{
    g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
    busWatch_ = gst_bus_add_watch(bus, &PipelineRunner::onBusMessage, this);
    auto onSignal = [](gpointer data) -> gboolean {
        static_cast<PipelineRunner *>(data)->stop();
        return G_SOURCE_CONTINUE;
    };
    signalSources_[0] = g_unix_signal_add(SIGINT, onSignal, this);
    signalSources_[1] = g_unix_signal_add(SIGTERM, onSignal, this);
    if (options_.onTick)
        tickSource_ = g_timeout_add(
            guint(options_.tickInterval.count()),
            [](gpointer data) -> gboolean {
                static_cast<PipelineRunner *>(data)->options_.onTick();
                return G_SOURCE_CONTINUE;
            },
            this);
}

PipelineRunner::~PipelineRunner()
{
    for (guint id :
         {busWatch_, tickSource_, eosTimeoutSource_, signalSources_[0], signalSources_[1]})
        if (id)
            g_source_remove(id);
    g_main_loop_unref(loop_); // after the sources above, which were attached to it
}

int PipelineRunner::run()
{
    if (gst_element_set_state(pipeline_, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE) {
        // The element that failed says why on the bus; a bare "did not start" tells no one.
        g_autoptr(GstBus) bus = gst_element_get_bus(pipeline_);
        g_autoptr(GstMessage) message = gst_bus_pop_filtered(bus, GST_MESSAGE_ERROR);
        if (message) {
            g_autoptr(GError) error = nullptr;
            gst_message_parse_error(message, &error, nullptr);
            std::fprintf(stderr, "the pipeline did not start: %s: %s\n",
                         GST_OBJECT_NAME(GST_MESSAGE_SRC(message)), error->message);
        } else {
            std::fprintf(stderr, "the pipeline did not start (no element said why)\n");
        }
        return 1;
    }
    g_main_loop_run(loop_);
    gst_element_set_state(pipeline_, GST_STATE_NULL);
    return exitCode_;
}

void PipelineRunner::stop()
{
    if (stopping_) {
        // A second request: stop now, without waiting for EOS.
        g_main_loop_quit(loop_);
        return;
    }
    stopping_ = true;
    gst_element_send_event(pipeline_, gst_event_new_eos());
    eosTimeoutSource_ = g_timeout_add(
        guint(options_.eosTimeout.count()),
        [](gpointer data) -> gboolean {
            auto *self = static_cast<PipelineRunner *>(data);
            std::fprintf(stderr, "EOS did not arrive in time; stopping\n");
            self->eosTimeoutSource_ = 0;
            g_main_loop_quit(self->loop_);
            return G_SOURCE_REMOVE;
        },
        this);
}

gboolean PipelineRunner::onBusMessage(GstBus *, GstMessage *message, gpointer data)
{
    auto *self = static_cast<PipelineRunner *>(data);
    switch (GST_MESSAGE_TYPE(message)) {
    case GST_MESSAGE_EOS:
        g_main_loop_quit(self->loop_);
        break;
    case GST_MESSAGE_ERROR: {
        if (self->options_.onError && self->options_.onError(message))
            break;
        g_autoptr(GError) error = nullptr;
        g_autofree gchar *debug = nullptr;
        gst_message_parse_error(message, &error, &debug);
        std::fprintf(stderr, "error from %s: %s\n%s\n", GST_OBJECT_NAME(GST_MESSAGE_SRC(message)),
                     error->message, debug ? debug : "");
        self->exitCode_ = 1;
        g_main_loop_quit(self->loop_);
        break;
    }
    case GST_MESSAGE_ELEMENT:
        if (self->options_.onElementMessage)
            self->options_.onElementMessage(message);
        break;
    default:
        break;
    }
    return G_SOURCE_CONTINUE;
}

} // namespace zerotee
