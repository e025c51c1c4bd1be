// RecordingsModel on real recordings (written by gst-launch-1.0 in the recorder's layout):
// rows, durations, sizes, filters, folder watching, delete, errors, retention.
#include "RecordingsModel.h"
#include "MatroskaHeader.h"
#include "RecordingFixture.h"
#include "RecordingScanner.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace zerotee;
using zerotee::test::FixtureClip;
using zerotee::test::RecordingFixture;

namespace {

constexpr int kProbeTimeoutMs = 60000;

struct Written {
    QString path;
    FixtureClip clip;
};

QVariant role(const RecordingsModel &model, int row, RecordingsModel::Role r)
{
    return model.data(model.index(row), r);
}

int rowOf(const RecordingsModel &model, const QString &path)
{
    return model.indexOfPath(path);
}

} // namespace

class RecordingsModelTest : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void scannerParsesOnlyRecorderNames();
    void matroskaHeaderDuration();
    void listsRowsWithDurationsAndSizes();
    void filtersByCameraAndDay();
    void followsTheFolder();
    void removeDeletesTheFile();
    void removeReportsPermissionError();
    void missingFolderIsAnError();
    void retentionFromRecorderOptions();

private:
    QString root() const { return dir_->path() + QStringLiteral("/rec"); }
    void waitScanned(RecordingsModel &model);

    std::unique_ptr<QTemporaryDir> dir_;
    QList<Written> written_;
    qint64 baseMs_ = 0;
};

void RecordingsModelTest::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("gst-launch-1.0")).isEmpty())
        QSKIP("gst-launch-1.0 not installed");
    // Two days ago, so retention by age has something to select.
    baseMs_ = (QDateTime::currentMSecsSinceEpoch() / 1000 - 2 * 86400) * 1000 + 123;
}

void RecordingsModelTest::init()
{
    // A fresh folder per test: some tests delete files.
    dir_ = std::make_unique<QTemporaryDir>();
    QVERIFY(dir_->isValid());
    written_.clear();
    const qint64 day = 86400 * 1000;
    const QList<FixtureClip> clips{
        {.camera = "cam0", .startMs = baseMs_, .frames = 30},
        {.camera = "cam0", .startMs = baseMs_ + 60000, .frames = 60, .pattern = "ball"},
        {.camera = "cam0", .startMs = baseMs_ + 120000, .frames = 90},
        {.camera = "cam0",
         .startMs = baseMs_ + 150000,
         .label = "motion",
         .container = "mp4",
         .frames = 45,
         .pattern = "snow"},
        {.camera = "cam1", .startMs = baseMs_ + day, .frames = 75, .pattern = "ball"},
        {.camera = "cam1", .startMs = baseMs_ + day + 90000, .killed = true},
    };
    for (const FixtureClip &clip : clips) {
        QString error;
        const QString path = RecordingFixture::write(root(), clip, &error);
        QVERIFY2(!path.isEmpty(), qPrintable(error));
        written_ << Written{path, clip};
    }
    // What the model must leave out: a file being written, foreign files, a foreign name.
    const QString day0 = QFileInfo(written_[0].path).absolutePath();
    QFile::copy(written_[0].path, day0 + "/cam0_20991231T000000.000Z.mkv.part");
    QFile notes(day0 + "/notes.txt");
    QVERIFY(notes.open(QIODevice::WriteOnly));
    notes.write("not a recording");
    notes.close();
    QFile::copy(written_[0].path, day0 + "/holiday.mkv");
    QFile::copy(written_[0].path, day0 + "/cam9_20261125T000000.000Z.mkv"); // wrong camera
}

void RecordingsModelTest::waitScanned(RecordingsModel &model)
{
    QTRY_VERIFY_WITH_TIMEOUT(!model.scanning(), 10000);
}

