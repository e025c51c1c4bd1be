#pragma once

/**
 * SECTION:element-zeroteesrc
 *
 * A live source that receives frames from a zerotee frame bus (a `zeroteesink` or the zerotee
 * supervisor) at #ZeroteeSrc:socket-path. Frames arrive as fds registered once and mapped
 * read-only once; each output buffer shares that memory (no copy) and gives its lease back to the
 * producer when the last reference to its memory is dropped.
 *
 * Timestamps are the capture time (absolute CLOCK_MONOTONIC on the wire) in this pipeline's
 * running time. Caps come from the producer; when the producer renegotiates, the source pushes
 * the new caps. When the producer goes away the source keeps the pipeline PLAYING, reconnects
 * every #ZeroteeSrc:reconnect-interval ms and marks the first buffer after it DISCONT.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 zeroteesrc socket-path=/tmp/cam.sock ! videoconvert ! fakesink
 * ]|
 */

#include <gst/base/gstpushsrc.h>

G_BEGIN_DECLS

#define ZEROTEE_TYPE_SRC (zerotee_src_get_type())
G_DECLARE_FINAL_TYPE(ZeroteeSrc, zerotee_src, ZEROTEE, SRC, GstPushSrc)

/// How a zeroteesrc asks the producer to deliver frames.
#define ZEROTEE_TYPE_DELIVERY_POLICY (zerotee_delivery_policy_get_type())
GType zerotee_delivery_policy_get_type(void);

G_END_DECLS
