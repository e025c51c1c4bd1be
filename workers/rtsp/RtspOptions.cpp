#include "RtspOptions.h"

#include "VideoCodec.h"

#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QSet>
#include <QTextStream>
#include <arpa/inet.h>

namespace zerotee {

namespace {

bool parseInt(const QString &text, int min, int max, int *out)
{
    bool ok = false;
    const int value = text.toInt(&ok);
    if (!ok || value < min || value > max)
        return false;
    *out = value;
    return true;
}

bool isIpAddress(const QString &text)
{
    const QByteArray bytes = text.toLatin1();
    unsigned char buffer[sizeof(in6_addr)];
    return inet_pton(AF_INET, bytes.constData(), buffer) == 1 ||
           inet_pton(AF_INET6, bytes.constData(), buffer) == 1;
}

/// IPv4 multicast (224.0.0.0/4) as a host-order number, or 0.
quint32 multicastIpv4(const QString &text)
{
    in_addr address{};
    if (inet_pton(AF_INET, text.toLatin1().constData(), &address) != 1)
        return 0;
    const quint32 host = ntohl(address.s_addr);
    return (host >> 28) == 0xE ? host : 0;
}

bool parseUser(const QString &text, RtspOptions::User *user)
{
    const qsizetype colon = text.indexOf(QLatin1Char(':'));
    if (colon <= 0 || colon == text.size() - 1)
        return false;
    user->name = text.left(colon);
    user->password = text.mid(colon + 1);
    return true;
}

} // namespace

const MountConfig &RtspOptions::mountFor(const QString &path) const
{
    for (const MountConfig &mount : mounts)
        if (mount.path == path)
            return mount;
    return mounts.front();
}

RtspOptions::Outcome RtspOptions::parse(const QStringList &arguments, RtspOptions *options,
                                        QString *message)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(
        QStringLiteral("Serves a zerotee bus stream over RTSP: one scale and one encode per mount, "
                       "whatever the number of viewers."));
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption socket(QStringLiteral("socket"),
                                    QStringLiteral("Bus socket to read (required)."),
                                    QStringLiteral("PATH"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  QStringLiteral("RTSP port (default 8554; 0 = any free port)."),
                                  QStringLiteral("N"));
    const QCommandLineOption bind(QStringLiteral("bind"),
                                  QStringLiteral("Address to listen on (default 0.0.0.0)."),
                                  QStringLiteral("ADDR"));
    const QCommandLineOption mount(QStringLiteral("mount"),
                                   QStringLiteral("Main mount path (default /live)."),
                                   QStringLiteral("PATH"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Main mount size (default: the bus's size)."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption fps(QStringLiteral("fps"),
                                 QStringLiteral("Main mount frame rate (default: the bus's)."),
                                 QStringLiteral("N"));
    const QCommandLineOption bitrate(QStringLiteral("bitrate"),
                                     QStringLiteral("Encoder bitrate in kbit/s (default 2000)."),
                                     QStringLiteral("KBPS"));
    const QCommandLineOption gop(QStringLiteral("gop"),
                                 QStringLiteral("Keyframe interval in frames (default 60)."),
                                 QStringLiteral("FRAMES"));
    const QCommandLineOption encoded(QStringLiteral("encoded"),
                                     QStringLiteral("The bus carries encoded video: serve it, no "
                                                    "encode."));
    const QCommandLineOption codec(
        QStringLiteral("codec"),
        QStringLiteral("With --encoded: what the bus carries, h264 (default) or h265."),
        QStringLiteral("C"), QStringLiteral("h264"));
    const QCommandLineOption profile(
        {QStringLiteral("mount-profile"), QStringLiteral("config-mount")},
        QStringLiteral("Extra mount, repeatable: PATH:WxH@FPS[,bitrate=KBPS][,gop=N]."),
        QStringLiteral("SPEC"));
    const QCommandLineOption auth(QStringLiteral("auth"),
                                  QStringLiteral("none, basic or digest (default none)."),
                                  QStringLiteral("MODE"));
    const QCommandLineOption user(QStringLiteral("user"),
                                  QStringLiteral("A viewer, repeatable (visible in ps: prefer "
                                                 "--users-file)."),
                                  QStringLiteral("NAME:PASS"));
    const QCommandLineOption usersFile(QStringLiteral("users-file"),
                                       QStringLiteral("File with one NAME:PASS a line."),
                                       QStringLiteral("FILE"));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"),
                                     QStringLiteral("PEM certificate: serve RTSPS."),
                                     QStringLiteral("PEM"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"),
                                    QStringLiteral("PEM private key for --tls-cert."),
                                    QStringLiteral("PEM"));
    const QCommandLineOption mcastRange(
        QStringLiteral("multicast-range"),
        QStringLiteral("Multicast address pool (default 239.255.0.1-239.255.0.254)."),
        QStringLiteral("FIRST-LAST"));
    const QCommandLineOption mcastPorts(QStringLiteral("multicast-ports"),
                                        QStringLiteral("Multicast port range (default 5000-5999)."),
                                        QStringLiteral("MIN-MAX"));
    const QCommandLineOption mcastTtl(QStringLiteral("multicast-ttl"),
                                      QStringLiteral("Multicast TTL (default 1)."),
                                      QStringLiteral("N"));
    const QCommandLineOption push(QStringLiteral("push"),
                                  QStringLiteral("Also publish to this RTSP server (RECORD)."),
                                  QStringLiteral("URL"));
    const QCommandLineOption pushMount(
        QStringLiteral("push-mount"),
        QStringLiteral("Mount whose profile --push publishes (default: the main mount)."),
        QStringLiteral("PATH"));
    const QCommandLineOption sessionTimeout(
        QStringLiteral("session-timeout"),
        QStringLiteral("Seconds without RTCP/keep-alive before a client is dropped (default 60)."),
        QStringLiteral("S"));
    const QCommandLineOption noJoinKeyframe(
        QStringLiteral("no-join-keyframe"),
        QStringLiteral("Do not request a keyframe when a client starts playing."));
    const QCommandLineOption encoder(
        QStringLiteral("encoder"), QStringLiteral("Encoder element (default: from the registry)."),
        QStringLiteral("FACTORY"));
    const QCommandLineOption scaler(QStringLiteral("scaler"),
                                    QStringLiteral("Scaler element (default: from the registry)."),
                                    QStringLiteral("FACTORY"));
    parser.addOptions({help,     socket,    port,      bind,           mount,          size,
                       fps,      bitrate,   gop,       encoded,        profile,        auth,
                       user,     usersFile, tlsCert,   tlsKey,         mcastRange,     mcastPorts,
                       mcastTtl, push,      pushMount, sessionTimeout, noJoinKeyframe, encoder,
                       scaler,   codec});

    auto fail = [&](const QString &why) {
        *message = why;
        return Outcome::Error;
    };
    if (!parser.parse(arguments))
        return fail(parser.errorText());
    if (parser.isSet(help)) {
        *message = parser.helpText();
        return Outcome::Help;
    }
    if (!parser.positionalArguments().isEmpty())
        return fail(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments()[0]));

    RtspOptions o;
    o.socketPath = parser.value(socket);
    if (o.socketPath.isEmpty())
        return fail(QStringLiteral("--socket PATH is required"));
    if (parser.isSet(port) && !parseInt(parser.value(port), 0, 65535, &o.port))
        return fail(QStringLiteral("--port: '%1' is not 0..65535").arg(parser.value(port)));
    if (parser.isSet(bind)) {
        o.bindAddress = parser.value(bind);
        if (!isIpAddress(o.bindAddress))
            return fail(QStringLiteral("--bind: '%1' is not an IP address").arg(o.bindAddress));
    }
    if (parser.isSet(bitrate) && !parseInt(parser.value(bitrate), 16, 100000, &o.bitrateKbps))
        return fail(
            QStringLiteral("--bitrate: '%1' is not 16..100000 kbit/s").arg(parser.value(bitrate)));
    if (parser.isSet(gop) && !parseInt(parser.value(gop), 1, 1000, &o.gop))
        return fail(QStringLiteral("--gop: '%1' is not 1..1000 frames").arg(parser.value(gop)));
    o.encoded = parser.isSet(encoded);
    o.codec = parser.value(codec);
    if (!VideoCodec::find(o.codec.toStdString()))
        return fail(QStringLiteral("--codec: '%1' is not %2")
                        .arg(o.codec, QString::fromStdString(VideoCodec::names())));
    // The worker's own encoders (raw bus) make H.264; H.265 is served from a stream.
    if (o.codec != QLatin1String("h264") && !o.encoded)
        return fail(QStringLiteral("--codec %1 needs --encoded: the RTSP worker's own encoder "
                                   "makes H.264; serve an H.265 stream instead")
                        .arg(o.codec));

    MountConfig main;
    if (parser.isSet(mount))
        main.path = parser.value(mount);
    if (!MountConfig::isValidPath(main.path))
        return fail(QStringLiteral("--mount: '%1' is not a path like /live").arg(main.path));
    if (parser.isSet(size) &&
        !MountConfig::parseSize(parser.value(size), &main.width, &main.height))
        return fail(
            QStringLiteral("--size: '%1' is not WxH (even, 16..8192)").arg(parser.value(size)));
    if (parser.isSet(fps) && !parseInt(parser.value(fps), 1, 240, &main.fps))
        return fail(QStringLiteral("--fps: '%1' is not 1..240").arg(parser.value(fps)));
    o.mounts.append(main);
    QSet<QString> paths{main.path};
    for (const QString &spec : parser.values(profile)) {
        QString error;
        std::optional<MountConfig> extra = MountConfig::parse(spec, &error);
        if (!extra)
            return fail(QStringLiteral("--mount-profile: ") + error);
        if (paths.contains(extra->path))
            return fail(
                QStringLiteral("--mount-profile: mount %1 is given twice").arg(extra->path));
        paths.insert(extra->path);
        o.mounts.append(*extra);
    }
    if (o.encoded) {
        for (const MountConfig &m : o.mounts)
            if (m.scales() || m.changesRate() || m.bitrateKbps || m.gop)
                return fail(QStringLiteral("--encoded serves the bus's video as it is: mount %1 "
                                           "cannot have its own size, rate, bitrate or GOP")
                                .arg(m.path));
        if (parser.isSet(bitrate) || parser.isSet(gop))
            return fail(QStringLiteral("--encoded does not encode: --bitrate/--gop do not apply"));
    }

    if (parser.isSet(auth)) {
        const QString mode = parser.value(auth);
        if (mode == QLatin1String("none"))
            o.auth = Auth::None;
        else if (mode == QLatin1String("basic"))
            o.auth = Auth::Basic;
        else if (mode == QLatin1String("digest"))
            o.auth = Auth::Digest;
        else
            return fail(QStringLiteral("--auth: '%1' is not none, basic or digest").arg(mode));
    }
    for (const QString &text : parser.values(user)) {
        User u;
        if (!parseUser(text, &u))
            return fail(QStringLiteral("--user: expected NAME:PASS (the value is not shown)"));
        o.users.append(u);
    }
    if (parser.isSet(usersFile)) {
        QFile file(parser.value(usersFile));
        if (!file.open(QIODevice::ReadOnly | QIODevice::Text))
            return fail(QStringLiteral("--users-file: cannot read %1: %2")
                            .arg(file.fileName(), file.errorString()));
        QTextStream in(&file);
        int lineNumber = 0;
        while (!in.atEnd()) {
            const QString line = in.readLine().trimmed();
            ++lineNumber;
            if (line.isEmpty() || line.startsWith(QLatin1Char('#')))
                continue;
            User u;
            if (!parseUser(line, &u))
                return fail(
                    QStringLiteral("--users-file: line %1 is not NAME:PASS").arg(lineNumber));
            o.users.append(u);
        }
    }
    if (o.auth == Auth::None && !o.users.isEmpty())
        return fail(QStringLiteral("users are given but --auth is none: add --auth basic|digest"));
    if (o.auth != Auth::None && o.users.isEmpty())
        return fail(
            QStringLiteral("--auth basic|digest needs at least one --user or --users-file"));

    o.tlsCertFile = parser.value(tlsCert);
    o.tlsKeyFile = parser.value(tlsKey);
    if (o.tlsCertFile.isEmpty() != o.tlsKeyFile.isEmpty())
        return fail(QStringLiteral("--tls-cert and --tls-key go together"));
    for (const QString &file : {o.tlsCertFile, o.tlsKeyFile})
        if (!file.isEmpty() && !QFileInfo(file).isReadable())
            return fail(QStringLiteral("TLS file %1 is not readable").arg(file));

    if (parser.isSet(mcastRange)) {
        const QStringList ends = parser.value(mcastRange).split(QLatin1Char('-'));
        const quint32 first = ends.size() == 2 ? multicastIpv4(ends[0]) : 0;
        const quint32 last = ends.size() == 2 ? multicastIpv4(ends[1]) : 0;
        if (!first || !last || first > last)
            return fail(QStringLiteral("--multicast-range: '%1' is not FIRST-LAST of IPv4 "
                                       "multicast addresses")
                            .arg(parser.value(mcastRange)));
        o.multicastFirst = ends[0];
        o.multicastLast = ends[1];
    }
    if (parser.isSet(mcastPorts)) {
        const QStringList ends = parser.value(mcastPorts).split(QLatin1Char('-'));
        if (ends.size() != 2 || !parseInt(ends[0], 1024, 65534, &o.multicastPortMin) ||
            !parseInt(ends[1], 1025, 65535, &o.multicastPortMax) ||
            o.multicastPortMax - o.multicastPortMin < 1)
            return fail(QStringLiteral("--multicast-ports: '%1' is not MIN-MAX within 1024..65535")
                            .arg(parser.value(mcastPorts)));
    }
    if (parser.isSet(mcastTtl) && !parseInt(parser.value(mcastTtl), 1, 255, &o.multicastTtl))
        return fail(
            QStringLiteral("--multicast-ttl: '%1' is not 1..255").arg(parser.value(mcastTtl)));

    o.pushUrl = parser.value(push);
    if (!o.pushUrl.isEmpty() && !o.pushUrl.startsWith(QLatin1String("rtsp://")) &&
        !o.pushUrl.startsWith(QLatin1String("rtsps://")))
        return fail(QStringLiteral("--push: the URL must start with rtsp:// or rtsps://"));
    o.pushMount = parser.value(pushMount);
    if (!o.pushMount.isEmpty() && !paths.contains(o.pushMount))
        return fail(QStringLiteral("--push-mount: %1 is not a mount").arg(o.pushMount));
    if (!o.pushMount.isEmpty() && o.pushUrl.isEmpty())
        return fail(QStringLiteral("--push-mount needs --push URL"));

    if (parser.isSet(sessionTimeout) &&
        !parseInt(parser.value(sessionTimeout), 2, 3600, &o.sessionTimeoutSeconds))
        return fail(QStringLiteral("--session-timeout: '%1' is not 2..3600 s")
                        .arg(parser.value(sessionTimeout)));
    // An encoded bus replays its GOP cache to each viewer's own connection: no IDR to force.
    o.keyframeOnJoin = !parser.isSet(noJoinKeyframe) && !o.encoded;
    o.encoder = parser.value(encoder);
    o.scaler = parser.value(scaler);
    if (o.encoded && (!o.encoder.isEmpty() || !o.scaler.isEmpty()))
        return fail(QStringLiteral("--encoded does not encode or scale: drop --encoder/--scaler"));

    *options = o;
    return Outcome::Run;
}

} // namespace zerotee
