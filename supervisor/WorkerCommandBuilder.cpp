#include "WorkerCommandBuilder.h"

#include "WorkerKinds.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QStandardPaths>

namespace zerotee {

namespace {

const QString kSourceElement = QStringLiteral("zeroteesrc");
const QString kSocketProperty = QStringLiteral("socket-path=");
const QString kSocketPlaceholder = QStringLiteral("{socket}");

WorkerCommandBuilder::Command failure(QString message)
{
    return {.error = std::move(message)};
}

/// Empty if every key of @p options is in @p allowed, else an error naming the first stranger.
QString checkOptionKeys(WorkerKind kind, const QVariantMap &options, const QStringList &allowed)
{
    for (auto it = options.keyBegin(); it != options.keyEnd(); ++it) {
        if (!allowed.contains(*it)) {
            return QStringLiteral("unknown option '%1' for a %2 worker (known: %3)")
                .arg(*it, workerKindName(kind),
                     allowed.isEmpty() ? QStringLiteral("none") : allowed.join(u", "));
        }
    }
    return {};
}

/// `{"segment_seconds": 10, "encoded": true, "roi": ["0,0,.5,.5", ...]}` →
/// `--segment-seconds 10 --encoded --roi 0,0,.5,.5 ...` (sorted by key: stable command lines).
QStringList optionFlags(const QVariantMap &options)
{
    QStringList flags;
    for (auto it = options.begin(); it != options.end(); ++it) {
        const QString flag = QStringLiteral("--") + QString(it.key()).replace(u'_', u'-');
        const QVariant &value = it.value();
        if (value.typeId() == QMetaType::Bool) {
            if (value.toBool())
                flags << flag;
        } else if (value.typeId() == QMetaType::QVariantList ||
                   value.typeId() == QMetaType::QStringList) {
            for (const QVariant &item : value.toList())
                flags << flag << item.toString();
        } else {
            flags << flag << value.toString();
        }
    }
    return flags;
}

bool isExecutableFile(const QString &path)
{
    const QFileInfo info(path);
    return info.isFile() && info.isExecutable();
}

} // namespace

QString WorkerCommandBuilder::executableName(WorkerKind kind)
{
    return WorkerKindInfo::of(kind).program;
}

QString WorkerCommandBuilder::findExecutable(const QString &name, QString *searched) const
{
    QStringList dirs;
    if (QCoreApplication::instance())
        dirs << QCoreApplication::applicationDirPath();
    dirs << searchDirectories_;
    for (const QString &dir : std::as_const(dirs)) {
        const QString candidate = QDir(dir).absoluteFilePath(name);
        if (isExecutableFile(candidate))
            return candidate;
    }
    const QString inPath = QStandardPaths::findExecutable(name);
    if (!inPath.isEmpty())
        return QFileInfo(inPath).absoluteFilePath();
    if (searched)
        *searched = (dirs << QStringLiteral("PATH")).join(u", ");
    return {};
}

QString WorkerCommandBuilder::pluginDirectory()
{
    if (!QCoreApplication::instance())
        return {};
    const QDir binDir(QCoreApplication::applicationDirPath());
    for (const QString &relative :
         QStringLiteral(ZEROTEE_PLUGIN_DIRS_FROM_BIN).split(u':', Qt::SkipEmptyParts)) {
        const QString dir = QDir::cleanPath(binDir.absoluteFilePath(relative));
        if (QFileInfo::exists(dir + QStringLiteral("/libgstzerotee.so")))
            return dir;
    }
    return {};
}

QMap<QString, QString> WorkerCommandBuilder::pluginPathEnvironment(const QString &pluginDir)
{
    if (pluginDir.isEmpty())
        return {};
    const QString variable = qEnvironmentVariableIsSet("GST_PLUGIN_PATH_1_0")
                                 ? QStringLiteral("GST_PLUGIN_PATH_1_0")
                                 : QStringLiteral("GST_PLUGIN_PATH");
    const QString current = qEnvironmentVariable(variable.toUtf8().constData());
    const QStringList dirs = current.split(u':', Qt::SkipEmptyParts);
    for (const QString &dir : dirs)
        if (QDir::cleanPath(dir) == pluginDir)
            return {};
    return {{variable, dirs.isEmpty() ? pluginDir : pluginDir + u':' + current}};
}

WorkerCommandBuilder::Command
WorkerCommandBuilder::customPipelineArguments(const QString &pipeline, const QString &socketPath)
{
    QStringList tokens = QProcess::splitCommand(pipeline);
    if (tokens.isEmpty())
        return failure(QStringLiteral("custom worker: the pipeline is empty"));

    // "zeroteesrc!queue" is valid gst-launch syntax; split it so the element is its own token.
    if (tokens.front().startsWith(kSourceElement + u'!')) {
        const QString rest = tokens.front().mid(kSourceElement.size());
        tokens.front() = kSourceElement;
        tokens.insert(1, rest);
    }
    if (tokens.front() != kSourceElement) {
        return failure(QStringLiteral("custom worker: the pipeline must begin with %1, "
                                      "not '%2'")
                           .arg(kSourceElement, tokens.front()));
    }

    // The source's properties are the tokens before the first link.
    bool hasSocket = false;
    for (qsizetype i = 1; i < tokens.size() && !tokens[i].startsWith(u'!'); ++i)
        hasSocket = hasSocket || tokens[i].startsWith(kSocketProperty);
    if (!hasSocket) {
        if (socketPath.isEmpty())
            return failure(QStringLiteral("custom worker: no bus socket path configured"));
        tokens.insert(1, kSocketProperty + socketPath);
    }

    // gst-launch escapes spaces inside each argument and joins them, so passing the tokens as
    // separate arguments parses exactly like the same line typed into a shell. -e turns SIGINT
    // into EOS, which is how a graceful stop finalizes files.
    tokens.prepend(QStringLiteral("-e"));
    return {.arguments = tokens};
}

WorkerCommandBuilder::Command
WorkerCommandBuilder::customProgramCommand(const QString &command) const
{
    QStringList tokens = QProcess::splitCommand(command);
    if (tokens.isEmpty())
        return failure(QStringLiteral("custom worker: the command is empty"));
    for (QString &token : tokens) {
        if (!token.contains(kSocketPlaceholder))
            continue;
        if (socketPath_.isEmpty())
            return failure(QStringLiteral("custom worker: no bus socket path configured for %1")
                               .arg(kSocketPlaceholder));
        token.replace(kSocketPlaceholder, socketPath_);
    }
    Command result;
    const QString name = tokens.takeFirst();
    QString searched;
    result.program = name.contains(u'/')
                         ? (isExecutableFile(name) ? QFileInfo(name).absoluteFilePath() : QString())
                         : findExecutable(name, &searched);
    if (result.program.isEmpty())
        return failure(QStringLiteral("custom worker: program %1 not found%2")
                           .arg(name, searched.isEmpty()
                                          ? QString()
                                          : QStringLiteral(" (searched %1)").arg(searched)));
    result.arguments = tokens;
    // From a build tree, the Python client package sits beside bin/ (build/python): a script
    // run as a worker imports this build's `zerotee`, as gst-launch gets this build's plugin.
    if (QCoreApplication::instance()) {
        const QString python = QDir::cleanPath(QDir(QCoreApplication::applicationDirPath())
                                                   .absoluteFilePath(QStringLiteral("../python")));
        if (QFileInfo::exists(python + QStringLiteral("/zerotee/_build_paths.py"))) {
            const QString current = qEnvironmentVariable("PYTHONPATH");
            result.environment.insert(QStringLiteral("PYTHONPATH"),
                                      current.isEmpty() ? python : python + u':' + current);
        }
    }
    return result;
}

WorkerCommandBuilder::Command WorkerCommandBuilder::build(WorkerKind kind,
                                                          const QVariantMap &options) const
{
    const QString kindName = workerKindName(kind);
    if (kind != WorkerKind::Custom && socketPath_.isEmpty())
        return failure(QStringLiteral("%1 worker: no bus socket path configured").arg(kindName));

    Command command;
    switch (kind) {
    case WorkerKind::Recorder:
    case WorkerKind::Rtsp:
    case WorkerKind::Ai:
    case WorkerKind::Encoder: {
        if (QString error = checkOptionKeys(kind, options, WorkerKindInfo::of(kind).optionKeys);
            !error.isEmpty())
            return failure(error);
        if (kind == WorkerKind::Encoder &&
            options.value(QStringLiteral("output")).toString().isEmpty())
            return failure(QStringLiteral("encoder worker: option 'output' (the stream's "
                                          "socket) is required"));
        if (kind == WorkerKind::Recorder &&
            options.value(QStringLiteral("dir")).toString().isEmpty())
            return failure(QStringLiteral("recorder worker: option 'dir' (where recordings go) "
                                          "is required"));
        if (kind == WorkerKind::Rtsp && options.contains(QStringLiteral("port"))) {
            bool ok = false;
            int port = options.value(QStringLiteral("port")).toInt(&ok);
            if (!ok || port < 1 || port > 65535)
                return failure(QStringLiteral("rtsp worker: option 'port' must be 1..65535, "
                                              "not '%1'")
                                   .arg(options.value(QStringLiteral("port")).toString()));
        }
        if (kind == WorkerKind::Rtsp && options.contains(QStringLiteral("mount"))) {
            const QString mount = options.value(QStringLiteral("mount")).toString();
            if (!mount.startsWith(u'/') || mount.contains(u' '))
                return failure(QStringLiteral("rtsp worker: option 'mount' must be a path like "
                                              "/live, not '%1'")
                                   .arg(mount));
        }
        command.arguments = {QStringLiteral("--socket"), socketPath_};
        QVariantMap flags = options;
        if (kind == WorkerKind::Recorder && !cameraName_.isEmpty())
            flags.insert(QStringLiteral("camera"),
                         options.value(QStringLiteral("camera"), cameraName_));
        command.arguments << optionFlags(flags);
        break;
    }
    case WorkerKind::Custom: {
        if (QString error = checkOptionKeys(kind, options, WorkerKindInfo::of(kind).optionKeys);
            !error.isEmpty())
            return failure(error);
        const QString pipeline = options.value(QStringLiteral("pipeline")).toString();
        const QString program = options.value(QStringLiteral("command")).toString();
        if (!pipeline.trimmed().isEmpty() && !program.trimmed().isEmpty())
            return failure(QStringLiteral("custom worker: give option 'pipeline' or option "
                                          "'command', not both"));
        if (!program.trimmed().isEmpty())
            return customProgramCommand(program);
        if (pipeline.trimmed().isEmpty())
            return failure(QStringLiteral("custom worker: option 'pipeline' is required (a "
                                          "gst-launch-1.0 pipeline), or 'command' (a program)"));
        command = customPipelineArguments(pipeline, socketPath_);
        if (!command.ok())
            return command;
        command.environment = pluginPathEnvironment(pluginDirectory());
        break;
    }
    }

    const QString name = executableName(kind);
    QString searched;
    command.program = findExecutable(name, &searched);
    if (command.program.isEmpty())
        return failure(
            QStringLiteral("%1 worker: %2 not found (searched %3)").arg(kindName, name, searched));
    return command;
}

QString WorkerCommandBuilder::complete(WorkerSpec &spec) const
{
    if (!spec.program.isEmpty()) {
        if (!isExecutableFile(spec.program))
            return QStringLiteral("worker '%1': program %2 is not an executable file")
                .arg(spec.name, spec.program);
        return {};
    }
    Command command = build(spec.kind, spec.options);
    if (!command.ok())
        return command.error;
    spec.program = command.program;
    spec.arguments = command.arguments;
    spec.environment.insert(command.environment);
    return {};
}

} // namespace zerotee
