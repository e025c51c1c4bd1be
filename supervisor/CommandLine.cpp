#include "CommandLine.h"

#include "FrameSize.h"
#include "HardwareProfile.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QFile>

namespace zerotee {

namespace {

CommandLine failWith(const QString &message)
{
    CommandLine result;
    result.exitNow = true;
    result.exitCode = 2;
    result.message = message;
    return result;
}

QString defaultRuntimeDir()
{
    QString base = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (base.isEmpty())
        base = QDir::tempPath() + QStringLiteral("/zerotee-") + QString::number(getuid());
    return base + QStringLiteral("/zerotee");
}

bool hasWorkerOfKind(const SupervisorConfig &config, const QString &kind, WorkerConfig **found)
{
    for (WorkerConfig &w : const_cast<SupervisorConfig &>(config).workers)
        if (w.kind == kind) {
            *found = &w;
            return true;
        }
    return false;
}

/// Loads the configuration file (@p path, may be empty) with the hardware profile (@p
/// profileOption, else the file's `profile` key) merged under it. Empty or the error.
QString loadConfiguration(const QString &path, const QString &profileOption,
                          SupervisorConfig *config)
{
    QString text;
    if (!path.isEmpty()) {
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly))
            return QStringLiteral("%1: bad configuration:\n  %2").arg(path, file.errorString());
        text = QString::fromUtf8(file.readAll());
    }
    QString profileName =
        profileOption.isEmpty() ? HardwareProfile::profileKey(text) : profileOption;
    ConfigErrors errors;
    if (profileName.isEmpty()) {
        if (path.isEmpty())
            return {};
        errors = parseConfig(text, path, config);
    } else {
        if (profileName == QStringLiteral("auto"))
            profileName = HardwareProfile::suggest(DetectionInputs::fromSystem()).name;
        QString error;
        const QString profilePath = HardwareProfile::find(profileName, &error);
        HardwareProfile profile;
        if (profilePath.isEmpty() || !HardwareProfile::load(profilePath, &profile, &error))
            return QStringLiteral("profile: ") + error;
        errors = profile.applyUnder(text, path, DetectionInputs::registryElements(), config);
    }
    if (errors.ok())
        return {};
    return QStringLiteral("%1: bad configuration:\n  %2")
        .arg(path.isEmpty() ? QStringLiteral("profile ") + profileName : path,
             errors.errors.join(QStringLiteral("\n  ")));
}

/// What --suggest-profile prints: the name first (for scripts), then the evidence.
QString describeSuggestion()
{
    const DetectionInputs inputs = DetectionInputs::fromSystem();
    const ProfileSuggestion suggestion = HardwareProfile::suggest(inputs);
    QStringList lines{suggestion.name};
    for (const QString &evidence : suggestion.evidence)
        lines << QStringLiteral("  evidence: ") + evidence;
    QString error;
    HardwareProfile profile;
    if (const QString path = HardwareProfile::find(suggestion.name, &error);
        !path.isEmpty() && HardwareProfile::load(path, &profile, &error)) {
        for (const QString &missing : profile.missingDevices(inputs.devices))
            lines << QStringLiteral("  missing: %1 (the profile expects it)").arg(missing);
        QMap<QString, QString> chosen;
        if (profile.chooseElements(inputs.elements, &chosen, &error))
            for (auto it = chosen.cbegin(); it != chosen.cend(); ++it)
                lines << QStringLiteral("  %1: %2").arg(it.key(), it.value());
        else
            lines << QStringLiteral("  problem: ") + error;
        lines << QStringLiteral("  use: zerotee --profile %1 (profile file %2)")
                     .arg(suggestion.name, path);
    } else {
        lines << QStringLiteral("  problem: ") + error;
    }
    return lines.join(u'\n');
}

} // namespace