void RecordingsModelTest::scannerParsesOnlyRecorderNames()
{
    const QString r = QStringLiteral("/data/rec");
    auto entry = RecordingScanner::parse(r, "cam0", "2026-11-25", "cam0_20261125T063139.530Z.mkv");
    QVERIFY(entry);
    QCOMPARE(
        entry->startMs,
        QDateTime::fromString("2026-11-25T06:31:39.530Z", Qt::ISODateWithMs).toMSecsSinceEpoch());
    QVERIFY(entry->eventLabel.isEmpty());
    entry = RecordingScanner::parse(r, "front_door", "2026-11-25",
                                    "front_door_20261125T063139.530Z_person-left.mp4");
    QVERIFY(entry);
    QCOMPARE(entry->eventLabel, QStringLiteral("person-left"));
    QCOMPARE(entry->container, QStringLiteral("mp4"));
    // Day folder that does not match the time, other camera, .part, bad label.
    QVERIFY(!RecordingScanner::parse(r, "cam0", "2026-11-24", "cam0_20261125T063139.530Z.mkv"));
    QVERIFY(!RecordingScanner::parse(r, "cam0", "2026-11-25", "cam1_20261125T063139.530Z.mkv"));
    QVERIFY(
        !RecordingScanner::parse(r, "cam0", "2026-11-25", "cam0_20261125T063139.530Z.mkv.part"));
    QVERIFY(!RecordingScanner::parse(r, "cam0", "2026-11-25", "cam0_20261125T063139.530Z_a b.mkv"));
    QVERIFY(!RecordingScanner::parse(r, "cam0", "2026-11-25", "cam0_20261125T063139.530Z.avi"));
}

void RecordingsModelTest::matroskaHeaderDuration()
{
    const MatroskaHeader::Info finished = MatroskaHeader::read(written_[2].path.toStdString());
    QVERIFY(finished.matroska);
    QVERIFY(finished.durationS);
    QVERIFY2(qAbs(*finished.durationS - 3.0) < 0.1,
             qPrintable(QString::number(*finished.durationS)));
    const MatroskaHeader::Info killed = MatroskaHeader::read(written_[5].path.toStdString());
    QVERIFY(killed.matroska);
    QVERIFY(!killed.durationS);
    QVERIFY(!MatroskaHeader::read(written_[3].path.toStdString()).matroska); // the MP4
    // Truncated headers are refused without reading past the end.
    QFile file(written_[2].path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray head = file.read(4096);
    for (int size = 0; size < 200; ++size) {
        const auto info = MatroskaHeader::parse(
            reinterpret_cast<const unsigned char *>(head.constData()), size_t(size));
        QVERIFY(!info.durationS || size > 40);
    }
}

void RecordingsModelTest::listsRowsWithDurationsAndSizes()
{
    RecordingsModel model;
    QSignalSpy probes(&model, &RecordingsModel::probesFinished);
    model.setRootPath(root());
    waitScanned(model);
    QCOMPARE(model.rowCount(), written_.size()); // the foreign and .part files are left out
    QCOMPARE(model.cameras(), (QStringList{"cam0", "cam1"}));
    QCOMPARE(model.days().size(), 2);
    QTRY_VERIFY_WITH_TIMEOUT(model.pendingProbes() == 0, kProbeTimeoutMs);

    qint64 total = 0;
    qint64 previousStart = std::numeric_limits<qint64>::max();
    for (const Written &w : std::as_const(written_)) {
        const int row = rowOf(model, w.path);
        QVERIFY2(row >= 0, qPrintable(w.path));
        const qint64 size = QFileInfo(w.path).size();
        total += size;
        QCOMPARE(role(model, row, RecordingsModel::SizeBytesRole).toLongLong(), size);
        QCOMPARE(role(model, row, RecordingsModel::CameraRole).toString(), w.clip.camera);
        QCOMPARE(role(model, row, RecordingsModel::StartTimeRole).toDateTime().toMSecsSinceEpoch(),
                 w.clip.startMs);
        QCOMPARE(role(model, row, RecordingsModel::EventLabelRole).toString(), w.clip.label);
        QCOMPARE(role(model, row, RecordingsModel::IsEventRole).toBool(), !w.clip.label.isEmpty());
        QCOMPARE(role(model, row, RecordingsModel::UrlRole).toUrl(), QUrl::fromLocalFile(w.path));
        const QString status = role(model, row, RecordingsModel::DurationStatusRole).toString();
        const double duration = role(model, row, RecordingsModel::DurationSRole).toDouble();
        if (w.clip.killed) {
            QCOMPARE(status, QStringLiteral("unknown"));
            QCOMPARE(duration, -1.0);
        } else {
            QCOMPARE(status, QStringLiteral("known"));
            const double expected = w.clip.frames / 30.0;
            QVERIFY2(qAbs(duration - expected) <= 0.1,
                     qPrintable(QStringLiteral("%1: %2 s, wrote %3 s")
                                    .arg(w.path)
                                    .arg(duration)
                                    .arg(expected)));
        }
    }
    QCOMPARE(model.totalBytes(), total);
    QCOMPARE(model.shownBytes(), total);
    QVERIFY(model.freeBytes() > 0);
    QVERIFY(model.diskBytes() >= model.freeBytes());
    // Newest first.
    for (int row = 0; row < model.rowCount(); ++row) {
        const qint64 start =
            role(model, row, RecordingsModel::StartTimeRole).toDateTime().toMSecsSinceEpoch();
        QVERIFY(start <= previousStart);
        previousStart = start;
    }
    QVERIFY(probes.count() >= 1);
    QVERIFY(model.errorMessage().isEmpty());
}

void RecordingsModelTest::filtersByCameraAndDay()
{
    RecordingsModel model;
    model.setRootPath(root());
    waitScanned(model);
    QSignalSpy count(&model, &RecordingsModel::countChanged);
    model.setCameraFilter("cam1");
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.days().size(), 1);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(role(model, row, RecordingsModel::CameraRole).toString(), QStringLiteral("cam1"));
    QVERIFY(count.count() >= 1);
    QCOMPARE(model.shownBytes(),
             QFileInfo(written_[4].path).size() + QFileInfo(written_[5].path).size());

    model.setCameraFilter({});
    const QString day0 = QFileInfo(QFileInfo(written_[0].path).absolutePath()).fileName();
    model.setDayFilter(day0);
    QCOMPARE(model.rowCount(), 4);
    for (int row = 0; row < model.rowCount(); ++row)
        QCOMPARE(role(model, row, RecordingsModel::DayRole).toString(), day0);

    // A camera that has nothing on the chosen day: no rows; clearing the filters shows all.
    model.setCameraFilter("cam1");
    QVERIFY(!model.days().contains(day0));
    QCOMPARE(model.dayFilter(), QString()); // that day is not offered for cam1: filter dropped
    model.setCameraFilter({});
    model.setDayFilter({});
    QCOMPARE(model.rowCount(), written_.size());
}

