#include "EncoderChoice.h"

#include "ElementRegistry.h"
#include "VideoCodec.h"

namespace zerotee {

std::string EncoderChoice::factory(const RecorderOptions &options)
{
    if (options.encoded)
        return {};
    if (!options.encoder.empty())
        return options.encoder;
    // The recorder's own encoder (raw bus) makes H.264; openh264enc when the registry has none.
    const QString found = ElementRegistry::firstEncoder(*VideoCodec::find("h264"));
    return found.isEmpty() ? "openh264enc" : found.toStdString();
}

std::string EncoderChoice::description(const RecorderOptions &options)
{
    const VideoCodec &codec = *VideoCodec::find(options.codec); // checked with the options
    const std::string tail = std::string(codec.parser) + " ! capsfilter caps=" + codec.mediaType +
                             ",stream-format=" + codec.storedFormat + ",alignment=au";
    if (options.encoded)
        return tail;
    const std::string name = factory(options);
    const std::string kbps = std::to_string(options.bitrateKbps);
    const std::string gop = std::to_string(options.gopFrames);
    const std::string profile = "capsfilter caps=video/x-h264,profile=" + options.profile;
    std::string encoder;
    if (name == "x264enc") {
        // ultrafast: 1080p30 costs ~1/3 of an A53-class core less than veryfast and keeps the
        // recorder from competing with the other workers; quality comes from the bitrate.
        encoder = "videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast bitrate=" + kbps +
                  " key-int-max=" + gop + " ! " + profile;
    } else if (name == "vpuenc_h264") {
        encoder = "vpuenc_h264 bitrate=" + kbps + " gop-size=" + gop;
    } else if (name == "v4l2h264enc") {
        encoder = "v4l2h264enc extra-controls=\"controls,video_bitrate=" +
                  std::to_string(options.bitrateKbps * 1000) + ",video_gop_size=" + gop + "\" ! " +
                  profile;
    } else if (name == "openh264enc") {
        encoder =
            "videoconvert ! openh264enc bitrate=" + std::to_string(options.bitrateKbps * 1000) +
            " gop-size=" + gop;
    } else {
        encoder = "videoconvert ! " + name;
    }
    return encoder + " ! " + tail;
}

} // namespace zerotee