CommandLine parseCommandLine(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "zerotee: one camera, many processes, no pixel copies. Owns the camera, shares its frames\n"
        "over a zero-copy bus and runs the recorder, RTSP, AI and custom workers."));
    parser.setSingleDashWordOptionMode(QCommandLineParser::ParseAsLongOptions);
    const QCommandLineOption help({QStringLiteral("h"), QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    const QCommandLineOption version(QStringLiteral("version"),
                                     QStringLiteral("Show the version."));
    const QCommandLineOption headless(QStringLiteral("headless"),
                                      QStringLiteral("Run as a service, without the panel."));
    const QCommandLineOption config(QStringLiteral("config"),
                                    QStringLiteral("Configuration file (TOML)."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption source(QStringLiteral("source"),
                                    QStringLiteral("Capture source of the first camera: test, "
                                                   "v4l2:/dev/videoN, file:PATH, pipeline:DESC."),
                                    QStringLiteral("SRC"));
    const QCommandLineOption size(QStringLiteral("size"),
                                  QStringLiteral("Capture size, e.g. 1920x1080."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption fps(QStringLiteral("fps"), QStringLiteral("Capture frame rate."),
                                 QStringLiteral("N"));
    const QCommandLineOption format(QStringLiteral("format"),
                                    QStringLiteral("Capture pixel format (NV12, I420, ...)."),
                                    QStringLiteral("F"));
    const QCommandLineOption socket(QStringLiteral("socket"),
                                    QStringLiteral("Bus socket of the first camera."),
                                    QStringLiteral("PATH"));
    const QCommandLineOption allowUser(
        QStringLiteral("allow-user"),
        QStringLiteral("Admit USER (name or uid) to the first camera's bus; repeatable."),
        QStringLiteral("USER"));
    const QCommandLineOption allowGroup(
        QStringLiteral("allow-group"),
        QStringLiteral("Admit members of GROUP (name or gid) to the first camera's bus; "
                       "repeatable."),
        QStringLiteral("GROUP"));
    const QCommandLineOption record(QStringLiteral("record"),
                                    QStringLiteral("Run a recorder writing into DIR."),
                                    QStringLiteral("DIR"));
    const QCommandLineOption rtsp(QStringLiteral("rtsp"),
                                  QStringLiteral("Run an RTSP server (rtsp://HOST:PORT/live)."));
    const QCommandLineOption rtspPort(QStringLiteral("rtsp-port"),
                                      QStringLiteral("RTSP port (default 8554)."),
                                      QStringLiteral("N"));
    const QCommandLineOption ai(QStringLiteral("ai"),
                                QStringLiteral("Run the AI (motion detection) worker."));
    const QCommandLineOption control(QStringLiteral("control"),
                                     QStringLiteral("Control socket for zeroteectl."),
                                     QStringLiteral("PATH"));
    const QCommandLineOption httpPort(QStringLiteral("http-port"),
                                      QStringLiteral("HTTP API port (default 8080; 0 = any)."),
                                      QStringLiteral("N"));
    const QCommandLineOption httpBind(QStringLiteral("http-bind"),
                                      QStringLiteral("HTTP API address (default 127.0.0.1)."),
                                      QStringLiteral("ADDR"));
    const QCommandLineOption mqtt(
        QStringLiteral("mqtt"),
        QStringLiteral("Publish events to the MQTT broker at HOST[:PORT] (default port 1883; "
                       "the rest in [mqtt], docs/mqtt.md)."),
        QStringLiteral("HOST[:PORT]"));
    const QCommandLineOption noHttp(QStringLiteral("no-http"),
                                    QStringLiteral("Do not start the HTTP API."));
    const QCommandLineOption logLevel(QStringLiteral("log-level"),
                                      QStringLiteral("debug, info, warning or error."),
                                      QStringLiteral("LEVEL"));
    const QCommandLineOption workerPath(
        QStringLiteral("worker-path"),
        QStringLiteral("Extra directory to find worker programs in."), QStringLiteral("DIR"));
    const QCommandLineOption state(
        QStringLiteral("state"),
        QStringLiteral("Keep the set of workers in FILE across restarts (panel default: "
                       "$XDG_STATE_HOME/zerotee/workers.json)."),
        QStringLiteral("FILE"));
    const QCommandLineOption window(
        QStringLiteral("window"),
        QStringLiteral("The panel in a window of this size (a desktop). Also [panel] window."),
        QStringLiteral("WxH"));
    const QCommandLineOption fullscreen(
        QStringLiteral("fullscreen"),
        QStringLiteral("The panel fills the screen. Default: on a device platform (eglfs, "
                       "linuxfb) or with a touch screen. Also [panel] fullscreen."));
    const QCommandLineOption profile(
        QStringLiteral("profile"),
        QStringLiteral("Hardware profile merged under the configuration: imx8mp, raspberrypi, pc, "
                       "a profile file, or auto (detected). Also the configuration key 'profile'."),
        QStringLiteral("NAME"));
    const QCommandLineOption suggestProfile(
        QStringLiteral("suggest-profile"),
        QStringLiteral("Print the hardware profile detected for this machine and the evidence."));
    parser.addOptions({help,     version,  headless, config,   source,     size,  fps,
                       format,   socket,   record,   rtsp,     rtspPort,   ai,    control,
                       httpPort, httpBind, noHttp,   logLevel, workerPath, state, window});
    parser.addOptions({profile, suggestProfile, fullscreen, mqtt, allowUser, allowGroup});

    if (!parser.parse(arguments))
        return failWith(parser.errorText() + QStringLiteral("\nTry 'zerotee --help'."));
    if (!parser.positionalArguments().isEmpty())
        return failWith(QStringLiteral("unexpected argument '%1'\nTry 'zerotee --help'.")
                            .arg(parser.positionalArguments().first()));

    CommandLine result;
    if (parser.isSet(help)) {
        result.exitNow = true;
        result.message = parser.helpText();
        return result;
    }
    if (parser.isSet(version)) {
        result.exitNow = true;
        result.message = QStringLiteral("zerotee %1").arg(QCoreApplication::applicationVersion());
        return result;
    }

    if (parser.isSet(suggestProfile)) {
        result.exitNow = true;
        result.message = describeSuggestion();
        return result;
    }

    SupervisorConfig &c = result.config;
    if (QString error = loadConfiguration(parser.value(config), parser.value(profile), &c);
        !error.isEmpty())
        return failWith(error);
    if (c.runtimeDir.isEmpty())
        c.runtimeDir = defaultRuntimeDir();
    if (c.controlPath.isEmpty())
        c.controlPath = c.runtimeDir + QStringLiteral("/control.sock");

    CameraConfig &camera = c.cameras.first();
    if (parser.isSet(source))
        camera.source = parser.value(source);
    if (parser.isSet(size) && !parseFrameSize(parser.value(size), &camera.width, &camera.height))
        return failWith(
            QStringLiteral("--size: '%1' is not WIDTHxHEIGHT (16..8192), e.g. 1920x1080")
                .arg(parser.value(size)));
    auto intValue = [&](const QCommandLineOption &option, int min, int max, int *out) -> QString {
        bool ok = false;
        int v = parser.value(option).toInt(&ok);
        if (!ok || v < min || v > max)
            return QStringLiteral("--%1: '%2' is not a number in %3..%4")
                .arg(option.names().first(), parser.value(option))
                .arg(min)
                .arg(max);
        *out = v;
        return {};
    };
    if (parser.isSet(fps))
        if (QString e = intValue(fps, 1, 240, &camera.fps); !e.isEmpty())
            return failWith(e);
    if (parser.isSet(format))
        camera.format = parser.value(format);
    if (parser.isSet(socket))
        camera.socketPath = parser.value(socket);
    camera.allowUsers << parser.values(allowUser);
    camera.allowGroups << parser.values(allowGroup);
    if (parser.isSet(control))
        c.controlPath = parser.value(control);
    if (parser.isSet(logLevel))
        c.logLevel = parser.value(logLevel);
    if (parser.isSet(workerPath))
        c.workerPath << parser.values(workerPath);
    if (parser.isSet(httpPort))
        if (QString e = intValue(httpPort, 0, 65535, &c.http.port); !e.isEmpty())
            return failWith(e);
    if (parser.isSet(httpBind))
        c.http.bind = parser.value(httpBind);
    if (parser.isSet(noHttp))
        c.http.enabled = false;
    if (parser.isSet(mqtt)) {
        QString error;
        if (!c.mqtt.setBroker(parser.value(mqtt), &error))
            return failWith(QStringLiteral("--mqtt: ") + error);
        c.mqtt.enabled = true;
    }

    WorkerConfig *existing = nullptr;
    if (parser.isSet(record)) {
        if (hasWorkerOfKind(c, QStringLiteral("recorder"), &existing))
            existing->options.insert(QStringLiteral("dir"), parser.value(record));
        else
            c.workers << WorkerConfig{QStringLiteral("recorder"),
                                      QStringLiteral("recorder"),
                                      camera.name,
                                      true,
                                      {{QStringLiteral("dir"), parser.value(record)}}};
    }
    int port = 8554;
    if (parser.isSet(rtspPort))
        if (QString e = intValue(rtspPort, 1, 65535, &port); !e.isEmpty())
            return failWith(e);
    if (parser.isSet(rtsp) || parser.isSet(rtspPort)) {
        if (hasWorkerOfKind(c, QStringLiteral("rtsp"), &existing)) {
            if (parser.isSet(rtspPort))
                existing->options.insert(QStringLiteral("port"), port);
        } else {
            c.workers << WorkerConfig{QStringLiteral("rtsp"),
                                      QStringLiteral("rtsp"),
                                      camera.name,
                                      true,
                                      {{QStringLiteral("port"), port}}};
        }
    }
    if (parser.isSet(ai) && !hasWorkerOfKind(c, QStringLiteral("ai"), &existing))
        c.workers << WorkerConfig{
            QStringLiteral("ai"), QStringLiteral("ai"), camera.name, true, {}};

    HardwareProfile::applyWorkerElements(c.profileElements, &c);
    ConfigErrors errors = validateConfig(c);
    if (!errors.ok())
        return failWith(
            QStringLiteral("bad settings:\n  %1").arg(errors.errors.join(QStringLiteral("\n  "))));
    result.headless = parser.isSet(headless);
    result.stateFile = parser.value(state);
    if (parser.isSet(window) && parser.isSet(fullscreen))
        return failWith(QStringLiteral("--window and --fullscreen exclude each other"));
    if (parser.isSet(window)) {
        if (!parseFrameSize(parser.value(window), &c.panel.windowWidth, &c.panel.windowHeight))
            return failWith(QStringLiteral("--window: '%1' is not WIDTHxHEIGHT, e.g. 800x480")
                                .arg(parser.value(window)));
        c.panel.fullscreen = false;
    }
    if (parser.isSet(fullscreen)) {
        c.panel.fullscreen = true;
        c.panel.windowWidth = c.panel.windowHeight = 0;
    }
    return result;
}

} // namespace zerotee
