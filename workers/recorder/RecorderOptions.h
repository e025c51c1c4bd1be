#pragma once

#include "ParseOutcome.h"

#include <QStringList>

#include <cstdint>
#include <string>

namespace zerotee {

/// The recorder's command line, parsed and validated. Every limit is in the unit the flag names;
/// zero disables a retention limit.
struct RecorderOptions {
    enum class Mode { Continuous, Event };
    enum class Container { Matroska, Mp4 };

    std::string socketPath;
    std::string dir;
    std::string camera = "cam0";
    int segmentSeconds = 60;
    Container container = Container::Matroska;
    int bitrateKbps = 4000;
    int gopFrames = 30;
    std::string profile = "main";
    bool encoded = false;       ///< the bus already carries encoded video (codec): no encode
    std::string codec = "h264"; ///< what the bus carries with encoded; the own encoder makes h264
    std::string encoder;        ///< explicit encoder factory (empty = pick from the registry)
    double maxAgeHours = 0;     ///< retention by age (0 = off)
    int64_t maxTotalMb = 0;     ///< retention by total size of this camera's files (0 = off)
    int64_t minFreeMb = 0;      ///< retention by free space on the file system (0 = off)
    Mode mode = Mode::Continuous;
    double preEventSeconds = 5;
    double postEventSeconds = 10;
    double queueSeconds = 4; ///< encoded data held for slow storage before frames are dropped
    unsigned quota = 4;      ///< frames zeroteesrc may hold at once

    /// File name extension of the container, without the dot ("mkv" or "mp4").
    const char *extension() const { return container == Container::Mp4 ? "mp4" : "mkv"; }

    /// Parses @p arguments (argv[0] first) into @p options: Run, Help (the help text in
    /// @p message) or Error (what is wrong in @p message). The shape of every worker's parser
    /// (ParseOutcome.h).
    static ParseOutcome parse(const QStringList &arguments, RecorderOptions *options,
                              QString *message);

private:
    /// The parser itself: false with @p error set (the help text when @p helpRequested).
    static bool readFlags(const QStringList &arguments, RecorderOptions &options,
                          std::string &error, bool &helpRequested);
};

} // namespace zerotee
