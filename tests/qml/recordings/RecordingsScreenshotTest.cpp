// The Recordings page in a real window on a private Xvfb, with real recordings (gst-launch-1.0,
// the recorder's layout): at 800x480, 1920x1080 and portrait 480x800 it taps a recording, waits
// for Qt Multimedia to play it, seeks with the slider, waits until the position advances past the
// seek point (the video really plays), checks the video area is not blank and saves a PNG per
// size into SCREENSHOT_DIR. Exits 77 without Xvfb.
#include "RecordingFixture.h"
#include "RecordingsModel.h"
#include "XvfbServer.h"

#include <QDateTime>
#include <QDir>
#include <QElapsedTimer>
#include <QGuiApplication>
#include <QMediaPlayer>
#include <QQmlEngine>
#include <QQuickItem>
#include <QQuickView>
#include <QTemporaryDir>
#include <QTest>
#include <QtQml/qqmlextensionplugin.h>

#include <cstdio>
#include <memory>

Q_IMPORT_QML_PLUGIN(Zerotee_ControlsPlugin)
Q_IMPORT_QML_PLUGIN(Zerotee_RecordingsPlugin)

using namespace zerotee;
using zerotee::test::FixtureClip;
using zerotee::test::RecordingFixture;

namespace {

QQuickItem *findItem(QQuickItem *root, const QString &objectName)
{
    if (root->objectName() == objectName)
        return root;
    for (QQuickItem *child : root->childItems()) {
        if (QQuickItem *found = findItem(child, objectName))
            return found;
    }
    return nullptr;
}

/// Share of pixels in @p rect that are not near-black.
double litShare(const QImage &image, const QRect &rect)
{
    qint64 lit = 0;
    qint64 all = 0;
    for (int y = rect.top(); y <= rect.bottom(); y += 2) {
        for (int x = rect.left(); x <= rect.right(); x += 2) {
            ++all;
            if (qGray(image.pixel(x, y)) > 40)
                ++lit;
        }
    }
    return all ? double(lit) / double(all) : 0;
}

} // namespace

class RecordingsScreenshotTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void landscape800x480() { shoot(800, 480, 1); }
    void landscape1920x1080() { shoot(1920, 1080, 2); }
    void portrait480x800() { shoot(480, 800, 1); }
    void cleanupTestCase();

private:
    void shoot(int width, int height, int row);
    void tap(QQuickItem *item, double xFraction = 0.5);

    QTemporaryDir data_;
    std::unique_ptr<QQuickView> view_;
    RecordingsModel *model_ = nullptr;
    QMediaPlayer *player_ = nullptr;
};

