#include "RecorderOptions.h"

#include "RetentionPolicy.h"
#include "VideoCodec.h"

#include <QCommandLineParser>
#include <QRegularExpression>

namespace zerotee {

namespace {

bool toNumber(const QString &text, double &value, double min, double max)
{
    bool ok = false;
    value = text.toDouble(&ok);
    return ok && value >= min && value <= max;
}

bool toInteger(const QString &text, int64_t &value, int64_t min, int64_t max)
{
    bool ok = false;
    value = text.toLongLong(&ok);
    return ok && value >= min && value <= max;
}

} // namespace

ParseOutcome RecorderOptions::parse(const QStringList &arguments, RecorderOptions *options,
                                    QString *message)
{
    std::string said;
    bool help = false;
    const bool ok = readFlags(arguments, *options, said, help);
    *message = QString::fromStdString(said);
    return ok ? ParseOutcome::Run : help ? ParseOutcome::Help : ParseOutcome::Error;
}

bool RecorderOptions::readFlags(const QStringList &arguments, RecorderOptions &options,
                                std::string &error, bool &helpRequested)
{
    helpRequested = false;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        "zerotee-recorder: records a zerotee bus stream to segmented, crash-safe files.\n"
        "Event mode: a line {\"type\":\"trigger\",\"label\":\"motion\"} on stdin, or SIGUSR1, "
        "starts an event recording.");
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help(QStringList{"h", "help"}, "Show this help.");
    const QCommandLineOption socket("socket", "Bus socket of the stream to record.", "PATH");
    const QCommandLineOption dir("dir", "Directory of the recordings.", "DIR");
    const QCommandLineOption camera("camera", "Camera name (folder and file prefix).", "NAME",
                                    "cam0");
    const QCommandLineOption segment("segment-seconds", "Segment length in seconds.", "S", "60");
    const QCommandLineOption container("container", "mkv (default) or mp4 (fragmented).", "C",
                                       "mkv");
    const QCommandLineOption bitrate("bitrate", "Encoder bitrate in kbit/s.", "KBPS", "4000");
    const QCommandLineOption gop("gop", "Keyframe interval in frames.", "FRAMES", "30");
    const QCommandLineOption profile("profile", "H.264 profile: baseline, main or high.", "P",
                                     "main");
    const QCommandLineOption encoded("encoded", "The bus carries encoded video: do not encode.");
    const QCommandLineOption codec("codec", "With --encoded: what the bus carries, h264 or h265.",
                                   "C", "h264");
    const QCommandLineOption encoder("encoder",
                                     "Encoder factory to use instead of the registry's "
                                     "choice (v4l2h264enc, vpuenc_h264, x264enc).",
                                     "FACTORY");
    const QCommandLineOption maxAge("max-age-hours", "Delete recordings older than H hours.", "H",
                                    "0");
    const QCommandLineOption maxTotal("max-total-mb", "Keep this camera's files under MB.", "MB",
                                      "0");
    const QCommandLineOption minFree("min-free-mb", "Delete oldest files to keep MB free.", "MB",
                                     "0");
    const QCommandLineOption mode("mode", "continuous (default) or event.", "MODE", "continuous");
    const QCommandLineOption pre("pre-event-seconds", "Event mode: seconds kept before a trigger.",
                                 "N", "5");
    const QCommandLineOption post("post-event-seconds", "Event mode: seconds after a trigger.", "N",
                                  "10");
    const QCommandLineOption queue(
        "queue-seconds", "Encoded seconds buffered for slow storage before dropping.", "N", "4");
    const QCommandLineOption quota("quota", "Frames the recorder may hold from the bus.", "N", "4");
    parser.addOptions({help,    socket,  dir,     camera, segment, container, bitrate,
                       gop,     profile, encoded, codec,  encoder, maxAge,    maxTotal,
                       minFree, mode,    pre,     post,   queue,   quota});

    if (!parser.parse(arguments)) {
        error = parser.errorText().toStdString();
        return false;
    }
    if (parser.isSet(help)) {
        helpRequested = true;
        error = parser.helpText().toStdString();
        return false;
    }
    if (!parser.positionalArguments().isEmpty()) {
        error = "unexpected argument '" + parser.positionalArguments().first().toStdString() + "'";
        return false;
    }
    auto fail = [&error](const QCommandLineOption &option, const QString &value, const char *what) {
        error = "--" + option.names().first().toStdString() + ": '" + value.toStdString() +
                "' is not " + what;
        return false;
    };

