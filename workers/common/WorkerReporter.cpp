#include "WorkerReporter.h"

#include <QJsonDocument>
#include <cstdio>

namespace zerotee {

void WorkerReporter::report(protocol::Report type, QJsonObject fields)
{
    QByteArray line =
        QJsonDocument(protocol::makeReport(type, std::move(fields))).toJson(QJsonDocument::Compact);
    line.append('\n');
    std::lock_guard lock(mutex_);
    std::fwrite(line.constData(), 1, size_t(line.size()), stdout);
    std::fflush(stdout);
}

} // namespace zerotee
