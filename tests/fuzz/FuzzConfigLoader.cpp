// libFuzzer target: every path that parses user text, and the command line.
// The first input byte picks the path: even = the rest is a TOML file's text, read by
// parseConfig (toml++ underneath) and then validateConfig, and by the hardware profile's three
// readers (a profile file, the "profile" key of a configuration, a configuration merged over
// the pc profile); odd = the rest is a command line, one argument per '\n', read by
// parseCommandLine.
//
// Checked on every input (the loader's documented contract):
//   - a refused configuration leaves the caller's configuration untouched ("nothing is
//     applied half-way"), and every error is "key: reason" with both parts present;
//   - an accepted one yields usable values (a camera, bus socket paths);
//   - a command line either runs or exits with a message; errors exit with code 2.
// "--config" arguments are pointed at a fixed copy of resources/zerotee.toml: a fuzzed path
// could name /dev/zero or a FIFO, which tests the kernel, not the parser. Arguments naming a
// hardware profile are left out (see fuzzCommandLine).
#include "CommandLine.h"
#include "HardwareProfile.h"
#include "SupervisorConfig.h"

#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "FuzzSupport.h"

using namespace zerotee;

namespace {

struct Environment {
    std::unique_ptr<QCoreApplication> app;
    std::unique_ptr<QTemporaryDir> dir;
    QString configFile;
    HardwareProfile pc;
};

Environment *environment = nullptr;

void requireOrTrap(bool condition, const char *what)
{
    fuzz::requireOrTrap(condition, "FuzzConfigLoader", what);
}

bool sameConfig(const SupervisorConfig &a, const SupervisorConfig &b)
{
    if (a.runtimeDir != b.runtimeDir || a.controlPath != b.controlPath ||
        a.logLevel != b.logLevel || a.profile != b.profile || a.workerPath != b.workerPath ||
        a.http.enabled != b.http.enabled || a.http.bind != b.http.bind ||
        a.http.port != b.http.port || a.http.token != b.http.token ||
        a.cameras.size() != b.cameras.size() || a.workers.size() != b.workers.size())
        return false;
    for (qsizetype i = 0; i < a.cameras.size(); ++i) {
        const CameraConfig &x = a.cameras[i], &y = b.cameras[i];
        if (x.name != y.name || x.source != y.source || x.socketPath != y.socketPath ||
            x.format != y.format || x.width != y.width || x.height != y.height || x.fps != y.fps ||
            x.poolSize != y.poolSize || x.quota != y.quota || x.leaseTimeoutMs != y.leaseTimeoutMs)
            return false;
    }
    for (qsizetype i = 0; i < a.workers.size(); ++i) {
        const WorkerConfig &x = a.workers[i], &y = b.workers[i];
        if (x.name != y.name || x.kind != y.kind || x.camera != y.camera ||
            x.autostart != y.autostart || x.options != y.options)
            return false;
    }
    return true;
}

void checkErrors(const ConfigErrors &errors)
{
    for (const QString &error : errors.errors) {
        const qsizetype colon = error.indexOf(QStringLiteral(": "));
        requireOrTrap(colon > 0 && colon + 2 < error.size(), "an error is not 'key: reason'");
    }
}

void fuzzToml(const QByteArray &text)
{
    SupervisorConfig before;
    before.runtimeDir = QStringLiteral("/run/zerotee-fuzz");
    SupervisorConfig config = before;
    ConfigErrors errors =
        parseConfig(QString::fromUtf8(text), QStringLiteral("fuzz.toml"), &config);
    checkErrors(errors);
    if (!errors.ok()) {
        requireOrTrap(sameConfig(before, config), "a refused configuration changed the result");
        return;
    }
    ConfigErrors invalid = validateConfig(config);
    checkErrors(invalid);
    if (!invalid.ok())
        return;
    requireOrTrap(!config.cameras.isEmpty(), "an accepted configuration has no camera");
    for (const CameraConfig &camera : config.cameras) {
        requireOrTrap(config.camera(camera.name) != nullptr, "a camera cannot be found by name");
        requireOrTrap(!config.busSocketPath(camera.name).isEmpty(), "a camera has no bus socket");
    }
}

// The hardware profile reads the same kind of text: a profile file, a configuration's
// "profile" key, and a configuration merged over a profile.
void fuzzProfileReaders(const QByteArray &bytes)
{
    const QString text = QString::fromUtf8(bytes);
    HardwareProfile profile;
    QString error;
    if (!HardwareProfile::parse(text, QStringLiteral("fuzz-profile.toml"), &profile, &error))
        requireOrTrap(!error.isEmpty(), "a refused profile without a reason");
    (void)HardwareProfile::profileKey(text);
    SupervisorConfig config;
    config.runtimeDir = QStringLiteral("/run/zerotee-fuzz");
    const QStringList registry{QStringLiteral("videoconvert"), QStringLiteral("videoscale"),
                               QStringLiteral("x264enc"), QStringLiteral("videoconvertscale")};
    checkErrors(
        environment->pc.applyUnder(text, QStringLiteral("fuzz.toml"), registry, &config));
}

void fuzzCommandLine(const QByteArray &text)
{
    QStringList arguments{QStringLiteral("zerotee")};
    for (const QByteArray &part : text.split('\n')) {
        QString argument = QString::fromUtf8(part);
        if (argument.startsWith(QStringLiteral("--config")) ||
            argument.startsWith(QStringLiteral("-config")))
            argument = QStringLiteral("--config=") + environment->configFile;
        // Hardware profiles read profile files and probe the machine and the GStreamer
        // registry: hundreds of milliseconds per input, and not parsing.
        if (argument.contains(QStringLiteral("profile")))
            continue;
        arguments << argument;
    }
    CommandLine result = parseCommandLine(arguments);
    if (result.exitNow) {
        requireOrTrap(!result.message.isEmpty(), "an immediate exit without a message");
        requireOrTrap(result.exitCode == 0 || result.exitCode == 2, "an unexpected exit code");
        return;
    }
    requireOrTrap(validateConfig(result.config).ok(), "an accepted command line is not valid");
    requireOrTrap(!result.config.runtimeDir.isEmpty() && !result.config.controlPath.isEmpty(),
                  "runtime directory or control socket left empty");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    // Lives until the process ends and is never destroyed: Qt's own globals are torn down at
    // exit before any static of ours could be, so ~QCoreApplication would crash there.
    auto &env = *new Environment;
    environment = &env;
    env.app = std::make_unique<QCoreApplication>(*argc, *argv);
    QCoreApplication::setApplicationVersion(QStringLiteral("fuzz"));
    env.dir = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                              QStringLiteral("/zerotee-fuzz-config.XXXXXX"));
    requireOrTrap(env.dir->isValid(), "no temporary directory");
    env.dir->setAutoRemove(false);
    static std::string removeAtExit = env.dir->path().toStdString();
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(removeAtExit, ignored);
    });
    env.configFile = env.dir->path() + QStringLiteral("/zerotee.toml");
    QFile::remove(env.configFile);
    requireOrTrap(
        QFile::copy(QStringLiteral(ZEROTEE_SOURCE_DIR "/resources/zerotee.toml"), env.configFile),
        "cannot copy resources/zerotee.toml");
    QString error;
    requireOrTrap(HardwareProfile::load(QStringLiteral(ZEROTEE_SOURCE_DIR
                                                       "/resources/profiles/pc.toml"),
                                        &env.pc, &error),
                  "cannot load resources/profiles/pc.toml");
    qputenv("XDG_RUNTIME_DIR", QFile::encodeName(env.dir->path()));
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const QByteArray rest(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));
    if ((data[0] & 1) == 0) {
        fuzzToml(rest);
        fuzzProfileReaders(rest);
    } else
        fuzzCommandLine(rest);
    return 0;
}
