// The panel's view models on canned input: detections matched by capture time and fading,
// events folded, worker figures, RTSP URLs, preview sizes, temperature, the worker set file.
#include "DetectionsModel.h"
#include "EncodedStreamsModel.h"
#include "EventsModel.h"
#include "PanelController.h"
#include "PreviewController.h"
#include "RtspMountsModel.h"
#include "SystemStatus.h"
#include "WorkersModel.h"

#include <Supervisor.h>
#include <WorkerSetStore.h>

#include <QJsonArray>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace zerotee;

namespace {

constexpr qint64 kMs = 1'000'000;

QJsonObject worker(const QString &name, const QString &kind, const QString &state, qint64 frames,
                   const QJsonObject &reported = {})
{
    return {{"name", name},         {"kind", kind},
            {"state", state},       {"frames", frames},
            {"drops", 2},           {"pid", 42},
            {"cpu_percent", 12.5},  {"rss_bytes", 50 * 1024 * 1024},
            {"reported", reported}, {"camera", "cam0"}};
}

} // namespace

class PanelModelsTest : public QObject {
    Q_OBJECT

private slots:
    void detectionsMatchTheFrameOnScreen()
    {
        DetectionsModel model;
        model.addDetection(1000 * kMs, "motion", 0.9, QRectF(0.1, 0.2, 0.3, 0.4));
        model.addDetection(1200 * kMs, "motion", 0.8, QRectF(0.5, 0.5, 0.2, 0.2));
        model.addDetection(1200 * kMs, "cat", 0.7, QRectF(0.0, 0.0, 0.1, 0.1));

        model.setFramePts(900 * kMs); // before any analysed frame: nothing
        QCOMPARE(model.rowCount(), 0);

        model.setFramePts(1100 * kMs); // the frame of 1000 ms is the newest at or before
        QCOMPARE(model.rowCount(), 1);
        const QModelIndex first = model.index(0);
        QCOMPARE(model.data(first, DetectionsModel::XRole).toDouble(), 0.1);
        QCOMPARE(model.data(first, DetectionsModel::HeightRole).toDouble(), 0.4);
        QCOMPARE(model.data(first, DetectionsModel::OpacityRole).toDouble(), 1.0);

        model.setFramePts(1210 * kMs); // now the two boxes of 1200 ms
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(model.data(model.index(1), DetectionsModel::LabelRole).toString(), "cat");
    }

    void staleDetectionsFadeOut()
    {
        DetectionsModel model;
        model.setHoldMs(400);
        model.setFadeMs(800);
        model.addDetection(1000 * kMs, "motion", 0.9, QRectF(0.1, 0.1, 0.2, 0.2));
        model.setFramePts(1300 * kMs);
        QCOMPARE(model.data(model.index(0), DetectionsModel::OpacityRole).toDouble(), 1.0);
        model.setFramePts(1800 * kMs); // 800 ms old: half-way through the fade
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(qAbs(model.data(model.index(0), DetectionsModel::OpacityRole).toDouble() - 0.5) <
                1e-6);
        model.setFramePts(2300 * kMs); // past hold + fade: gone
        QCOMPARE(model.rowCount(), 0);
        QCOMPARE(model.ageMs(), -1.0);
    }

    void boxesAreClippedToTheFrame()
    {
        DetectionsModel model;
        model.addDetection(10 * kMs, "x", 0.5, QRectF(0.9, 0.9, 0.5, 0.5));
        model.addDetection(10 * kMs, "outside", 0.5, QRectF(1.5, 1.5, 0.1, 0.1));
        model.setFramePts(10 * kMs);
        QCOMPARE(model.rowCount(), 1);
        QVERIFY(qAbs(model.data(model.index(0), DetectionsModel::WidthRole).toDouble() - 0.1) <
                1e-9);
    }

