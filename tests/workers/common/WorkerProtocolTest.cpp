// The worker <-> supervisor lines (WorkerProtocol.h): what both sides build and read.
#include "WorkerProtocol.h"

#include <QJsonDocument>
#include <gtest/gtest.h>

using namespace zerotee;

namespace {

QJsonObject parse(const QByteArray &line)
{
    return QJsonDocument::fromJson(line).object();
}

} // namespace

TEST(WorkerProtocol, AReportCarriesTheVersionAndItsType)
{
    const QJsonObject line =
        protocol::makeReport(protocol::Report::Detection, {{QStringLiteral("label"), "person"}});
    EXPECT_EQ(line.value(QStringLiteral("v")).toInt(), protocol::kVersion);
    EXPECT_EQ(line.value(QStringLiteral("type")).toString(), QStringLiteral("detection"));
    EXPECT_EQ(line.value(QStringLiteral("label")).toString(), QStringLiteral("person"));
    EXPECT_EQ(protocol::reportOf(line), protocol::Report::Detection);
}

TEST(WorkerProtocol, EveryReportTypeReadsBackAsItself)
{
    for (protocol::Report r :
         {protocol::Report::Stats, protocol::Report::Detection, protocol::Report::Event})
        EXPECT_EQ(protocol::reportOf(protocol::makeReport(r, {})), r)
            << qPrintable(protocol::name(r));
}

TEST(WorkerProtocol, ALineWithoutAVersionIsVersionOne)
{
    // Custom workers and scripts written before "v" existed.
    const QJsonObject old = parse(R"({"type":"event","state":"start","label":"motion"})");
    EXPECT_EQ(protocol::versionOf(old), 1);
    EXPECT_EQ(protocol::reportOf(old), protocol::Report::Event);
    EXPECT_EQ(protocol::versionOf(parse(R"({"v":7,"type":"stats"})")), 7);
}

TEST(WorkerProtocol, UnknownTypesAreUnknownNotErrors)
{
    EXPECT_EQ(protocol::reportOf(parse(R"({"v":2,"type":"thermal"})")), protocol::Report::Unknown);
    EXPECT_EQ(protocol::reportOf(parse(R"({"label":"no type"})")), protocol::Report::Unknown);
    EXPECT_EQ(protocol::reportOf(parse(R"({"type":42})")), protocol::Report::Unknown);
    EXPECT_EQ(protocol::commandOf(parse(R"({"type":"reboot"})")), protocol::Command::Unknown);
}

TEST(WorkerProtocol, TheTriggerCommandReadsBack)
{
    const QJsonObject line = parse(protocol::triggerLine(QStringLiteral("door \"front\"")));
    EXPECT_EQ(protocol::commandOf(line), protocol::Command::Trigger);
    EXPECT_EQ(protocol::versionOf(line), protocol::kVersion);
    EXPECT_EQ(line.value(QStringLiteral("label")).toString(), QStringLiteral("door \"front\""));
    EXPECT_FALSE(protocol::triggerLine(QStringLiteral("x")).contains('\n')); // one line
}
