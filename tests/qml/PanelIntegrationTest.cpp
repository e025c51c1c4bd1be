// The panel as an operator uses it, on the test source under its own Xvfb: tap "Start" on the
// recorder card (found by objectName), wait until the recorder runs, check the live video item
// shows a picture, take screenshots at 800x480 and 1920x1080 (and with detection boxes), close
// the window (workers stopped, recording finalized) and open the panel again (same workers, in
// the state the operator left them). Exits 77 where Xvfb is missing.
#include "PanelApp.h"
#include "PanelController.h"

#include <CommandLine.h>
#include <HeadlessService.h>
#include <Supervisor.h>

#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QGuiApplication>
#include <QInputMethod>
#include <QProcess>
#include <QQuickItem>
#include <QQuickItemGrabResult>
#include <QQuickWindow>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <gst/gst.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <sys/stat.h>

using namespace zerotee;

namespace {

/// An Xvfb of our own on the first free display number.
class Xvfb {
public:
    ~Xvfb()
    {
        if (process_.state() != QProcess::NotRunning) {
            process_.terminate();
            if (!process_.waitForFinished(3000))
                process_.kill();
            process_.waitForFinished(1000);
        }
    }
    bool start()
    {
        const QString program = QStandardPaths::findExecutable(QStringLiteral("Xvfb"));
        if (program.isEmpty())
            return false;
        for (int display = 90; display < 160; ++display) {
            if (QFile::exists(QStringLiteral("/tmp/.X%1-lock").arg(display)) ||
                QFile::exists(QStringLiteral("/tmp/.X11-unix/X%1").arg(display)))
                continue;
            process_.setProgram(program);
            process_.setArguments({QStringLiteral(":%1").arg(display), QStringLiteral("-screen"),
                                   QStringLiteral("0"), QStringLiteral("1920x1080x24"),
                                   QStringLiteral("-nolisten"), QStringLiteral("tcp")});
            process_.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            process_.start();
            if (!process_.waitForStarted(3000))
                continue;
            for (int i = 0; i < 50; ++i) {
                if (QFile::exists(QStringLiteral("/tmp/.X11-unix/X%1").arg(display))) {
                    display_ = QStringLiteral(":%1").arg(display);
                    return true;
                }
                if (process_.waitForFinished(100))
                    break; // lost a race for this number: try the next
            }
        }
        return false;
    }
    QString display() const { return display_; }

private:
    QProcess process_;
    QString display_;
};

QString outputDir()
{
    QDir().mkpath(QStringLiteral(ZEROTEE_TEST_OUTPUT_DIR));
    return QStringLiteral(ZEROTEE_TEST_OUTPUT_DIR);
}

/// Spread of the luminance: 0 for a blank (single-colour) image.
double luminanceStdDev(const QImage &image, int *bright)
{
    const QImage rgb = image.convertToFormat(QImage::Format_RGB32);
    double sum = 0, sumSq = 0;
    *bright = 0;
    const qint64 n = qint64(rgb.width()) * rgb.height();
    for (int y = 0; y < rgb.height(); ++y) {
        const auto *line = reinterpret_cast<const QRgb *>(rgb.constScanLine(y));
        for (int x = 0; x < rgb.width(); ++x) {
            const double l = qGray(line[x]);
            sum += l;
            sumSq += l * l;
            *bright += l > 128;
        }
    }
    const double mean = sum / double(n);
    return std::sqrt(std::max(0.0, sumSq / double(n) - mean * mean));
}

} // namespace

