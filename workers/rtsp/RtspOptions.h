#pragma once

#include "ParseOutcome.h"

#include "MountConfig.h"

#include <QList>
#include <QString>
#include <QStringList>

namespace zerotee {

/// The command line of zerotee-rtsp, parsed and validated. Nothing here touches GStreamer, so
/// the rules are unit-tested on their own.
///
/// Thread context: a plain value.
struct RtspOptions {
    enum class Auth { None, Basic, Digest };
    using Outcome = ParseOutcome; // the shape every worker's parser has

    struct User {
        QString name;
        QString password; // never logged or reported
    };

    QString socketPath;
    int port = 8554; // 0 = any free port (reported in the "listening" event)
    QString bindAddress = QStringLiteral("0.0.0.0");
    /// mounts[0] is the main mount (--mount, --size, --fps); --mount-profile adds the rest.
    QList<MountConfig> mounts;
    int bitrateKbps = 2000;
    int gop = 60;
    bool encoded = false; // the bus carries encoded video already: no scale, no encode
    QString codec = QStringLiteral("h264"); // what an encoded bus carries (VideoCodec names)

    Auth auth = Auth::None;
    QList<User> users;
    QString tlsCertFile;
    QString tlsKeyFile;

    QString multicastFirst = QStringLiteral("239.255.0.1");
    QString multicastLast = QStringLiteral("239.255.0.254");
    int multicastPortMin = 5000;
    int multicastPortMax = 5999;
    int multicastTtl = 1;

    QString pushUrl;
    QString pushMount; // empty = the main mount's profile

    int sessionTimeoutSeconds = 60;
    bool keyframeOnJoin = true;
    QString encoder; // factory name override; empty = pick from the registry
    QString scaler;  // factory name override; empty = pick from the registry

    const MountConfig &mountFor(const QString &path) const;

    /// Parses @p arguments (argv, program name first). On Help, @p message is the help text; on
    /// Error, a one-line reason.
    static Outcome parse(const QStringList &arguments, RtspOptions *options, QString *message);
};

} // namespace zerotee