    void detectionsAreFoldedInTheEventList()
    {
        EventsModel model;
        auto detection = [](qint64 id, const QString &time, const QString &label) {
            // As the supervisor logs a detection report: the report's fields and its text.
            return QJsonObject{
                {"id", id},       {"time", time},   {"type", "detection"},
                {"source", "ai"}, {"label", label}, {"message", label + ", score 0.5"},
                {"score", 0.5}};
        };
        model.add(detection(1, "2024-01-01T10:00:00.000Z", "motion"));
        model.add(detection(2, "2024-01-01T10:00:01.000Z", "motion"));
        model.add(detection(3, "2024-01-01T10:00:01.500Z", "motion"));
        QCOMPARE(model.rowCount(), 1);
        QCOMPARE(model.data(model.index(0), EventsModel::CountRole).toInt(), 3);
        model.add(detection(4, "2024-01-01T10:00:09.000Z", "motion")); // later: a new row
        model.add({{"id", 5},
                   {"time", "2024-01-01T10:00:10.000Z"},
                   {"type", "worker"},
                   {"source", "rtsp"},
                   {"state", "failed"},
                   {"message", "failed: crash loop"}});
        QCOMPARE(model.rowCount(), 3);
        // Newest first.
        QCOMPARE(model.data(model.index(0), EventsModel::LevelRole).toString(), "error");
        QCOMPARE(model.data(model.index(1), EventsModel::LevelRole).toString(), "detection");
        QCOMPARE(model.data(model.index(2), EventsModel::CountRole).toInt(), 3);
    }

    void eventMessagesSayWhatHappened()
    {
        QCOMPARE(EventsModel::messageOf({{"type", "event"},
                                         {"label", "person"},
                                         {"state", "start"},
                                         {"message", "person started (score 0.9)"}}),
                 "person appeared");
        // Everything else as the supervisor worded it (WorkerReportText).
        QCOMPARE(EventsModel::messageOf({{"type", "event"},
                                         {"label", "segment-closed"},
                                         {"file", "/r/cam0/a.mkv"},
                                         {"message", "segment-closed: a.mkv"}}),
                 "segment-closed: a.mkv");
        QCOMPARE(EventsModel::messageOf({{"type", "event"},
                                         {"event", "listening"},
                                         {"port", 8554},
                                         {"message", "listening on port 8554"}}),
                 "listening on port 8554");
        QCOMPARE(EventsModel::levelOf({{"type", "worker"}, {"state", "backing-off"}}), "warning");
    }

    void eventListIsBounded()
    {
        EventsModel model(10);
        for (int i = 0; i < 25; ++i)
            model.add(
                {{"id", i}, {"type", "worker"}, {"source", QString::number(i)}, {"message", "x"}});
        QCOMPARE(model.rowCount(), 10);
        QCOMPARE(model.data(model.index(0), EventsModel::SourceRole).toString(), "24");
    }

    void workersModelComputesRatesAndFigures()
    {
        WorkersModel model;
        QSignalSpy reset(&model, &QAbstractItemModel::modelReset);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QJsonObject rtsp{
            {"clients", 2},
            {"mounts", QJsonArray{QJsonObject{
                           {"path", "/live"}, {"encoder_running", true}, {"bitrate_kbps", 900}}}}};
        QJsonObject rec{{"file", "/rec/cam0/2024-01-01/cam0-100000.mkv.part"},
                        {"state", "recording"},
                        {"segments", 3}};
        model.update({worker("rtsp", "rtsp", "running", 100, rtsp),
                      worker("recorder", "recorder", "running", 100, rec)},
                     0);
        QCOMPARE(reset.count(), 1);
        QCOMPARE(model.rowCount(), 2);
        model.update({worker("rtsp", "rtsp", "running", 115, rtsp),
                      worker("recorder", "recorder", "running", 110, rec)},
                     200); // too soon for a rate
        QCOMPARE(model.data(model.index(0), WorkersModel::FpsRole).toDouble(), 0.0);
        model.update({worker("rtsp", "rtsp", "running", 130, rtsp),
                      worker("recorder", "recorder", "stopping", 115, rec)},
                     1000);
        QCOMPARE(reset.count(), 1); // same workers: rows change in place
        QVERIFY(changed.count() >= 2);
        const QModelIndex r = model.index(0);
        QCOMPARE(model.data(r, WorkersModel::FpsRole).toDouble(), 30.0);
        QCOMPARE(model.data(r, WorkersModel::ClientsRole).toInt(), 2);
        QCOMPARE(model.data(r, WorkersModel::ActiveRole).toBool(), true);
        QVERIFY(model.data(r, WorkersModel::DetailRole).toString().contains("900 kbit/s"));
        const QModelIndex c = model.index(1);
        QCOMPARE(model.data(c, WorkersModel::BusyRole).toBool(), true);
        QCOMPARE(model.data(c, WorkersModel::ActiveRole).toBool(), false);
        QCOMPARE(model.data(c, WorkersModel::ClientsRole).toInt(), -1);
        QCOMPARE(model.runningCount(), 1);
        QCOMPARE(model.stateOf("recorder"), "stopping");
        model.update({worker("rtsp", "rtsp", "running", 160, rtsp)}, 2000);
        QCOMPARE(reset.count(), 2);
        QCOMPARE(model.indexOf("recorder"), -1);
    }