void RecordingsModelTest::followsTheFolder()
{
    RecordingsModel model;
    model.setRootPath(root());
    waitScanned(model);
    const int before = model.rowCount();
    QSignalSpy scans(&model, &RecordingsModel::scanFinished);
    // A new day folder and file, as the recorder makes them.
    QString error;
    const QString path = RecordingFixture::write(
        root(), {.camera = "cam0", .startMs = baseMs_ + 2 * 86400 * 1000, .frames = 15}, &error);
    QVERIFY2(!path.isEmpty(), qPrintable(error));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), before + 1, 10000);
    QVERIFY(scans.count() >= 1);
    QCOMPARE(rowOf(model, path), 0); // newest first
    // Deleted behind the model's back (the recorder's retention): the row goes.
    QVERIFY(QFile::remove(path));
    QTRY_COMPARE_WITH_TIMEOUT(model.rowCount(), before, 10000);
}

void RecordingsModelTest::removeDeletesTheFile()
{
    RecordingsModel model;
    model.setRootPath(root());
    waitScanned(model);
    QSignalSpy removed(&model, &RecordingsModel::removed);
    const qint64 totalBefore = model.totalBytes();
    const QString path = written_[3].path; // the event clip
    const qint64 eventBytes = QFileInfo(path).size();
    const int row = rowOf(model, path);
    QVERIFY(row >= 0);
    QVERIFY(model.remove(row));
    QVERIFY(!QFileInfo::exists(path));
    QCOMPARE(model.rowCount(), written_.size() - 1);
    QCOMPARE(rowOf(model, path), -1);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(removed.at(0).at(0).toString(), path);
    QCOMPARE(model.totalBytes(), totalBefore - eventBytes);
    QVERIFY(model.errorMessage().isEmpty());

    // The last file of a day takes its day folder with it.
    model.setCameraFilter("cam1");
    const QString dayDir = QFileInfo(written_[4].path).absolutePath();
    QVERIFY(model.remove(rowOf(model, written_[4].path)));
    QVERIFY(model.remove(rowOf(model, written_[5].path)));
    QVERIFY(!QFileInfo::exists(dayDir));
    QCOMPARE(model.cameraFilter(), QString()); // cam1 has nothing left
    QVERIFY(!model.cameras().contains("cam1"));

    // Out of range: refused with a message.
    QVERIFY(!model.remove(99));
    QVERIFY(model.errorMessage().contains("99"));
}

