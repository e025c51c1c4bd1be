#pragma once

#include <QRegularExpression>
#include <QString>

namespace zerotee {

/// Parses a frame size written "WxH" (the form of every size flag and TOML key, e.g. 1920x1080).
/// Returns false when it is malformed or a side is outside 16..8192; the outputs are written only
/// on success. Callers with stricter needs (an encoder's even sides) check those on top.
inline bool parseFrameSize(const QString &text, int *width, int *height)
{
    static const QRegularExpression pattern(QStringLiteral("^(\\d{1,5})x(\\d{1,5})$"));
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return false;
    const int w = m.captured(1).toInt(), h = m.captured(2).toInt();
    if (w < 16 || h < 16 || w > 8192 || h > 8192)
        return false;
    *width = w;
    *height = h;
    return true;
}

} // namespace zerotee