    void recorderShowsItsOpenFile()
    {
        WorkersModel model;
        model.update({worker("recorder", "recorder", "running", 1,
                             {{"file", "/rec/cam0/2024-01-01/cam0-100000.mkv.part"}})},
                     0);
        QCOMPARE(model.data(model.index(0), WorkersModel::CurrentFileRole).toString(),
                 "cam0-100000.mkv.part");
    }

    void rtspUrlsAreReachable()
    {
        QCOMPARE(RtspMountsModel::reachableUrl("rtsp://myhost:8554/live", "192.168.1.20"),
                 "rtsp://192.168.1.20:8554/live");
        QCOMPARE(RtspMountsModel::reachableUrl("rtsp://0.0.0.0:8554/live", "10.0.0.2"),
                 "rtsp://10.0.0.2:8554/live");
        QCOMPARE(RtspMountsModel::reachableUrl("rtsp://127.0.0.1:8554/live", "10.0.0.2"),
                 "rtsp://127.0.0.1:8554/live");
        QCOMPARE(RtspMountsModel::reachableUrl("rtsp://myhost:8554/live", ""),
                 "rtsp://myhost:8554/live");

        RtspMountsModel model;
        QJsonObject reported{
            {"mounts", QJsonArray{QJsonObject{{"path", "/live"},
                                              {"url", "rtsp://127.0.0.1:8554/live"},
                                              {"clients", 1}},
                                  QJsonObject{{"path", "/sub"},
                                              {"url", "rtsp://127.0.0.1:8554/sub"},
                                              {"clients", 2},
                                              {"size", "640x360"},
                                              {"fps", 10}}}}};
        model.update({worker("rtsp", "rtsp", "running", 1, reported),
                      worker("off", "rtsp", "stopped", 1, reported)});
        QCOMPARE(model.rowCount(), 2); // only running workers' mounts
        QCOMPARE(model.totalClients(), 3);
        QCOMPARE(model.data(model.index(1), RtspMountsModel::SizeRole).toString(), "640x360");
    }

    void encodedStreams()
    {
        EncodedStreamsModel model;
        QSignalSpy count(&model, &EncodedStreamsModel::countChanged);
        const QJsonObject main{{"camera", "cam0"},
                               {"name", "main"},
                               {"state", "running"},
                               {"encoder", "x264enc"},
                               {"codec", "h264"},
                               {"width", 0},
                               {"height", 0},
                               {"fps", 0},
                               {"bitrate_kbps", 4000},
                               {"measured_kbps", 3900},
                               {"gop", 30},
                               {"consumers", 2},
                               {"keyframes_forced", 1},
                               {"drops", 0},
                               {"consumer_workers", QJsonArray{"recorder", "rtsp"}}};
        QJsonObject sub = main;
        sub["name"] = "sub";
        sub["state"] = "idle";
        sub["width"] = 640;
        sub["height"] = 360;
        sub["fps"] = 10;
        sub["consumer_workers"] = QJsonArray{};
        model.update({main, sub});
        QCOMPARE(model.rowCount(), 2);
        QCOMPARE(count.count(), 1);
        QCOMPARE(model.data(model.index(0), EncodedStreamsModel::SizeRole).toString(), "");
        QCOMPARE(model.data(model.index(0), EncodedStreamsModel::UsersRole).toString(),
                 "recorder, rtsp");
        QCOMPARE(model.data(model.index(0), EncodedStreamsModel::ConsumersRole).toInt(), 2);
        QCOMPARE(model.data(model.index(1), EncodedStreamsModel::SizeRole).toString(), "640x360");
        QCOMPARE(model.data(model.index(1), EncodedStreamsModel::StateRole).toString(), "idle");
        // The same streams with new counters: rows change in place, no reset.
        sub["state"] = "running";
        sub["drops"] = 3;
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.update({main, sub});
        QCOMPARE(count.count(), 1);
        QCOMPARE(changed.count(), 1);
        QCOMPARE(model.data(model.index(1), EncodedStreamsModel::DropsRole).toInt(), 3);
    }