class PanelIntegrationTest : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;
    QString recordings_;
    QString stateFile_;
    std::unique_ptr<PanelApp> panel_;
    std::unique_ptr<QPointingDevice> touch_; // QTest::createTouchDevice() leaves it to us

    CommandLine commandLine(const QString &window)
    {
        return parseCommandLine({QStringLiteral("zerotee"), QStringLiteral("--config"),
                                 dir_.filePath(QStringLiteral("zerotee.toml")),
                                 QStringLiteral("--window"), window, QStringLiteral("--state"),
                                 stateFile_});
    }

    /// The item called @p name in the visual tree (delegates have no QObject parent to search).
    static QQuickItem *findItem(QQuickItem *root, const QString &name)
    {
        if (root->objectName() == name)
            return root;
        for (QQuickItem *child : root->childItems())
            if (QQuickItem *found = findItem(child, name))
                return found;
        return nullptr;
    }
    QQuickItem *item(const QString &name)
    {
        return findItem(panel_->window()->contentItem(), name);
    }

    /// A finger on the item's centre: press, release.
    // A finger reaches only what is on the screen: as a user would, scroll the page (the nearest
    // Flickable) until the target's centre is inside it. More cards (a stream's encoder, an
    // added worker) push the last ones below the fold of an 800x480 panel.
    static void scrollIntoView(QQuickItem *target)
    {
        QQuickItem *flickable = target->parentItem();
        while (flickable && !flickable->inherits("QQuickFlickable"))
            flickable = flickable->parentItem();
        if (!flickable)
            return;
        const QPointF centre =
            target->mapToItem(flickable, QPointF(target->width() / 2, target->height() / 2));
        if (centre.y() >= 0 && centre.y() < flickable->height())
            return;
        const qreal contentY = flickable->property("contentY").toReal();
        const qreal maxY =
            std::max<qreal>(0, flickable->property("contentHeight").toReal() - flickable->height());
        const qreal wanted = contentY + centre.y() - flickable->height() / 2;
        flickable->setProperty("contentY", std::clamp<qreal>(wanted, 0, maxY));
        QTest::qWait(50);
    }

    void tap(const QString &name)
    {
        QQuickItem *target = nullptr;
        const bool found = QTest::qWaitFor(
            [&] { return (target = item(name)) && target->isVisible() && target->width() > 0; },
            5000);
        if (!found)
            panel_->window()->grabWindow().save(
                QDir(outputDir()).filePath(QStringLiteral("not-found-%1.png").arg(name)));
        QVERIFY2(target && target->isVisible() && target->width() > 0,
                 qPrintable(QStringLiteral("no visible item '%1'").arg(name)));
        scrollIntoView(target);
        const QPoint centre =
            target->mapToScene(QPointF(target->width() / 2, target->height() / 2)).toPoint();
        QTest::touchEvent(panel_->window(), touch_.get()).press(0, centre, panel_->window());
        QTest::touchEvent(panel_->window(), touch_.get()).release(0, centre, panel_->window());
        QTest::qWait(50);
    }

    WorkerProcess *worker(const QString &name)
    {
        Supervisor *supervisor = panel_->service()->supervisorIfUp();
        return supervisor ? supervisor->workers().worker(name) : nullptr;
    }

    void openPanel(const QString &window)
    {
        CommandLine cl = commandLine(window);
        QVERIFY2(!cl.exitNow, qPrintable(cl.message));
        panel_ = std::make_unique<PanelApp>(std::move(cl));
        QString error;
        QVERIFY2(panel_->start(&error), qPrintable(error));
        QVERIFY(QTest::qWaitForWindowExposed(panel_->window()));
        // No window manager under Xvfb: activate it ourselves (text fields need focus).
        panel_->window()->requestActivate();
        QVERIFY(QTest::qWaitForWindowActive(panel_->window()));
    }

    void screenshot(const QString &name)
    {
        QTest::qWait(400); // let layouts and the next video frames settle
        const QImage image = panel_->window()->grabWindow();
        QVERIFY(!image.isNull());
        QVERIFY(image.save(QDir(outputDir()).filePath(name)));
    }

    void resize(int w, int h)
    {
        panel_->window()->resize(w, h);
        QTRY_COMPARE_WITH_TIMEOUT(panel_->window()->size(), QSize(w, h), 5000);
    }

