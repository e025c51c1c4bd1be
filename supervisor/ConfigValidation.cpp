// Checking a configuration once it is read (from the file, flags or the control API): every
// value in its range, names unique, sources and streams that can work; each error names its key.
#include "SupervisorConfig.h"

#include "ConsumerAdmission.h"
#include "VideoCodec.h"
#include "WorkerKinds.h"

#include <QRegularExpression>
#include <QSet>

namespace zerotee {

namespace {

const QSet<QString> kFormats = {QStringLiteral("NV12"), QStringLiteral("I420"),
                                QStringLiteral("YUY2"), QStringLiteral("GRAY8"),
                                QStringLiteral("RGBA"), QStringLiteral("BGRx")};
const QSet<QString> kLogLevels = {QStringLiteral("debug"), QStringLiteral("info"),
                                  QStringLiteral("warning"), QStringLiteral("error")};

/// A name key (`KEY.name`): it must match @p pattern (@p allowed says how, or is empty) and not
/// be among @p seen, which it then joins.
void checkName(ConfigErrors &errors, const QString &key, const QString &name,
               const QRegularExpression &pattern, const QString &allowed, QSet<QString> *seen)
{
    const QString nameKey = key + QStringLiteral(".name");
    if (!pattern.match(name).hasMatch())
        errors.add(nameKey, QStringLiteral("'%1' is not a valid name%2").arg(name, allowed));
    if (seen->contains(name))
        errors.add(nameKey, QStringLiteral("'%1' is used twice").arg(name));
    seen->insert(name);
}

} // namespace

QString checkSource(const QString &source)
{
    if (source == QStringLiteral("test"))
        return {};
    if (source.startsWith(QStringLiteral("v4l2:"))) {
        if (!source.mid(5).startsWith(QStringLiteral("/dev/")))
            return QStringLiteral("'%1': v4l2: needs a device path such as v4l2:/dev/video0")
                .arg(source);
        return {};
    }
    if (source.startsWith(QStringLiteral("file:"))) {
        if (source.size() == 5)
            return QStringLiteral("'file:' needs a path");
        return {};
    }
    if (source.startsWith(QStringLiteral("pipeline:"))) {
        if (source.mid(9).trimmed().isEmpty())
            return QStringLiteral("'pipeline:' needs a GStreamer source description");
        return {};
    }
    return QStringLiteral("'%1' is not test, v4l2:/dev/videoN, file:PATH or pipeline:DESC")
        .arg(source);
}

static void validateStreams(const CameraConfig &camera, const QString &cameraKey,
                            ConfigErrors &errors)
{
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$"));
    QSet<QString> names;
    for (qsizetype i = 0; i < camera.streams.size(); ++i) {
        const StreamConfig &s = camera.streams[i];
        const QString key = QStringLiteral("%1.stream[%2]").arg(cameraKey).arg(i);
        checkName(errors, key, s.name, nameRe, QStringLiteral(" ([A-Za-z0-9_-], 32 at most)"),
                  &names);
        // Whether this machine has an encoder for it is said at start (Supervisor), not here.
        if (!VideoCodec::find(s.codec.toStdString()))
            errors.add(key + QStringLiteral(".codec"),
                       QStringLiteral("'%1' is not %2")
                           .arg(s.codec, QString::fromStdString(VideoCodec::names())));
        if (s.width > camera.width || s.height > camera.height)
            errors.add(key + QStringLiteral(".size"),
                       QStringLiteral("%1x%2 is larger than the camera's %3x%4")
                           .arg(s.width)
                           .arg(s.height)
                           .arg(camera.width)
                           .arg(camera.height));
        if (s.fps > camera.fps)
            errors.add(
                key + QStringLiteral(".fps"),
                QStringLiteral("%1 is more than the camera's %2").arg(s.fps).arg(camera.fps));
        // The profile names are H.264's; H.265 streams are Main (8-bit 4:2:0).
        const QStringList profiles =
            s.codec == QLatin1String("h265")
                ? QStringList{QStringLiteral("main")}
                : QStringList{QStringLiteral("baseline"), QStringLiteral("main"),
                              QStringLiteral("high")};
        if (!profiles.contains(s.profile))
            errors.add(key + QStringLiteral(".profile"),
                       QStringLiteral("'%1' is not %2 (for %3)")
                           .arg(s.profile, profiles.join(QStringLiteral(", ")), s.codec));
    }
}

ConfigErrors validateConfig(const SupervisorConfig &config)
{
    ConfigErrors errors;
    if (!kLogLevels.contains(config.logLevel))
        errors.add(
            QStringLiteral("log_level"),
            QStringLiteral("'%1' is not debug, info, warning or error").arg(config.logLevel));
    if (config.cameras.isEmpty())
        errors.add(QStringLiteral("camera"), QStringLiteral("at least one camera is needed"));
    static const QRegularExpression nameRe(QStringLiteral("^[A-Za-z0-9][A-Za-z0-9_.-]{0,30}$"));
    QSet<QString> cameraNames;
    for (qsizetype i = 0; i < config.cameras.size(); ++i) {
        const CameraConfig &c = config.cameras[i];
        QString key = QStringLiteral("camera[%1]").arg(i);
        checkName(errors, key, c.name, nameRe, {}, &cameraNames);
        if (QString why = checkSource(c.source); !why.isEmpty())
            errors.add(key + QStringLiteral(".source"), why);
        if (!kFormats.contains(c.format))
            errors.add(key + QStringLiteral(".format"),
                       QStringLiteral("'%1' is not one of %2")
                           .arg(c.format, QStringList(kFormats.values()).join(u',')));
        if (c.width < 16 || c.height < 16 || c.width > 8192 || c.height > 8192)
            errors.add(key + QStringLiteral(".size"),
                       QStringLiteral("%1x%2 is out of range").arg(c.width).arg(c.height));
        if (c.fps < 1 || c.fps > 240)
            errors.add(key + QStringLiteral(".fps"),
                       QStringLiteral("%1 is out of range 1..240").arg(c.fps));
        validateStreams(c, key, errors);
        std::vector<uid_t> uids;
        std::vector<gid_t> gids;
        if (QString why; !resolveAllowed(c, &uids, &gids, &why)) {
            const qsizetype colon = why.indexOf(QStringLiteral(": "));
            errors.add(key + u'.' + why.left(colon), why.mid(colon + 2));
        }
    }
    QSet<QString> workerNames;
    for (qsizetype i = 0; i < config.workers.size(); ++i) {
        const WorkerConfig &w = config.workers[i];
        QString key = QStringLiteral("worker[%1]").arg(i);
        if (const WorkerKindInfo *kind = WorkerKindInfo::named(w.kind);
            !kind || !kind->configurable)
            errors.add(
                key + QStringLiteral(".kind"),
                QStringLiteral("'%1' is not %2").arg(w.kind, WorkerKindInfo::configurableNames()));
        checkName(errors, key, w.name, nameRe, {}, &workerNames);
        if (!cameraNames.contains(w.camera))
            errors.add(key + QStringLiteral(".camera"),
                       QStringLiteral("no camera named '%1'").arg(w.camera));
        const CameraConfig *camera = config.camera(w.camera);
        const QString stream = w.options.value(QStringLiteral("stream")).toString();
        if (camera && !stream.isEmpty() &&
            std::ranges::none_of(camera->effectiveStreams(),
                                 [&](const StreamConfig &s) { return s.name == stream; }))
            errors.add(key + QStringLiteral(".options.stream"),
                       QStringLiteral("camera '%1' has no stream '%2'").arg(w.camera, stream));
    }
    if (config.http.port < 0 || config.http.port > 65535)
        errors.add(QStringLiteral("http.port"),
                   QStringLiteral("%1 is out of range 0..65535").arg(config.http.port));
    const bool loopback = config.http.onLoopback();
    if (config.http.tlsCert.isEmpty() != config.http.tlsKey.isEmpty())
        errors.add(config.http.tlsCert.isEmpty() ? QStringLiteral("http.tls_cert")
                                                 : QStringLiteral("http.tls_key"),
                   QStringLiteral("tls_cert and tls_key go together"));
    if (config.http.enabled && !loopback && config.http.token.isEmpty())
        errors.add(QStringLiteral("http.token"),
                   QStringLiteral("is required when http.bind is not loopback (%1)")
                       .arg(config.http.bind));
    for (const auto &[key, reason] : config.mqtt.problems())
        errors.add(key, reason);
    return errors;
}

} // namespace zerotee
