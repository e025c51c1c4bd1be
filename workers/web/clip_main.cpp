// zerotee-clip: one MP4 cut out of a camera's recordings without re-encoding, from the
// keyframe at or before --from to --to, across segment boundaries (ClipCutter). Run by the
// supervisor for GET /api/clip, in a process of its own (docs/web.md).
//
//   zerotee-clip --dir /var/lib/zerotee/recordings/cam0 --from MS --to MS --out clip.mp4
#include "ClipCutter.h"
#include "MediaProgram.h"

int main(int argc, char **argv)
{
    zerotee::MediaProgram program(
        "zerotee-clip", "Cuts an MP4 out of a camera's Matroska recordings without re-encoding.");
    QCommandLineParser &parser = program.parser();
    parser.addOption({QStringLiteral("dir"), QStringLiteral("The camera's recordings folder."),
                      QStringLiteral("path")});
    parser.addOption({QStringLiteral("from"),
                      QStringLiteral("Start, ms since the Unix epoch (UTC)."),
                      QStringLiteral("ms")});
    parser.addOption({QStringLiteral("to"), QStringLiteral("End, ms since the Unix epoch (UTC)."),
                      QStringLiteral("ms")});
    parser.addOption(
        {QStringLiteral("out"), QStringLiteral("The MP4 file to write."), QStringLiteral("path")});
    if (int code = program.parse(argc, argv); code >= 0)
        return code;
    bool fromOk = false, toOk = false;
    const qint64 from = parser.value(QStringLiteral("from")).toLongLong(&fromOk);
    const qint64 to = parser.value(QStringLiteral("to")).toLongLong(&toOk);
    if (parser.value(QStringLiteral("dir")).isEmpty() ||
        parser.value(QStringLiteral("out")).isEmpty())
        return program.fail(QStringLiteral("--dir and --out are required (see --help)"));
    if (!fromOk || !toOk || to <= from)
        return program.fail(QStringLiteral("--from and --to must be ms with --from < --to"));
    const std::string why =
        zerotee::ClipCutter::cut(parser.value(QStringLiteral("dir")).toStdString(), from, to,
                                 parser.value(QStringLiteral("out")).toStdString());
    if (!why.empty())
        return program.fail(QString::fromStdString(why), 1);
    return 0;
}
