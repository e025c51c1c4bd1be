#include "StreamPlan.h"

#include "FrameSize.h"
#include "VideoCodec.h"

#include <algorithm>

namespace zerotee {

namespace {

/// Worker options that describe an encoding, which a worker under the supervisor does not do.
const QStringList kEncodingKeys = {QStringLiteral("size"),    QStringLiteral("fps"),
                                   QStringLiteral("bitrate"), QStringLiteral("gop"),
                                   QStringLiteral("profile"), QStringLiteral("encoder"),
                                   QStringLiteral("scaler"),  QStringLiteral("codec")};

} // namespace

QString StreamPlan::encoderWorkerName(const QString &camera, const QString &stream)
{
    return QStringLiteral("enc-%1-%2").arg(camera, stream).left(64);
}

StreamPlan::Assignment StreamPlan::assign(const QString &kind, const QString &workerName,
                                          const QVariantMap &options, const CameraConfig &camera,
                                          const QMap<QString, QString> &profileElements,
                                          QList<StreamConfig> *streams)
{
    Assignment a;
    a.options = options;
    if ((kind != QLatin1String("recorder") && kind != QLatin1String("rtsp")) ||
        options.value(QStringLiteral("encoded")).toBool())
        return a;
    if (streams->isEmpty())
        *streams = camera.effectiveStreams();
    if (options.contains(QStringLiteral("mount_profile"))) {
        a.error = QStringLiteral("option 'mount_profile': under the supervisor each mount serves "
                                 "a stream; configure [[camera.stream]] and one rtsp worker per "
                                 "stream (option 'stream')");
        return a;
    }

    const QString named = options.value(QStringLiteral("stream")).toString();
    bool ownEncoding = false;
    for (const QString &key : kEncodingKeys) {
        // The hardware profile's encoder/scaler are put on every worker; they are the defaults.
        if (options.contains(key) && !(profileElements.contains(key) &&
                                       options.value(key).toString() == profileElements.value(key)))
            ownEncoding = true;
    }
    if (!named.isEmpty()) {
        auto it =
            std::ranges::find_if(*streams, [&](const StreamConfig &s) { return s.name == named; });
        if (it == streams->end()) {
            a.error = QStringLiteral("option 'stream': camera '%1' has no stream '%2'")
                          .arg(camera.name, named);
            return a;
        }
        if (ownEncoding) {
            a.error = QStringLiteral("option 'stream' with its own encoding options: set size, "
                                     "fps, bitrate, gop, profile, encoder on the stream");
            return a;
        }
        a.stream = *it;
    } else {
        auto main = std::ranges::find_if(
            *streams, [](const StreamConfig &s) { return s.name == QLatin1String("main"); });
        StreamConfig wanted = main != streams->end() ? *main : streams->front();
        if (ownEncoding) {
            int w = 0, h = 0;
            if (parseFrameSize(options.value(QStringLiteral("size")).toString(), &w, &h) &&
                (w != camera.width || h != camera.height)) {
                wanted.width = w;
                wanted.height = h;
            }
            const int fps = options.value(QStringLiteral("fps")).toInt();
            if (fps > 0 && fps != camera.fps)
                wanted.fps = fps;
            if (options.contains(QStringLiteral("bitrate")))
                wanted.bitrateKbps = options.value(QStringLiteral("bitrate")).toInt();
            if (options.contains(QStringLiteral("gop")))
                wanted.gop = options.value(QStringLiteral("gop")).toInt();
            if (options.contains(QStringLiteral("profile")))
                wanted.profile = options.value(QStringLiteral("profile")).toString();
            if (options.contains(QStringLiteral("codec")))
                wanted.codec = options.value(QStringLiteral("codec")).toString();
            for (const QString &key : {QStringLiteral("encoder"), QStringLiteral("scaler")}) {
                const QString v = options.value(key).toString();
                if (!v.isEmpty() && v != profileElements.value(key))
                    (key == QLatin1String("encoder") ? wanted.encoder : wanted.scaler) = v;
            }
        }
        auto same = std::ranges::find_if(
            *streams, [&](const StreamConfig &s) { return s.sameEncoding(wanted); });
        if (same != streams->end()) {
            a.stream = *same;
        } else {
            wanted.name = workerName;
            wanted.alwaysOn = false;
            streams->append(wanted);
            a.stream = wanted;
        }
    }
    for (const QString &key : kEncodingKeys)
        a.options.remove(key);
    a.options.remove(QStringLiteral("stream"));
    a.options.insert(QStringLiteral("encoded"), true);
    a.options.insert(QStringLiteral("codec"), a.stream.codec); // what the stream's bus carries
    a.usesStream = true;
    return a;
}

QString StreamPlan::missingEncoder(const StreamConfig &stream, const QStringList &registryElements)
{
    const VideoCodec *codec = VideoCodec::find(stream.codec.toStdString());
    if (!stream.encoder.isEmpty() || !codec)
        return {};
    for (const char *name : codec->encoders)
        if (name && registryElements.contains(QLatin1String(name)))
            return {};
    return QStringLiteral("no %1 encoder in the GStreamer registry (looked for %2)")
        .arg(QLatin1String(codec->label), QString::fromStdString(codec->encoderList()));
}

QVariantMap StreamPlan::encoderOptions(const StreamConfig &s, const CameraConfig &camera,
                                       const QMap<QString, QString> &profileElements,
                                       const QString &output)
{
    QVariantMap o{{QStringLiteral("output"), output}, {QStringLiteral("stream"), s.name},
                  {QStringLiteral("codec"), s.codec}, {QStringLiteral("bitrate"), s.bitrateKbps},
                  {QStringLiteral("gop"), s.gop},     {QStringLiteral("profile"), s.profile}};
    if (s.width > 0 && (s.width != camera.width || s.height != camera.height))
        o.insert(QStringLiteral("size"), QStringLiteral("%1x%2").arg(s.width).arg(s.height));
    if (s.fps > 0 && s.fps != camera.fps)
        o.insert(QStringLiteral("fps"), s.fps);
    // The profile names one encoder (H.264's); a stream of another codec leaves the choice to
    // the encoder worker, which takes the first of its codec's list the registry has.
    const QString profileEncoder = profileElements.value(QStringLiteral("encoder"));
    const VideoCodec *codec = VideoCodec::find(s.codec.toStdString());
    const bool profileEncoderFits =
        codec && std::ranges::any_of(codec->encoders, [&](const char *name) {
            return name && profileEncoder == QLatin1String(name);
        });
    const QString encoder =
        !s.encoder.isEmpty() ? s.encoder : (profileEncoderFits ? profileEncoder : QString());
    const QString scaler =
        s.scaler.isEmpty() ? profileElements.value(QStringLiteral("scaler")) : s.scaler;
    if (!encoder.isEmpty())
        o.insert(QStringLiteral("encoder"), encoder);
    if (!scaler.isEmpty() && o.contains(QStringLiteral("size")))
        o.insert(QStringLiteral("scaler"), scaler);
    if (s.alwaysOn)
        o.insert(QStringLiteral("always_on"), true);
    // Whoever may read the camera's raw bus may read its streams.
    if (!camera.allowUsers.isEmpty())
        o.insert(QStringLiteral("allow_users"), camera.allowUsers.join(u','));
    if (!camera.allowGroups.isEmpty())
        o.insert(QStringLiteral("allow_groups"), camera.allowGroups.join(u','));
    return o;
}

} // namespace zerotee
