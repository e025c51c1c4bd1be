/* zeroteeclockstamp: a test element that draws the wall-clock time (CLOCK_REALTIME, ms, low
 * 32 bits) into each frame's luma as 32 black/white blocks along the top edge, so a viewer on
 * the same machine can read back when the frame was captured (the browser test's latency
 * figure, docs/web.md). Test instrumentation only: built for the tests, never installed. */
#include <gst/gst.h>
#include <gst/video/gstvideofilter.h>
#include <time.h>

#define PACKAGE "zerotee-tests"
#define STAMP_BITS 32
#define BLOCK 24

typedef struct {
    GstVideoFilter parent;
} ZeroteeClockStamp;
typedef struct {
    GstVideoFilterClass parent_class;
} ZeroteeClockStampClass;

G_DEFINE_TYPE(ZeroteeClockStamp, zerotee_clock_stamp, GST_TYPE_VIDEO_FILTER)

static GstFlowReturn stamp_frame(GstVideoFilter *filter, GstVideoFrame *frame)
{
    (void)filter;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    const guint32 ms = (guint32)((guint64)now.tv_sec * 1000u + (guint64)now.tv_nsec / 1000000u);
    guint8 *luma = GST_VIDEO_FRAME_PLANE_DATA(frame, 0);
    const gint stride = GST_VIDEO_FRAME_PLANE_STRIDE(frame, 0);
    const gint width = GST_VIDEO_FRAME_WIDTH(frame);
    const gint height = GST_VIDEO_FRAME_HEIGHT(frame);
    for (gint bit = 0; bit < STAMP_BITS; ++bit) {
        const guint8 value = (ms >> (STAMP_BITS - 1 - bit)) & 1u ? 235 : 16;
        for (gint y = 0; y < BLOCK && y < height; ++y)
            for (gint x = bit * BLOCK; x < (bit + 1) * BLOCK && x < width; ++x)
                luma[y * stride + x] = value;
    }
    return GST_FLOW_OK;
}

static void zerotee_clock_stamp_class_init(ZeroteeClockStampClass *klass)
{
    GstElementClass *element = GST_ELEMENT_CLASS(klass);
    GstCaps *caps = gst_caps_from_string("video/x-raw,format={NV12,I420,GRAY8}");
    gst_element_class_add_pad_template(
        element, gst_pad_template_new("sink", GST_PAD_SINK, GST_PAD_ALWAYS, caps));
    gst_element_class_add_pad_template(
        element, gst_pad_template_new("src", GST_PAD_SRC, GST_PAD_ALWAYS, caps));
    gst_caps_unref(caps); /* the templates hold their own references */
    gst_element_class_set_static_metadata(element, "zerotee clock stamp", "Filter/Video",
                                          "Draws the wall-clock ms into the luma (tests)",
                                          "zerotee");
    GST_VIDEO_FILTER_CLASS(klass)->transform_frame_ip = stamp_frame;
}

static void zerotee_clock_stamp_init(ZeroteeClockStamp *self)
{
    gst_base_transform_set_in_place(GST_BASE_TRANSFORM(self), TRUE);
}

static gboolean plugin_init(GstPlugin *plugin)
{
    return gst_element_register(plugin, "zeroteeclockstamp", GST_RANK_NONE,
                                zerotee_clock_stamp_get_type());
}

GST_PLUGIN_DEFINE(GST_VERSION_MAJOR, GST_VERSION_MINOR, zeroteeclockstamp,
                  "Clock stamp for zerotee's latency tests", plugin_init, "1.0", "LGPL",
                  "zerotee", "zerotee")