void RecordingsScreenshotTest::initTestCase()
{
    QVERIFY(data_.isValid());
    const QString root = data_.path() + QStringLiteral("/recordings");
    const qint64 base = (QDateTime::currentMSecsSinceEpoch() / 60000 - 90) * 60000 + 250;
    const qint64 minute = 60000;
    const QList<FixtureClip> clips{
        {.camera = "entrance",
         .startMs = base,
         .frames = 180,
         .pattern = "smpte",
         .width = 640,
         .height = 360},
        {.camera = "entrance",
         .startMs = base + minute,
         .frames = 180,
         .pattern = "smpte",
         .width = 640,
         .height = 360},
        {.camera = "entrance",
         .startMs = base + 2 * minute,
         .frames = 180,
         .pattern = "smpte",
         .width = 640,
         .height = 360},
        {.camera = "entrance",
         .startMs = base + 2 * minute + 31000,
         .label = "person",
         .container = "mp4",
         .frames = 150,
         .pattern = "smpte",
         .width = 640,
         .height = 360},
        {.camera = "entrance",
         .startMs = base + 3 * minute,
         .frames = 120,
         .pattern = "ball",
         .width = 640,
         .height = 360},
        {.camera = "yard",
         .startMs = base - 86400000,
         .frames = 150,
         .pattern = "pinwheel",
         .width = 640,
         .height = 360},
        {.camera = "yard",
         .startMs = base - 86400000 + minute,
         .label = "motion",
         .frames = 90,
         .pattern = "snow",
         .width = 640,
         .height = 360},
        {.camera = "yard",
         .startMs = base - 86400000 + 2 * minute,
         .pattern = "ball",
         .width = 640,
         .height = 360,
         .killed = true},
    };
    for (const FixtureClip &clip : clips) {
        QString error;
        QVERIFY2(!RecordingFixture::write(root, clip, &error).isEmpty(), qPrintable(error));
    }

    view_ = std::make_unique<QQuickView>();
    view_->engine()->addImportPath(QStringLiteral("qrc:/qt/qml"));
    view_->setResizeMode(QQuickView::SizeRootObjectToView);
    view_->setInitialProperties(
        {{"rootPath", root},
         {"recorderOptions", QVariantMap{{"max_age_hours", 72}, {"min_free_mb", 1024}}}});
    view_->setSource(QUrl(QStringLiteral("qrc:/qt/qml/Zerotee/Recordings/RecordingsPage.qml")));
    QVERIFY2(view_->status() == QQuickView::Ready,
             qPrintable(QString::number(view_->errors().size()) + " errors"));
    QQuickItem *page = view_->rootObject();
    model_ = qobject_cast<RecordingsModel *>(page->property("recordings").value<QObject *>());
    QVERIFY(model_);
    QObject *pane = page->property("playerPane").value<QObject *>();
    QVERIFY(pane);
    player_ = qobject_cast<QMediaPlayer *>(pane->property("player").value<QObject *>());
    QVERIFY(player_);
    QTRY_VERIFY_WITH_TIMEOUT(!model_->scanning() && model_->rowCount() == clips.size(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(model_->pendingProbes(), 0, 30000);
}

void RecordingsScreenshotTest::tap(QQuickItem *item, double xFraction)
{
    const QPointF point = item->mapToScene(QPointF(item->width() * xFraction, item->height() / 2));
    QTest::mouseClick(view_.get(), Qt::LeftButton, Qt::NoModifier, point.toPoint());
}

void RecordingsScreenshotTest::shoot(int width, int height, int row)
{
    view_->resize(width, height);
    view_->show();
    QVERIFY(QTest::qWaitForWindowExposed(view_.get()));
    QTRY_COMPARE_WITH_TIMEOUT(view_->rootObject()->width(), double(width), 5000);
    QQuickItem *page = view_->rootObject();

    QQuickItem *rowItem = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT((rowItem = findItem(page, QStringLiteral("recordingRow_%1").arg(row))),
                             5000);
    tap(rowItem, 0.2);
    const QString expected =
        model_->data(model_->index(row), RecordingsModel::FilePathRole).toString();
    QCOMPARE(player_->source(), QUrl::fromLocalFile(expected));
    QTRY_VERIFY_WITH_TIMEOUT(player_->playbackState() == QMediaPlayer::PlayingState &&
                                 player_->duration() > 0 && player_->position() > 0,
                             20000);
    QCOMPARE(player_->error(), QMediaPlayer::NoError);

    // Seek with a tap at 60 % of the slider.
    QQuickItem *slider = findItem(page, QStringLiteral("seekSlider"));
    QVERIFY(slider);
    QTRY_VERIFY_WITH_TIMEOUT(slider->isEnabled(), 5000);
    const qint64 duration = player_->duration();
    tap(slider, 0.6);
    QTRY_VERIFY_WITH_TIMEOUT(player_->position() >= duration * 4 / 10, 5000);
    const qint64 seekedTo = player_->position();
    QElapsedTimer wall;
    wall.start();
    // Proof that the video plays: the position moves on from the seek point.
    QTRY_VERIFY_WITH_TIMEOUT(player_->position() >= seekedTo + 1000 ||
                                 player_->mediaStatus() == QMediaPlayer::EndOfMedia,
                             15000);
    QVERIFY2(player_->position() >= seekedTo + 1000,
             qPrintable(QStringLiteral("position stuck at %1 ms").arg(player_->position())));
    std::printf(
        "%dx%d: playing %s, duration %lld ms, seek tap -> %lld ms, +%lld ms of media in %lld ms "
        "wall\n",
        width, height, qPrintable(QFileInfo(expected).fileName()), qint64(duration),
        qint64(seekedTo), qint64(player_->position() - seekedTo), qint64(wall.elapsed()));
    player_->pause(); // a still frame for the picture
    QTest::qWait(300);

    const QImage image = view_->grabWindow();
    QCOMPARE(image.size(), QSize(width, height) * view_->devicePixelRatio());
    QQuickItem *video = findItem(page, QStringLiteral("videoOutput"));
    QVERIFY(video);
    const QRect videoRect = video->mapRectToScene(QRectF(0, 0, video->width(), video->height()))
                                .toRect()
                                .intersected(image.rect());
    const double lit = litShare(image, videoRect);
    std::printf("%dx%d: video area %dx%d, %.0f %% of its pixels lit\n", width, height,
                videoRect.width(), videoRect.height(), lit * 100);
    QVERIFY2(lit > 0.2, "the video area is blank: no frame was rendered");

    QDir().mkpath(QStringLiteral(SCREENSHOT_DIR));
    const QString file =
        QStringLiteral(SCREENSHOT_DIR "/recordings-%1x%2.png").arg(width).arg(height);
    QVERIFY(image.save(file));
    std::printf("saved %s\n", qPrintable(file));
}

void RecordingsScreenshotTest::cleanupTestCase()
{
    if (player_)
        player_->stop();
    view_.reset();
}

int main(int argc, char **argv)
{
    if (!zerotee::test::XvfbServer::available()) {
        std::printf("SKIP: Xvfb is not installed\n");
        return 77;
    }
    QTemporaryDir runtime; // 0700
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime.path()));
    zerotee::test::XvfbServer xvfb;
    QString error;
    if (!xvfb.start(1920, 1920, &error)) {
        std::printf("FAIL: %s\n", qPrintable(error));
        return 1;
    }
    qputenv("QT_QPA_PLATFORM", "xcb");
    if (qEnvironmentVariableIsEmpty("QT_MEDIA_BACKEND"))
        qputenv("QT_MEDIA_BACKEND", "gstreamer");
    QGuiApplication app(argc, argv);
    RecordingsScreenshotTest test;
    return QTest::qExec(&test, argc, argv);
}

#include "RecordingsScreenshotTest.moc"