void RecordingsModelTest::removeReportsPermissionError()
{
    RecordingsModel model;
    model.setRootPath(root());
    waitScanned(model);
    const QString path = written_[1].path;
    const QString folder = QFileInfo(path).absolutePath();
    // Root ignores permissions: act as an unprivileged user for the delete.
    uid_t user = geteuid();
    if (user == 0) {
        const passwd *nobody = getpwnam("nobody");
        if (!nobody)
            QSKIP("running as root without a 'nobody' user: cannot test permissions");
        user = nobody->pw_uid;
        QVERIFY(::chmod(QFile::encodeName(dir_->path()).constData(), 0755) == 0);
    }
    QVERIFY(::chmod(QFile::encodeName(folder).constData(), 0555) == 0);
    QSignalSpy errors(&model, &RecordingsModel::errorMessageChanged);
    const uid_t saved = geteuid();
    QVERIFY(::seteuid(user) == 0);
    const bool removed = model.remove(rowOf(model, path));
    QVERIFY(::seteuid(saved) == 0);
    ::chmod(QFile::encodeName(folder).constData(), 0755);

    QVERIFY(!removed);
    QVERIFY(QFileInfo::exists(path));
    QCOMPARE(model.rowCount(), written_.size());
    QCOMPARE(errors.count(), 1);
    const QString message = model.errorMessage();
    QVERIFY2(message.contains(QFileInfo(path).fileName()), qPrintable(message));
    QVERIFY2(message.contains("Permission denied"), qPrintable(message));
    QVERIFY2(message.contains("write access") && message.contains(folder), qPrintable(message));
    model.clearError();
    QVERIFY(model.errorMessage().isEmpty());
}

void RecordingsModelTest::missingFolderIsAnError()
{
    RecordingsModel model;
    model.setRootPath(dir_->path() + "/nowhere");
    waitScanned(model);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY2(model.errorMessage().contains("does not exist"), qPrintable(model.errorMessage()));
    QVERIFY(model.freeBytes() > 0); // of the nearest existing folder
    // The folder appears (the recorder starts): a refresh finds it and the error goes.
    model.setRootPath(root());
    waitScanned(model);
    QCOMPARE(model.rowCount(), written_.size());
    QVERIFY(model.errorMessage().isEmpty());
}

void RecordingsModelTest::retentionFromRecorderOptions()
{
    RecordingsModel model;
    model.setRootPath(root());
    waitScanned(model);
    QVERIFY(model.retentionText().startsWith("No retention limit"));
    QCOMPARE(model.retentionDueFiles(), 0);

    // Everything is at least a day old; 25 h keeps the newer day (cam1) only.
    model.setRetentionOptions({{"max_age_hours", 25}, {"dir", "ignored"}});
    QVERIFY2(model.retentionText().contains("older than 25 h"), qPrintable(model.retentionText()));
    QCOMPARE(model.retentionDueFiles(), 4);
    qint64 cam0Bytes = 0;
    for (int i = 0; i < 4; ++i)
        cam0Bytes += QFileInfo(written_[i].path).size();
    QCOMPARE(model.retentionDueBytes(), cam0Bytes);

    model.setRetentionOptions({{"max_total_mb", "5"}, {"min_free_mb", 100}});
    QVERIFY(model.retentionText().contains("beyond 5 MB per camera"));
    QVERIFY(model.retentionText().contains("less than 100 MB is free"));
    QVERIFY(model.errorMessage().isEmpty());

    // The key the user wrote is named, with the range the recorder accepts.
    model.setRetentionOptions({{"max_age_hours", "two days"}});
    QVERIFY2(model.errorMessage().contains("max_age_hours: 'two days'"),
             qPrintable(model.errorMessage()));
    QVERIFY(model.retentionText().contains("unknown"));
    model.setRetentionOptions({{"max_total_mb", "1.5"}});
    QVERIFY2(model.errorMessage().contains("max_total_mb"), qPrintable(model.errorMessage()));
    QVERIFY(model.retentionText().contains("unknown"));
}

QTEST_GUILESS_MAIN(RecordingsModelTest)
#include "RecordingsModelTest.moc"
