#pragma once

#include "RecorderOptions.h"

#include <string>

namespace zerotee {

/// The encode chain of the recorder as a bin description: a hardware H.264 encoder when the
/// registry has one (v4l2h264enc, vpuenc_h264), else x264enc tuned for live (zerolatency: no
/// lookahead and no B-frames, so it holds no more raw bus frames than it is encoding).
/// Always ends in h264parse + avc/au caps, which both containers take.
///
/// Thread context: any (reads the registry).
class EncoderChoice {
public:
    /// The encoder factory that would be used ("" with --encoded).
    static std::string factory(const RecorderOptions &options);
    /// "[converter ! encoder ! caps !] h264parse ! capsfilter".
    static std::string description(const RecorderOptions &options);
};

} // namespace zerotee
