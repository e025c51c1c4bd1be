#pragma once

/**
 * SECTION:element-zeroteesink
 *
 * Publishes the buffers it receives on the zerotee frame bus, a Unix socket at
 * #ZeroteeSink:socket-path, to any number of `zeroteesrc` consumers in other processes,
 * without copying the pixels: each buffer's fds (memfd or DMABUF) travel once, then only ids.
 *
 * When upstream memory is not fd-backed, the sink offers its own memfd (or DMA-heap) pool in the
 * ALLOCATION query so upstream draws straight into shared memory. Upstream that refuses it gets
 * its buffers copied into the sink's pool, counted in the `stats` (`pixel-bytes-copied`).
 * Note: `tee` does not forward a downstream pool upstream; behind a tee, put the pool on the
 * tee's sink pad (or accept the copy).
 *
 * The sink never waits for a consumer: slow consumers skip frames (per-client quota), consumers
 * that hold a frame past #ZeroteeSink:lease-timeout are evicted. It is not synchronised to
 * the clock by default (sync=false), since it must never pace the camera.
 *
 * ## Example launch line
 * |[
 * gst-launch-1.0 videotestsrc is-live=true !
 * video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1 ! zeroteesink
 * socket-path=/tmp/cam.sock
 * ]|
 */

#include <gst/base/gstbasesink.h>

G_BEGIN_DECLS

#define ZEROTEE_TYPE_SINK (zerotee_sink_get_type())
G_DECLARE_FINAL_TYPE(ZeroteeSink, zerotee_sink, ZEROTEE, SINK, GstBaseSink)

G_END_DECLS

namespace zerotee {

class BusPublisher;

/// For a program that runs the sink in-process on a bus it serves itself (the supervisor, whose
/// consumers outlive any one capture pipeline): the sink publishes into @p bus instead of
/// listening on #ZeroteeSink:socket-path. Takes effect at the next start (NULL/READY → PAUSED);
/// @p bus must outlive the element's run; null returns to socket-path.
///
/// A typed call on this binary's own ZeroteeSink class, not a GObject property: the element must
/// come from the in-process registration (registerStaticElements()), so both sides are one
/// build of one class. ZEROTEE_IS_SINK() tells whether an element is.
void setSinkBusPublisher(ZeroteeSink *sink, BusPublisher *bus);

} // namespace zerotee
