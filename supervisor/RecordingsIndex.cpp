#include "RecordingsIndex.h"

#include "MatroskaHeader.h"
#include "SegmentNamer.h"

#include <QDateTime>
#include <QDirIterator>
#include <QFileInfo>
#include <QJsonObject>
#include <algorithm>

namespace zerotee {

QJsonArray RecordingsIndex::segments(const QStringList &cameraDirs, qint64 fromMs, qint64 toMs)
{
    struct Found {
        QFileInfo file;
        qint64 startMs;
        bool inProgress;
    };
    std::vector<Found> found;
    for (const QString &dir : cameraDirs) {
        QDirIterator it(dir, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QFileInfo file(it.next());
            const std::string path = file.filePath().toStdString();
            if (std::optional<int64_t> start = SegmentNamer::timeFromName(path))
                found.push_back({file, *start, SegmentNamer::isPart(path)});
        }
    }
    std::sort(found.begin(), found.end(),
              [](const Found &a, const Found &b) { return a.startMs < b.startMs; });
    QJsonArray list;
    for (size_t i = 0; i < found.size(); ++i) {
        const Found &f = found[i];
        // Only files that may overlap the span are opened (their header read): a segment ends
        // by the next one's start, and they are sorted by start.
        if (f.startMs >= toMs)
            break;
        if (i + 1 < found.size() && found[i + 1].startMs < fromMs)
            continue;
        double durationS = 0;
        if (std::optional<double> declared =
                MatroskaHeader::read(f.file.filePath().toStdString()).durationS)
            durationS = *declared;
        else if (i + 1 < found.size())
            durationS = (found[i + 1].startMs - f.startMs) / 1000.0;
        else
            durationS =
                std::max<qint64>(0, f.file.lastModified().toMSecsSinceEpoch() - f.startMs) / 1000.0;
        const qint64 endMs = f.startMs + qint64(durationS * 1000);
        if (endMs < fromMs || f.startMs >= toMs)
            continue;
        list.append(QJsonObject{{QStringLiteral("file"), f.file.fileName()},
                                {QStringLiteral("start"),
                                 QDateTime::fromMSecsSinceEpoch(f.startMs)
                                     .toOffsetFromUtc(QDateTime::currentDateTime().offsetFromUtc())
                                     .toString(Qt::ISODateWithMs)},
                                {QStringLiteral("start_ms"), f.startMs},
                                {QStringLiteral("duration_s"), durationS},
                                {QStringLiteral("size_bytes"), f.file.size()},
                                {QStringLiteral("in_progress"), f.inProgress}});
    }
    return list;
}

} // namespace zerotee
