#include "EncoderOptions.h"

#include "VideoCodec.h"

#include <QCommandLineParser>
#include <QRegularExpression>

namespace zerotee {

namespace {

bool toInt(const QString &text, int min, int max, int *value)
{
    bool ok = false;
    int v = text.toInt(&ok);
    if (!ok || v < min || v > max)
        return false;
    *value = v;
    return true;
}

} // namespace

EncoderOptions::Outcome EncoderOptions::parse(const QStringList &arguments, EncoderOptions *options,
                                              QString *message)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("zerotee-encoder: encodes one stream of a camera once and publishes its "
                       "access units on the stream's own bus socket, with the last GOP cached "
                       "for consumers that join (recorder, RTSP, any zeroteesrc pipeline)."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help(QStringList{QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    auto value = [](const char *name, const char *text, const char *valueName,
                    const char *defaultValue = nullptr) {
        QCommandLineOption o(QString::fromLatin1(name), QString::fromLatin1(text),
                             QString::fromLatin1(valueName));
        if (defaultValue)
            o.setDefaultValue(QString::fromLatin1(defaultValue));
        return o;
    };
    const QCommandLineOption socket = value("socket", "Raw bus socket of the camera.", "PATH");
    const QCommandLineOption output = value("output", "Socket the stream is published on.", "PATH");
    const QCommandLineOption stream = value("stream", "Stream name (reports).", "NAME", "main");
    const QCommandLineOption codec = value("codec", "h264 or h265.", "C", "h264");
    const QCommandLineOption bitrate = value("bitrate", "kbit/s.", "KBPS", "4000");
    const QCommandLineOption gop = value("gop", "Frames between keyframes.", "FRAMES", "30");
    const QCommandLineOption size = value("size", "Scale to WxH (default: the camera's).", "WxH");
    const QCommandLineOption fps = value("fps", "Frame rate (default: the camera's).", "N");
    const QCommandLineOption profile =
        value("profile", "H.264 profile: baseline, main or high (H.265: Main).", "P", "main");
    const QCommandLineOption encoder =
        value("encoder", "Encoder factory instead of the registry's choice.", "FACTORY");
    const QCommandLineOption scaler =
        value("scaler", "Scaler factory instead of the registry's choice.", "FACTORY");
    const QCommandLineOption gopCache =
        value("gop-cache", "Access units kept for joiners (default: the GOP length).", "N");
    const QCommandLineOption minKeyframe =
        value("min-keyframe-interval-ms",
              "Keyframe requests from consumers closer than this to the last forced one are "
              "ignored.",
              "MS", "1000");
    const QCommandLineOption idle =
        value("idle-seconds", "Stop encoding this long after the last consumer left.", "S", "2");
    const QCommandLineOption alwaysOn(QStringLiteral("always-on"),
                                      QStringLiteral("Encode even while nobody consumes."));
    const QCommandLineOption allowUsers = value(
        "allow-users", "Users (names or ids, comma-separated) admitted to the stream.", "LIST");
    const QCommandLineOption allowGroups = value(
        "allow-groups", "Groups (names or ids, comma-separated) admitted to the stream.", "LIST");
    parser.addOptions({help, socket, output, stream, codec, bitrate, gop, size, fps, profile,
                       encoder, scaler, gopCache, minKeyframe, idle, alwaysOn, allowUsers,
                       allowGroups});
    if (!parser.parse(arguments)) {
        *message = parser.errorText();
        return Outcome::Error;
    }
    if (parser.isSet(help)) {
        *message = parser.helpText();
        return Outcome::Help;
    }
    if (!parser.positionalArguments().isEmpty()) {
        *message = QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments()[0]);
        return Outcome::Error;
    }
    EncoderOptions o;
    auto fail = [message](const QString &text) {
        *message = text;
        return Outcome::Error;
    };
    o.socketPath = parser.value(socket);
    o.output = parser.value(output);
    if (o.socketPath.isEmpty() || o.output.isEmpty())
        return fail(QStringLiteral("--socket and --output are required"));
    o.stream = parser.value(stream);
    if (!QRegularExpression(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"))
             .match(o.stream)
             .hasMatch())
        return fail(
            QStringLiteral("--stream '%1' is not [A-Za-z0-9][A-Za-z0-9_-]{0,31}").arg(o.stream));
    o.allowUsers = parser.value(allowUsers);
    o.allowGroups = parser.value(allowGroups);
    o.codec = parser.value(codec);
    if (!VideoCodec::find(o.codec.toStdString()))
        return fail(QStringLiteral("--codec '%1' is not %2")
                        .arg(o.codec, QString::fromStdString(VideoCodec::names())));
    if (!toInt(parser.value(bitrate), 16, 200000, &o.bitrateKbps))
        return fail(QStringLiteral("--bitrate must be 16..200000 kbit/s"));
    if (!toInt(parser.value(gop), 1, 1000, &o.gop))
        return fail(QStringLiteral("--gop must be 1..1000 frames"));
    if (parser.isSet(size)) {
        auto match =
            QRegularExpression(QStringLiteral("^(\\d{2,4})x(\\d{2,4})$")).match(parser.value(size));
        if (!match.hasMatch())
            return fail(QStringLiteral("--size '%1' is not WxH").arg(parser.value(size)));
        o.width = match.captured(1).toInt();
        o.height = match.captured(2).toInt();
        if (o.width < 16 || o.height < 16 || o.width % 2 || o.height % 2)
            return fail(
                QStringLiteral("--size '%1': even sizes of at least 16").arg(parser.value(size)));
    }
    if (parser.isSet(fps) && !toInt(parser.value(fps), 1, 240, &o.fps))
        return fail(QStringLiteral("--fps must be 1..240"));
    o.profile = parser.value(profile);
    if (!QStringList{QStringLiteral("baseline"), QStringLiteral("main"), QStringLiteral("high")}
             .contains(o.profile))
        return fail(QStringLiteral("--profile must be baseline, main or high"));
    o.encoder = parser.value(encoder);
    o.scaler = parser.value(scaler);
    o.gopCache = o.gop;
    if (parser.isSet(gopCache) && !toInt(parser.value(gopCache), 0, 240, &o.gopCache))
        return fail(QStringLiteral("--gop-cache must be 0..240 access units"));
    if (!toInt(parser.value(minKeyframe), 0, 60000, &o.minKeyframeIntervalMs))
        return fail(QStringLiteral("--min-keyframe-interval-ms must be 0..60000"));
    if (!toInt(parser.value(idle), 0, 3600, &o.idleSeconds))
        return fail(QStringLiteral("--idle-seconds must be 0..3600"));
    o.alwaysOn = parser.isSet(alwaysOn);
    *options = o;
    return Outcome::Run;
}

} // namespace zerotee