private slots:
    void initTestCase()
    {
        touch_.reset(QTest::createTouchDevice());
        recordings_ = dir_.filePath(QStringLiteral("rec"));
        stateFile_ = dir_.filePath(QStringLiteral("state/workers.json"));
        const QString runtime = dir_.filePath(QStringLiteral("run"));
        QDir().mkpath(runtime);
        ::chmod(runtime.toUtf8().constData(), 0700);
        QFile config(dir_.filePath(QStringLiteral("zerotee.toml")));
        QVERIFY(config.open(QIODevice::WriteOnly));
        config.write(QStringLiteral(R"(
runtime_dir = "%1"
worker_path = ["%2"]
log_level = "warning"
[http]
enabled = false
[[camera]]
name = "cam0"
source = "test"
size = "320x240"
fps = 15
[[worker]]
name = "recorder"
kind = "recorder"
autostart = false
[worker.options]
dir = "%3"
segment_seconds = 30
[[worker]]
name = "ai"
kind = "ai"
[worker.options]
fps = 15
)")
                         .arg(runtime, QStringLiteral(ZEROTEE_BIN_DIR), recordings_)
                         .toUtf8());
    }

    void startRecorderByTouchAndSeeVideo()
    {
        openPanel(QStringLiteral("800x480"));
        QCOMPARE(worker(QStringLiteral("recorder"))->state(), WorkerProcess::State::Stopped);

        tap(QStringLiteral("nav_workers"));
        tap(QStringLiteral("startStop_recorder"));
        QTRY_COMPARE_WITH_TIMEOUT(worker(QStringLiteral("recorder"))->state(),
                                  WorkerProcess::State::Running, 20000);
        QVERIFY(item(QStringLiteral("workerCard_recorder")));
        QTRY_COMPARE_WITH_TIMEOUT(
            panel_->controller()->workers()->stateOf(QStringLiteral("recorder")),
            QStringLiteral("running"), 5000);
        QTest::qWait(2000); // two refreshes: frame rates on the cards
        screenshot(QStringLiteral("panel-workers-800x480.png"));

        tap(QStringLiteral("nav_live"));
        QQuickItem *video = nullptr;
        QTRY_VERIFY_WITH_TIMEOUT((video = item(QStringLiteral("preview_cam0"))), 5000);
        CamerasModel *cameras = panel_->controller()->cameras();
        QTRY_COMPARE_WITH_TIMEOUT(
            cameras->data(cameras->index(0), CamerasModel::PreviewStateRole).toString(),
            QStringLiteral("live"), 20000);

        // The video item's own pixels: a picture, not a blank rectangle.
        double spread = 0;
        int bright = 0;
        for (int attempt = 0; attempt < 20 && (spread < 1.0 || bright == 0); ++attempt) {
            QSharedPointer<const QQuickItemGrabResult> grab = video->grabToImage();
            QVERIFY(grab);
            QSignalSpy ready(grab.data(), &QQuickItemGrabResult::ready);
            QVERIFY(ready.wait(5000));
            spread = luminanceStdDev(grab->image(), &bright);
            grab->image().save(QDir(outputDir()).filePath(QStringLiteral("preview-item.png")));
            if (spread < 1.0 || bright == 0)
                QTest::qWait(250);
        }
        QVERIFY2(spread >= 1.0 && bright > 0,
                 qPrintable(QStringLiteral("preview blank: stddev %1, %2 bright pixels")
                                .arg(spread)
                                .arg(bright)));

        // Figures on, wait for boxes of the moving ball.
        tap(QStringLiteral("toggleStats"));
        QVERIFY(panel_->controller()->preview()->statsVisible());
        DetectionsModel *detections = panel_->controller()->detectionsFor(QStringLiteral("cam0"));
        QTRY_VERIFY_WITH_TIMEOUT(detections->rowCount() > 0, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(
            cameras->data(cameras->index(0), CamerasModel::LatencyMsRole).toDouble() >= 0, 5000);
        const double latency =
            cameras->data(cameras->index(0), CamerasModel::LatencyMsRole).toDouble();
        QVERIFY2(latency < 1000, qPrintable(QString::number(latency)));
        screenshot(QStringLiteral("panel-800x480.png"));

        // A 7" 1024x600 panel with boxes on the moving ball.
        resize(1024, 600);
        QTRY_VERIFY_WITH_TIMEOUT(detections->rowCount() > 0, 20000);
        screenshot(QStringLiteral("panel-detections.png"));

        resize(1920, 1080);
        QTRY_VERIFY_WITH_TIMEOUT(detections->rowCount() > 0, 20000);
        screenshot(QStringLiteral("panel-1920x1080.png"));

        // The Streams page shows the camera's one encoded stream, which the recorder uses.
        tap(QStringLiteral("nav_streams"));
        QTRY_VERIFY_WITH_TIMEOUT(item(QStringLiteral("encodedStream_cam0_main")), 10000);
        {
            EncodedStreamsModel *streams = panel_->controller()->encodedStreams();
            QTRY_COMPARE_WITH_TIMEOUT(
                streams->data(streams->index(0), EncodedStreamsModel::StateRole).toString(),
                QStringLiteral("running"), 15000);
            QVERIFY(streams->data(streams->index(0), EncodedStreamsModel::UsersRole)
                        .toString()
                        .contains(QStringLiteral("recorder")));
        }
        screenshot(QStringLiteral("panel-streams-1920x1080.png"));
        tap(QStringLiteral("nav_recordings"));
#ifdef ZEROTEE_HAVE_RECORDINGS
        // The Recordings module's page, made on first view with the recorder's folder.
        QTRY_VERIFY_WITH_TIMEOUT(item(QStringLiteral("recordingsPage")), 10000);
        QCOMPARE(item(QStringLiteral("recordingsPage"))->property("rootPath").toString(),
                 recordings_);
#endif
        screenshot(QStringLiteral("panel-recordings-1920x1080.png"));
        tap(QStringLiteral("nav_system"));
        screenshot(QStringLiteral("panel-system-1920x1080.png"));
        tap(QStringLiteral("nav_events"));
        screenshot(QStringLiteral("panel-events-1920x1080.png"));
        resize(480, 800);
        tap(QStringLiteral("navBar_live"));
        screenshot(QStringLiteral("panel-480x800.png"));
        resize(800, 480);
    }

    void changesThroughThePanelAreKept()
    {
        QVERIFY(panel_);
        // Add a worker with the dialog and stop the AI, by touch (the control API's code path).
        tap(QStringLiteral("nav_workers"));
        tap(QStringLiteral("addWorker"));
        tap(QStringLiteral("kind_custom"));
        tap(QStringLiteral("addName"));
        if (panel_->controller()->virtualKeyboard()) {
            // No hardware keyboard here: the on-screen one comes up for the text field.
            QTRY_VERIFY_WITH_TIMEOUT(QGuiApplication::inputMethod()->isVisible(), 5000);
            screenshot(QStringLiteral("panel-keyboard-800x480.png"));
        }
        item(QStringLiteral("addName"))->setProperty("text", QStringLiteral("thumbs"));
        item(QStringLiteral("addPipeline"))
            ->setProperty("text", QStringLiteral("zeroteesrc ! fakesink"));
        tap(QStringLiteral("addConfirm"));
        QTRY_VERIFY_WITH_TIMEOUT(worker(QStringLiteral("thumbs")), 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!item(QStringLiteral("addConfirm")) ||
                                     !item(QStringLiteral("addConfirm"))->isVisible(),
                                 5000);
        QGuiApplication::inputMethod()->hide();
        QTRY_VERIFY_WITH_TIMEOUT(!QGuiApplication::inputMethod()->isVisible(), 5000);
        QTest::qWait(400); // the keyboard slides away, the new card takes its place
        tap(QStringLiteral("startStop_ai"));
        QTRY_COMPARE_WITH_TIMEOUT(worker(QStringLiteral("ai"))->state(),
                                  WorkerProcess::State::Stopped, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(worker(QStringLiteral("thumbs"))->state(),
                                  WorkerProcess::State::Running, 15000);
        QTest::qWait(1500); // a recorded second or so more

        // Closing the window is the orderly shutdown: workers stopped, files finalized.
        QSignalSpy finished(panel_.get(), &PanelApp::finished);
        panel_->window()->close();
        QTRY_VERIFY_WITH_TIMEOUT(panel_->isShutDown(), 30000);
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 30000);
        QVERIFY(!panel_->service()->supervisorIfUp());
        QStringList finals, partial;
        QDirIterator it(recordings_, QDir::Files, QDirIterator::Subdirectories);
        while (it.hasNext()) {
            const QString file = it.next();
            (file.endsWith(QStringLiteral(".part")) ? partial : finals) << file;
        }
        QVERIFY2(partial.isEmpty(), qPrintable(partial.join(u' ')));
        QVERIFY2(!finals.isEmpty(), "the recording was not finalized");
        panel_.reset();

        // Reopened: the same workers, as the operator left them.
        openPanel(QStringLiteral("800x480"));
        QStringList names;
        for (WorkerProcess *w : panel_->service()->supervisor().workers().workers())
            names << w->name();
        // The stream's encoder is the supervisor's own (the recorder needs it), not a saved one.
        QCOMPARE(names, (QStringList{QStringLiteral("enc-cam0-main"), QStringLiteral("recorder"),
                                     QStringLiteral("ai"), QStringLiteral("thumbs")}));
        QTRY_COMPARE_WITH_TIMEOUT(worker(QStringLiteral("recorder"))->state(),
                                  WorkerProcess::State::Running, 20000);
        QTRY_COMPARE_WITH_TIMEOUT(worker(QStringLiteral("thumbs"))->state(),
                                  WorkerProcess::State::Running, 20000);
        QCOMPARE(worker(QStringLiteral("ai"))->state(), WorkerProcess::State::Stopped);
        panel_->window()->close();
        QTRY_VERIFY_WITH_TIMEOUT(panel_->isShutDown(), 30000);
        panel_.reset();
    }

    void cleanupTestCase()
    {
        panel_.reset();
    }
};

int main(int argc, char **argv)
{
    Xvfb xvfb;
    if (!xvfb.start()) {
        std::fprintf(stderr, "SKIP: Xvfb is not installed or did not start\n");
        return 77;
    }
    qputenv("DISPLAY", xvfb.display().toUtf8());
    qputenv("QT_QPA_PLATFORM", "xcb");
    QTemporaryDir runtime;
    ::chmod(runtime.path().toUtf8().constData(), 0700);
    qputenv("XDG_RUNTIME_DIR", runtime.path().toUtf8());
    gst_init(&argc, &argv);
    std::unique_ptr<QCoreApplication> app = PanelApp::createApplication(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("zerotee"));
    PanelIntegrationTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "PanelIntegrationTest.moc"
