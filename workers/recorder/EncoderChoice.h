#pragma once

#include "RecorderOptions.h"

#include <string>

namespace zerotee {

/// The encode chain of the recorder as a bin description: a hardware H.264 encoder when the
/// registry has one (v4l2h264enc, vpuenc_h264), else x264enc tuned for live (zerolatency: no
/// lookahead and no B-frames, so it holds no more raw bus frames than it is encoding).
/// Always ends in the codec's parser + avc/hvc1, au caps, which both containers take (with
/// --encoded the bus's codec, H.264 or H.265).
///
/// Thread context: any (reads the registry).
class EncoderChoice {
public:
    /// The encoder factory that would be used ("" with --encoded).
    static std::string factory(const RecorderOptions &options);
    /// "[converter ! encoder ! caps !] h264parse ! capsfilter" (h265parse for an H.265 bus).
    static std::string description(const RecorderOptions &options);
};

} // namespace zerotee
