// The event log's text for worker reports (issue 17: `event rtsp: ` with nothing after it).
// Every report shape the workers send says what happened; unknown shapes still say something.
#include "WorkerReportText.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QTest>

using namespace zerotee;

namespace {

QJsonObject parse(const char *line)
{
    return QJsonDocument::fromJson(line).object();
}

} // namespace

class WorkerReportTextTest : public QObject {
    Q_OBJECT

private slots:
    void eachWorkersReportsSayWhatHappened_data()
    {
        QTest::addColumn<QString>("report");
        QTest::addColumn<QString>("text");
        // Lines as the workers print them (zerotee-rtsp, zerotee-ai, zerotee-recorder).
        QTest::newRow("rtsp listening")
            << R"({"type":"event","event":"listening","port":8554,"urls":["rtsp://10.0.0.2:8554/live"]})"
            << "listening on port 8554: rtsp://10.0.0.2:8554/live";
        QTest::newRow("rtsp error")
            << R"({"type":"event","event":"error","message":"port 8554 is in use"})"
            << "error: port 8554 is in use";
        QTest::newRow("ai start")
            << R"({"type":"event","label":"motion","state":"start","event_id":1,"score":0.812,"box":[0.1,0.2,0.3,0.4]})"
            << "motion started (score 0.812)";
        QTest::newRow("ai end")
            << R"({"type":"event","label":"motion","state":"end","duration_ms":2400,"reason":"not seen"})"
            << "motion ended after 2.4 s (not seen)";
        QTest::newRow("ai detection")
            << R"({"type":"detection","label":"person","score":0.9,"box":[0.25,0.5,0.1,0.2]})"
            << "person, score 0.9, at 0.25,0.5 size 0.1x0.2";
        QTest::newRow("recorder segment")
            << R"({"type":"event","label":"segment-closed","file":"/rec/front/2026-12-03/front_20261203T081500.000Z.mkv"})"
            << "segment-closed: front_20261203T081500.000Z.mkv";
        QTest::newRow("recorder retention")
            << R"({"type":"event","label":"segment-deleted","file":"/rec/cam0/d/a.mkv","reason":"max-age"})"
            << "segment-deleted: a.mkv (max-age)";
        QTest::newRow("unknown shape") << R"({"type":"event","kind":"client","peer":"10.0.0.9"})"
                                       << "kind=client peer=10.0.0.9";
        QTest::newRow("nothing at all") << R"({"type":"event"})"
                                        << "(the worker sent no details)";
    }

    void eachWorkersReportsSayWhatHappened()
    {
        QFETCH(QString, report);
        QFETCH(QString, text);
        const QJsonObject object = parse(report.toUtf8().constData());
        QVERIFY2(!object.isEmpty(), qPrintable(report));
        QCOMPARE(workerReportText(object), text);
    }
};

QTEST_GUILESS_MAIN(WorkerReportTextTest)
#include "WorkerReportTextTest.moc"
