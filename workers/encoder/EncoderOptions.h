#pragma once

#include "ParseOutcome.h"

#include <QString>
#include <QStringList>

namespace zerotee {

/// Command line of zerotee-encoder: which raw bus to read, which stream to publish and how to
/// encode it. Checked in full before anything starts.
///
/// Thread context: a plain value.
struct EncoderOptions {
    QString socketPath; ///< raw bus of the camera (input)
    QString output;     ///< the stream's own bus socket (output)
    QString stream = QStringLiteral("main");
    QString codec = QStringLiteral("h264");
    int bitrateKbps = 4000;
    int gop = 30;
    int width = 0; ///< 0 = the camera's
    int height = 0;
    int fps = 0; ///< 0 = the camera's
    QString profile = QStringLiteral("main");
    QString encoder;  ///< factory; empty = the registry's first
    QString scaler;   ///< factory; empty = the registry's first
    int gopCache = 0; ///< 0 = the GOP length
    int minKeyframeIntervalMs = 1000;
    int idleSeconds = 2; ///< encode only while consumers are connected, this long after the last
    bool alwaysOn = false;
    /// Who besides this user may read the stream (zeroteesink allow-users / allow-groups):
    /// the camera's allow_users / allow_groups, comma-separated names or ids.
    QString allowUsers, allowGroups;

    using Outcome = ParseOutcome; // the shape every worker's parser has
    /// Parses argv (arguments[0] is the program). On Help/Error @p message is the text to print.
    static Outcome parse(const QStringList &arguments, EncoderOptions *options, QString *message);
};

} // namespace zerotee
