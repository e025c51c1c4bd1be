#include "MountPipeline.h"

#include "VideoCodec.h"

namespace zerotee {

QString MountPipeline::quoted(const QString &value)
{
    QString escaped = value;
    escaped.replace(QLatin1Char('\\'), QLatin1String("\\\\"));
    escaped.replace(QLatin1Char('"'), QLatin1String("\\\""));
    return QLatin1Char('"') + escaped + QLatin1Char('"');
}

QString MountPipeline::clientNameFor(const QString &prefix, const QString &path)
{
    QString name = path.mid(1);
    name.replace(QLatin1Char('/'), QLatin1Char('-'));
    return (prefix + QLatin1Char('-') + name).left(31); // the bus keeps 31 characters
}

QString MountPipeline::encoderDescription(const QString &encoder, int bitrateKbps, int gop)
{
    const QString name = QStringLiteral(" name=%1").arg(QLatin1String(kEncoderName));
    if (encoder == QLatin1String("x264enc"))
        return QStringLiteral("x264enc%1 tune=zerolatency speed-preset=ultrafast bframes=0 "
                              "key-int-max=%2 bitrate=%3")
            .arg(name)
            .arg(gop)
            .arg(bitrateKbps);
    if (encoder == QLatin1String("openh264enc"))
        return QStringLiteral("openh264enc%1 complexity=low rate-control=bitrate gop-size=%2 "
                              "bitrate=%3")
            .arg(name)
            .arg(gop)
            .arg(bitrateKbps * 1000);
    if (encoder == QLatin1String("vpuenc_h264"))
        return QStringLiteral("vpuenc_h264%1 gop-size=%2 bitrate=%3")
            .arg(name)
            .arg(gop)
            .arg(bitrateKbps);
    if (encoder == QLatin1String("v4l2h264enc"))
        return QStringLiteral("v4l2h264enc%1 extra-controls=\"controls,video_gop_size=%2,"
                              "video_bitrate=%3\"")
            .arg(name)
            .arg(gop)
            .arg(bitrateKbps * 1000);
    return encoder + name; // an override we know nothing about: its defaults
}

QString MountPipeline::describe(const RtspOptions &options, const MountConfig &mount,
                                const ElementChoice &elements, Output output,
                                const QString &clientName)
{
    QStringList chain;
    QString source =
        QStringLiteral("zeroteesrc name=%1 socket-path=%2 client-name=%3")
            .arg(QLatin1String(kSourceName), quoted(options.socketPath), quoted(clientName));
    // A lower rate is asked of the bus, so skipped frames are never even sent to us; videorate
    // then only fixes the caps (and drops the odd extra frame).
    if (mount.changesRate())
        source += QStringLiteral(" policy=fps-cap max-fps=%1").arg(mount.fps);
    chain << source;

    if (!options.encoded) {
        if (mount.changesRate())
            chain << QStringLiteral("videorate drop-only=true")
                  << QStringLiteral("capsfilter caps=video/x-raw,framerate=%1/1").arg(mount.fps);
        if (mount.scales())
            chain << elements.scaler
                  << QStringLiteral("capsfilter caps=video/x-raw,width=%1,height=%2,"
                                    "pixel-aspect-ratio=1/1")
                         .arg(mount.width)
                         .arg(mount.height);
        else if (elements.softwareScaler)
            chain << QStringLiteral("videoconvert"); // passthrough unless the format needs it
        const int bitrate = mount.bitrateKbps ? mount.bitrateKbps : options.bitrateKbps;
        const int gop = mount.gop ? mount.gop : options.gop;
        chain << encoderDescription(elements.encoder, bitrate, gop);
    }

    // The worker's own encoders make H.264; an encoded bus carries the stream's codec.
    const VideoCodec &codec = *VideoCodec::find(options.codec.toStdString()); // checked
    const QString parse = QStringLiteral("%1 config-interval=-1").arg(QLatin1String(codec.parser));
    const QString accessUnits =
        QStringLiteral("capsfilter caps=%1,alignment=au").arg(QLatin1String(codec.mediaType));
    if (output == Output::RtspPayloader) {
        // SPS/PPS go in front of every IDR so late joiners can start decoding, inserted by
        // h264parse once per access unit. rtph264pay's own insertion (config-interval=-1) puts
        // them before every IDR *slice*, and x264's sliced threads make several slices a frame:
        // ffmpeg clients then split one frame into two with the same timestamp. A stream's
        // encoder already parsed its access units that way (docs/streams.md): a viewer's media
        // only payloads them.
        if (!options.encoded)
            chain << parse << accessUnits;
        chain << QStringLiteral("%1 name=%2 pt=96 config-interval=0")
                     .arg(QLatin1String(codec.payloader), QLatin1String(kPayloaderName));
    } else {
        chain << parse << accessUnits
              << QStringLiteral("rtspclientsink name=%1 location=%2 protocols=tcp latency=0")
                     .arg(QLatin1String(kPushSinkName), quoted(options.pushUrl));
    }
    return chain.join(QLatin1String(" ! "));
}

} // namespace zerotee
