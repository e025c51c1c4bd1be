#include "MountConfig.h"

#include "FrameSize.h"

#include <QRegularExpression>

namespace zerotee {

bool MountConfig::isValidPath(const QString &path)
{
    static const QRegularExpression pattern(QStringLiteral("^(/[A-Za-z0-9_.-]+)+$"));
    return pattern.match(path).hasMatch();
}

bool MountConfig::parseSize(const QString &text, int *width, int *height)
{
    // Encoders want even sides (4:2:0 chroma is subsampled by two both ways).
    int w = 0, h = 0;
    if (!parseFrameSize(text, &w, &h) || w % 2 || h % 2)
        return false;
    *width = w;
    *height = h;
    return true;
}

std::optional<MountConfig> MountConfig::parse(const QString &spec, QString *error)
{
    auto fail = [&](const QString &why) -> std::optional<MountConfig> {
        *error = QStringLiteral("mount profile '%1': %2").arg(spec, why);
        return std::nullopt;
    };
    const qsizetype colon = spec.indexOf(QLatin1Char(':'));
    if (colon < 0)
        return fail(QStringLiteral("expected PATH:WxH@FPS (e.g. /sub:640x360@10)"));
    MountConfig mount;
    mount.path = spec.left(colon);
    if (!isValidPath(mount.path))
        return fail(QStringLiteral("'%1' is not a mount path like /sub").arg(mount.path));

    QStringList parts = spec.mid(colon + 1).split(QLatin1Char(','));
    QString profile = parts.takeFirst();
    QString sizeText = profile, fpsText;
    if (const qsizetype at = profile.indexOf(QLatin1Char('@')); at >= 0) {
        sizeText = profile.left(at);
        fpsText = profile.mid(at + 1);
    }
    if (!sizeText.isEmpty() && !parseSize(sizeText, &mount.width, &mount.height))
        return fail(QStringLiteral("size '%1' is not WxH (even, 16..8192)").arg(sizeText));
    if (!fpsText.isEmpty()) {
        bool ok = false;
        mount.fps = fpsText.toInt(&ok);
        if (!ok || mount.fps < 1 || mount.fps > 240)
            return fail(QStringLiteral("frame rate '%1' is not 1..240").arg(fpsText));
    }
    for (const QString &part : parts) {
        const QString key = part.section(QLatin1Char('='), 0, 0);
        const QString value = part.section(QLatin1Char('='), 1);
        bool ok = false;
        const int number = value.toInt(&ok);
        if (key == QLatin1String("bitrate") && ok && number >= 16 && number <= 100000)
            mount.bitrateKbps = number;
        else if (key == QLatin1String("gop") && ok && number >= 1 && number <= 1000)
            mount.gop = number;
        else
            return fail(QStringLiteral("'%1' is not bitrate=16..100000 or gop=1..1000").arg(part));
    }
    if (!mount.scales() && !mount.changesRate() && parts.isEmpty() && profile.isEmpty())
        return fail(QStringLiteral("no size, rate, bitrate or GOP given"));
    return mount;
}

} // namespace zerotee
