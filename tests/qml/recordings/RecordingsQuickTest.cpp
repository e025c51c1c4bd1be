// QtQuickTest runner for tst_recordings.qml: the Recordings page's components under
// QT_QPA_PLATFORM=offscreen, on real recordings written by gst-launch-1.0.
#include "RecordingFixture.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QQmlContext>
#include <QQmlEngine>
#include <QTemporaryDir>
#include <QtQml/qqmlextensionplugin.h>
#include <QtQuickTest>

#include <memory>

Q_IMPORT_QML_PLUGIN(Zerotee_ControlsPlugin)
Q_IMPORT_QML_PLUGIN(Zerotee_RecordingsPlugin)

using zerotee::test::FixtureClip;
using zerotee::test::RecordingFixture;

/// Gives the QML tests folders of recordings: a template written once, copied per test (tests
/// delete files). Thread context: GUI thread.
class Fixture : public QObject {
    Q_OBJECT
public:
    /// A new folder holding cam0 (two segments, one event clip) and cam1 (one segment), or ""
    /// (the error is printed).
    Q_INVOKABLE QString freshRoot()
    {
        if (!makeTemplate())
            return {};
        auto dir = std::make_unique<QTemporaryDir>();
        const QString root = dir->path() + QStringLiteral("/rec");
        for (const QString &file : std::as_const(files_)) {
            const QString target = root + file.mid(template_->path().size() + 4);
            QDir().mkpath(QFileInfo(target).absolutePath());
            if (!QFile::copy(file, target)) {
                qWarning("cannot copy %s", qPrintable(file));
                return {};
            }
        }
        roots_.push_back(std::move(dir));
        return root;
    }
    /// A folder that does not exist.
    Q_INVOKABLE QString missingRoot() const
    {
        return QDir::tempPath() + QStringLiteral("/zerotee-no-such-folder-") +
               QString::number(QCoreApplication::applicationPid());
    }

private:
    bool makeTemplate()
    {
        if (template_)
            return true;
        template_ = std::make_unique<QTemporaryDir>();
        const qint64 base = (QDateTime::currentMSecsSinceEpoch() / 60000 - 120) * 60000;
        const QList<FixtureClip> clips{
            {.camera = "cam0", .startMs = base, .frames = 30},
            {.camera = "cam0", .startMs = base + 60000, .frames = 45},
            {.camera = "cam0",
             .startMs = base + 90000,
             .label = "motion",
             .container = "mp4",
             .frames = 30},
            {.camera = "cam1", .startMs = base - 86400 * 1000, .frames = 30},
        };
        for (const FixtureClip &clip : clips) {
            QString error;
            const QString path =
                RecordingFixture::write(template_->path() + QStringLiteral("/rec"), clip, &error);
            if (path.isEmpty()) {
                qWarning("%s", qPrintable(error));
                template_.reset();
                return false;
            }
            files_ << path;
        }
        return true;
    }

    std::unique_ptr<QTemporaryDir> template_;
    QStringList files_;
    std::vector<std::unique_ptr<QTemporaryDir>> roots_;
};

class Setup : public QObject {
    Q_OBJECT
public slots:
    void qmlEngineAvailable(QQmlEngine *engine)
    {
        // The module's files are in the library's resources under /qt/qml.
        engine->addImportPath(QStringLiteral("qrc:/qt/qml"));
        engine->rootContext()->setContextProperty(QStringLiteral("fixture"), &fixture_);
    }

private:
    Fixture fixture_;
};

int main(int argc, char **argv)
{
    QTemporaryDir runtime; // 0700, for Qt's XDG_RUNTIME_DIR check
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(runtime.path()));
    Setup setup;
    return quick_test_main_with_setup(argc, argv, "recordings", QUICK_TEST_SOURCE_DIR, &setup);
}

#include "RecordingsQuickTest.moc"
