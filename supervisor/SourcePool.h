#pragma once

#include "GstHolders.h"

#include <QString>
#include <vector>

namespace zerotee {

/// The source pads upstream of @p sinkPad, nearest first, following elements with one input
/// (converter, videorate, capsfilter, tee) up to the source.
std::vector<GstObjectHolder<GstPad>> upstreamSourcePads(GstPad *sinkPad);

/// The pool a capture's source pushes its own buffers from (v4l2src's videobuf2 buffers with
/// io-mode=dmabuf): the buffers the bus really has to lend, which a configured pool size cannot
/// know. `found` is false when the source draws into the bus's own pool (or has none).
struct SourcePool {
    bool found = false;
    QString element;         // the source element's name, e.g. v4l2src0
    unsigned minBuffers = 0; // allocated at start
    unsigned maxBuffers = 0; // it can grow to this (VIDIOC_CREATE_BUFS); == min when it cannot
};

/// Reads the source's pool upstream of the bus sink's pad (once the capture runs).
SourcePool sourcePool(GstPad *busSinkPad);

} // namespace zerotee