    options.socketPath = parser.value(socket).toStdString();
    options.dir = parser.value(dir).toStdString();
    if (options.socketPath.empty()) {
        error = "--socket PATH is required";
        return false;
    }
    if (options.dir.empty()) {
        error = "--dir DIR is required";
        return false;
    }
    const QString cameraName = parser.value(camera);
    // The supervisor's camera names ([[camera]] name) are valid here as they are.
    static const QRegularExpression cameraPattern("^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$");
    if (!cameraPattern.match(cameraName).hasMatch())
        return fail(camera, cameraName, "a name of up to 32 letters, digits, '.', '-' or '_'");
    options.camera = cameraName.toStdString();

    int64_t integer = 0;
    double number = 0;
    if (!toInteger(parser.value(segment), integer, 1, 24 * 3600))
        return fail(segment, parser.value(segment), "a number of seconds from 1 to 86400");
    options.segmentSeconds = int(integer);
    if (parser.value(container) == "mkv")
        options.container = Container::Matroska;
    else if (parser.value(container) == "mp4")
        options.container = Container::Mp4;
    else
        return fail(container, parser.value(container), "mkv or mp4");
    if (!toInteger(parser.value(bitrate), integer, 50, 200000))
        return fail(bitrate, parser.value(bitrate), "a bitrate from 50 to 200000 kbit/s");
    options.bitrateKbps = int(integer);
    if (!toInteger(parser.value(gop), integer, 1, 1000))
        return fail(gop, parser.value(gop), "a frame count from 1 to 1000");
    options.gopFrames = int(integer);
    const QString profileName = parser.value(profile);
    if (profileName != "baseline" && profileName != "main" && profileName != "high")
        return fail(profile, profileName, "baseline, main or high");
    options.profile = profileName.toStdString();
    options.encoded = parser.isSet(encoded);
    const QString codecName = parser.value(codec);
    if (!VideoCodec::find(codecName.toStdString()))
        return fail(codec, codecName, VideoCodec::names().c_str());
    // The recorder's own encoder (raw bus) makes H.264; an H.265 recording comes from a stream.
    if (codecName != "h264" && !options.encoded)
        return fail(codec, codecName, "h264 (H.265 is recorded from an encoded stream: --encoded)");
    options.codec = codecName.toStdString();
    options.encoder = parser.value(encoder).toStdString();
    if (!toNumber(parser.value(maxAge), number, 0, RetentionSettings::kMaxAgeHours))
        return fail(maxAge, parser.value(maxAge), "a number of hours");
    options.maxAgeHours = number;
    if (!toInteger(parser.value(maxTotal), integer, 0, RetentionSettings::kMaxMb))
        return fail(maxTotal, parser.value(maxTotal), "a size in MB");
    options.maxTotalMb = integer;
    if (!toInteger(parser.value(minFree), integer, 0, RetentionSettings::kMaxMb))
        return fail(minFree, parser.value(minFree), "a size in MB");
    options.minFreeMb = integer;
    if (parser.value(mode) == "continuous")
        options.mode = Mode::Continuous;
    else if (parser.value(mode) == "event")
        options.mode = Mode::Event;
    else
        return fail(mode, parser.value(mode), "continuous or event");
    if (!toNumber(parser.value(pre), number, 0, 300))
        return fail(pre, parser.value(pre), "a number of seconds from 0 to 300");
    options.preEventSeconds = number;
    if (!toNumber(parser.value(post), number, 0, 3600))
        return fail(post, parser.value(post), "a number of seconds from 0 to 3600");
    options.postEventSeconds = number;
    if (!toNumber(parser.value(queue), number, 0.5, 120))
        return fail(queue, parser.value(queue), "a number of seconds from 0.5 to 120");
    options.queueSeconds = number;
    if (!toInteger(parser.value(quota), integer, 1, 64))
        return fail(quota, parser.value(quota), "a frame count from 1 to 64");
    options.quota = unsigned(integer);
    return true;
}

} // namespace zerotee