    void previewSizes()
    {
        QCOMPARE(PreviewController::fitWithin({1920, 1080}, {640, 360}), QSize(640, 360));
        QCOMPARE(PreviewController::fitWithin({1280, 1024}, {640, 360}), QSize(450, 360));
        QCOMPARE(PreviewController::fitWithin({320, 240}, {640, 360}), QSize(320, 240));
        QCOMPARE(PreviewController::fitWithin({1920, 1080}, {}), QSize(1920, 1080));
        QVERIFY(PreviewController::isSoftwareRenderer("llvmpipe (LLVM 15.0.6, 256 bits)"));
        QVERIFY(!PreviewController::isSoftwareRenderer("Vivante GC7000UL"));
    }

    void temperatureFromThermalZones()
    {
        QTemporaryDir dir;
        QDir(dir.path()).mkpath("thermal_zone0");
        QDir(dir.path()).mkpath("thermal_zone1");
        QFile a(dir.filePath("thermal_zone0/temp"));
        QVERIFY(a.open(QIODevice::WriteOnly));
        a.write("45000\n");
        a.close();
        QFile b(dir.filePath("thermal_zone1/temp"));
        QVERIFY(b.open(QIODevice::WriteOnly));
        b.write("61500\n");
        b.close();
        QCOMPARE(SystemStatus::readTemperature(dir.path()), 61.5);
        QTemporaryDir empty;
        QCOMPARE(SystemStatus::readTemperature(empty.path()), -1000.0);
    }

    void hintsSayWhatToDo()
    {
        QVERIFY(PanelController::hintFor("a worker named 'rtsp' exists already")
                    .contains("another name"));
        QVERIFY(PanelController::hintFor("unknown option 'x' for a rtsp worker").contains("Leave"));
        QVERIFY(!PanelController::hintFor("something else").isEmpty());
    }

    void workerSetRoundTrip()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("state/workers.json");
        QString error;
        QVERIFY(!WorkerSetStore::load(path, &error)); // first start: no file, no error
        QVERIFY(error.isEmpty());

        SupervisorConfig config;
        config.runtimeDir = dir.path();
        Supervisor supervisor(config);
        WorkerSetStore store(path, supervisor);
        store.watch();
        QSignalSpy saved(&store, &WorkerSetStore::saved);
        WorkerConfig thumbs{
            "thumbs", "custom", "cam0", false, {{"pipeline", "zeroteesrc ! fakesink"}}};
        QVERIFY(supervisor.addWorker(thumbs, false).ok());
        QVERIFY(saved.wait(2000));

        std::optional<QList<WorkerConfig>> workers = WorkerSetStore::load(path, &error);
        QVERIFY2(workers, qPrintable(error));
        QCOMPARE(workers->size(), 1);
        QCOMPARE(workers->first().name, "thumbs");
        QCOMPARE(workers->first().kind, "custom");
        QCOMPARE(workers->first().autostart, false);
        QCOMPARE(workers->first().options.value("pipeline").toString(), "zeroteesrc ! fakesink");

        QVERIFY(supervisor.workers().remove("thumbs").ok());
        QVERIFY(saved.wait(2000));
        workers = WorkerSetStore::load(path, &error);
        QVERIFY(workers && workers->isEmpty());
    }

    void unusableWorkerSetFilesAreReported()
    {
        QTemporaryDir dir;
        const QString path = dir.filePath("workers.json");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("{\"version\": 7}");
        file.close();
        QString error;
        QVERIFY(!WorkerSetStore::load(path, &error));
        QVERIFY(error.contains("version 1"));
    }
};

QTEST_GUILESS_MAIN(PanelModelsTest)
#include "PanelModelsTest.moc"
