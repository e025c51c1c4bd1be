// libFuzzer target: arbitrary bytes sent by a client on the control socket (what zeroteectl
// talks to). The input goes, unchanged, through a real ControlSocketServer (line splitting,
// size limit, JSON parsing, "events follow" streaming) into ControlService::handle against a
// real Supervisor. Several lines in one input are several requests on one connection, so
// sequences like add → start → remove are reachable.
//
// The Supervisor is not start()ed: no capture pipeline runs (that is the GStreamer fuzzing
// territory, not the control API's). It holds one worker of each kind, added stopped, so the
// name-taking verbs find something to act on. Worker programs resolve to empty executable
// files in a private directory: a "start" really forks, and exec fails at once, so the
// fuzzer never runs an actual recorder or gst-launch-1.0 pipeline.
//
// Checked on every answer line: it is a JSON object, and a failure carries a non-empty error
// (the control contract: bad requests get a clear error, never a crash or silence).
#include "ControlService.h"
#include "ControlSocketServer.h"
#include "EventLog.h"
#include "Supervisor.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QTemporaryDir>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "FuzzSupport.h"

using namespace zerotee;

namespace {

struct Environment {
    std::unique_ptr<QCoreApplication> app;
    std::unique_ptr<QTemporaryDir> dir;
    QString stubDir;
    QString controlPath;
};

Environment *environment = nullptr;

void requireOrTrap(bool condition, const char *what)
{
    fuzz::requireOrTrap(condition, "FuzzControlRequest", what);
}

void makeEmptyExecutable(const QString &path)
{
    QFile file(path);
    requireOrTrap(file.open(QIODevice::WriteOnly), "cannot create a stub worker program");
    file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
}

SupervisorConfig fuzzConfig()
{
    SupervisorConfig config;
    config.runtimeDir = environment->dir->path() + QStringLiteral("/run");
    config.controlPath = environment->controlPath;
    config.workerPath = {environment->stubDir};
    config.http.enabled = false;
    return config;
}

void addPresetWorkers(Supervisor &supervisor)
{
    const QList<WorkerConfig> presets = {
        {QStringLiteral("recorder"),
         QStringLiteral("recorder"),
         QStringLiteral("cam0"),
         false,
         {{QStringLiteral("dir"), environment->dir->path() + QStringLiteral("/rec")}}},
        {QStringLiteral("rtsp"),
         QStringLiteral("rtsp"),
         QStringLiteral("cam0"),
         false,
         {{QStringLiteral("port"), 18554}}},
        {QStringLiteral("ai"), QStringLiteral("ai"), QStringLiteral("cam0"), false, {}},
        {QStringLiteral("thumbs"),
         QStringLiteral("custom"),
         QStringLiteral("cam0"),
         false,
         {{QStringLiteral("pipeline"), QStringLiteral("zeroteesrc ! fakesink")}}},
    };
    for (const WorkerConfig &worker : presets)
        requireOrTrap(supervisor.addWorker(worker, false).ok(), "a preset worker was refused");
}

void checkAnswer(const QByteArray &line)
{
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(line, &error);
    requireOrTrap(doc.isObject(), "an answer line is not a JSON object");
    const QJsonObject answer = doc.object();
    // Streamed events (after "events" with "follow") carry no "ok"; answers must.
    if (!answer.contains(QStringLiteral("ok")))
        return;
    requireOrTrap(answer.value(QStringLiteral("ok")).isBool(), "'ok' is not a boolean");
    if (!answer.value(QStringLiteral("ok")).toBool())
        requireOrTrap(!answer.value(QStringLiteral("error")).toString().isEmpty(),
                      "a failure without an error message");
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    // Lives until the process ends and is never destroyed: Qt's own globals are torn down at
    // exit before any static of ours could be, so ~QCoreApplication would crash there.
    auto &env = *new Environment;
    environment = &env;
    env.app = std::make_unique<QCoreApplication>(*argc, *argv);
    env.dir = std::make_unique<QTemporaryDir>(QDir::tempPath() +
                                              QStringLiteral("/zerotee-fuzz-control.XXXXXX"));
    requireOrTrap(env.dir->isValid(), "no temporary directory");
    env.dir->setAutoRemove(false);
    static std::string removeAtExit = env.dir->path().toStdString();
    std::atexit([] {
        std::error_code ignored;
        std::filesystem::remove_all(removeAtExit, ignored);
    });
    env.stubDir = env.dir->path() + QStringLiteral("/bin");
    QDir().mkpath(env.stubDir);
    for (const char *program :
         {"zerotee-recorder", "zerotee-rtsp", "zerotee-ai", "zerotee-encoder", "gst-launch-1.0"})
        makeEmptyExecutable(env.stubDir + u'/' + QLatin1StringView(program));
    env.controlPath = env.dir->path() + QStringLiteral("/control/control.sock");
    // Only the stubs may be found: nothing real is ever started from PATH.
    qputenv("PATH", QFile::encodeName(env.stubDir));
    // Logging every refused request costs more than the request; answers are checked instead.
    QLoggingCategory::setFilterRules(QStringLiteral("*=false"));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    QByteArray input(reinterpret_cast<const char *>(data), qsizetype(size));
    if (!input.endsWith('\n'))
        input += '\n';
    const qsizetype requests = input.count('\n');

    Supervisor supervisor(fuzzConfig());
    addPresetWorkers(supervisor);
    ControlService service(supervisor);
    ControlSocketServer server(service, supervisor.events());
    QString error;
    requireOrTrap(server.start(environment->controlPath, &error), "control socket not listening");

    QLocalSocket client;
    client.connectToServer(environment->controlPath);
    requireOrTrap(client.waitForConnected(1000), "cannot connect to the control socket");
    client.write(input);

    // One answer per request line; an oversized line ends the connection instead.
    qsizetype answers = 0;
    const QDeadlineTimer deadline(5000);
    while (answers < requests && client.state() == QLocalSocket::ConnectedState &&
           !deadline.hasExpired()) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        client.waitForReadyRead(1);
        while (client.canReadLine()) {
            const QByteArray line = client.readLine();
            checkAnswer(line);
            if (QJsonDocument::fromJson(line).object().contains(QStringLiteral("ok")))
                ++answers;
        }
    }
    requireOrTrap(answers == requests || client.state() != QLocalSocket::ConnectedState,
                  "a request got no answer within 5 s");
    client.abort();
    QCoreApplication::processEvents();
    return 0;
}
