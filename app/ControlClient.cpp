#include "ControlClient.h"

#include <QCommandLineParser>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocalSocket>
#include <cstdio>
#include <unistd.h>

namespace zerotee {

namespace {

void out(const QString &text)
{
    std::fputs(qPrintable(text + u'\n'), stdout);
}
void err(const QString &text)
{
    std::fputs(qPrintable(QStringLiteral("zeroteectl: ") + text + u'\n'), stderr);
}

QString defaultControlPath()
{
    QString base = qEnvironmentVariable("XDG_RUNTIME_DIR");
    if (base.isEmpty())
        base = QDir::tempPath() + QStringLiteral("/zerotee-") + QString::number(getuid());
    return base + QStringLiteral("/zerotee/control.sock");
}

QString cell(const QJsonValue &v)
{
    if (v.isDouble()) {
        double d = v.toDouble();
        return d == double(qint64(d)) ? QString::number(qint64(d)) : QString::number(d, 'f', 1);
    }
    if (v.isBool())
        return v.toBool() ? QStringLiteral("yes") : QStringLiteral("no");
    return v.toString();
}

void printWorkers(const QJsonArray &workers)
{
    out(QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9")
            .arg(QStringLiteral("NAME"), -12)
            .arg(QStringLiteral("KIND"), -9)
            .arg(QStringLiteral("STATE"), -11)
            .arg(QStringLiteral("PID"), 7)
            .arg(QStringLiteral("UPTIME"), 8)
            .arg(QStringLiteral("RESTARTS"), 8)
            .arg(QStringLiteral("CPU%"), 6)
            .arg(QStringLiteral("FRAMES"), 8)
            .arg(QStringLiteral("DROPS"), 6));
    for (const QJsonValue &v : workers) {
        QJsonObject w = v.toObject();
        QString state = w.value(QStringLiteral("state")).toString();
        QString reason = w.value(QStringLiteral("failure_reason")).toString();
        out(QStringLiteral("%1 %2 %3 %4 %5 %6 %7 %8 %9%10")
                .arg(cell(w.value(QStringLiteral("name"))), -12)
                .arg(cell(w.value(QStringLiteral("kind"))), -9)
                .arg(state, -11)
                .arg(cell(w.value(QStringLiteral("pid"))), 7)
                .arg(QString::number(w.value(QStringLiteral("uptime_s")).toDouble(), 'f', 0) + u's',
                     8)
                .arg(cell(w.value(QStringLiteral("restarts"))), 8)
                .arg(QString::number(w.value(QStringLiteral("cpu_percent")).toDouble(), 'f', 1), 6)
                .arg(cell(w.value(QStringLiteral("frames"))), 8)
                .arg(cell(w.value(QStringLiteral("drops"))), 6)
                .arg(reason.isEmpty() ? QString() : QStringLiteral("  (") + reason + u')'));
    }
}

// One line per encoded stream: what encodes it, how, for whom, and what it cost so far.
void printStreams(const QJsonArray &streams)
{
    for (const QJsonValue &v : streams) {
        const QJsonObject s = v.toObject();
        const int width = s.value(QStringLiteral("width")).toInt();
        const int fps = s.value(QStringLiteral("fps")).toInt();
        QStringList users;
        for (const QJsonValue &user : s.value(QStringLiteral("consumer_workers")).toArray())
            users << user.toString();
        out(QStringLiteral("stream %1.%2: %3, %4 %5 %6 %7, %8 kbit/s (measured %9), GOP %10, "
                           "%11 consumers (%12), keyframes forced %13, drops %14")
                .arg(s.value(QStringLiteral("camera")).toString(),
                     s.value(QStringLiteral("name")).toString(),
                     s.value(QStringLiteral("state")).toString(),
                     s.value(QStringLiteral("encoder")).toString(),
                     s.value(QStringLiteral("codec")).toString(),
                     width > 0 ? QStringLiteral("%1x%2").arg(width).arg(
                                     s.value(QStringLiteral("height")).toInt())
                               : QStringLiteral("camera size"),
                     fps > 0 ? QStringLiteral("%1 fps").arg(fps) : QStringLiteral("camera rate"))
                .arg(cell(s.value(QStringLiteral("bitrate_kbps"))),
                     cell(s.value(QStringLiteral("measured_kbps"))),
                     cell(s.value(QStringLiteral("gop"))),
                     cell(s.value(QStringLiteral("consumers"))),
                     users.isEmpty() ? QStringLiteral("no worker")
                                     : users.join(QStringLiteral(", ")),
                     cell(s.value(QStringLiteral("keyframes_forced"))),
                     cell(s.value(QStringLiteral("drops")))));
    }
}

void printStatus(const QJsonObject &status)
{
    out(QStringLiteral("zerotee %1, pid %2, up %3 s")
            .arg(status.value(QStringLiteral("version")).toString())
            .arg(cell(status.value(QStringLiteral("pid"))))
            .arg(QString::number(status.value(QStringLiteral("uptime_s")).toDouble(), 'f', 0)));
    for (const QJsonValue &v : status.value(QStringLiteral("cameras")).toArray()) {
        QJsonObject c = v.toObject();
        QJsonObject bus = c.value(QStringLiteral("bus")).toObject();
        out(QStringLiteral("camera %1: %2 %3x%4 %5, %6, %7 fps, %8 frames, %9 consumers, pixel "
                           "bytes copied %10, memory %11%12")
                .arg(c.value(QStringLiteral("name")).toString(),
                     c.value(QStringLiteral("source")).toString())
                .arg(cell(c.value(QStringLiteral("width"))),
                     cell(c.value(QStringLiteral("height"))),
                     c.value(QStringLiteral("format")).toString(),
                     c.value(QStringLiteral("state")).toString(),
                     cell(c.value(QStringLiteral("fps"))), cell(c.value(QStringLiteral("frames"))),
                     cell(bus.value(QStringLiteral("clients"))))
                .arg(cell(c.value(QStringLiteral("pixel_bytes_copied"))),
                     c.value(QStringLiteral("memory")).toString(QStringLiteral("-")))
                .arg(c.value(QStringLiteral("error")).toString().isEmpty()
                         ? QString()
                         : QStringLiteral("\n  error: ") +
                               c.value(QStringLiteral("error")).toString()));
        // Consumers the bus turned away, and why (the text they were sent).
        for (const QJsonValue &r : bus.value(QStringLiteral("refused")).toArray()) {
            QJsonObject refusal = r.toObject();
            out(QStringLiteral("  refused %1 (pid %2, uid %3 %4) %5x, last %6: %7")
                    .arg(refusal.value(QStringLiteral("name")).toString(),
                         cell(refusal.value(QStringLiteral("pid"))),
                         cell(refusal.value(QStringLiteral("uid"))),
                         refusal.value(QStringLiteral("user")).toString(),
                         cell(refusal.value(QStringLiteral("count"))),
                         refusal.value(QStringLiteral("last")).toString(),
                         refusal.value(QStringLiteral("reason")).toString()));
        }
    }
    printStreams(status.value(QStringLiteral("streams")).toArray());
    printWorkers(status.value(QStringLiteral("workers")).toArray());
}

void printEvent(const QJsonObject &e)
{
    out(QStringLiteral("%1 #%2 %3 %4: %5")
            .arg(e.value(QStringLiteral("time")).toString())
            .arg(cell(e.value(QStringLiteral("id"))))
            .arg(e.value(QStringLiteral("type")).toString(),
                 e.value(QStringLiteral("source")).toString(),
                 e.value(QStringLiteral("message")).toString()));
}

bool readLine(QLocalSocket &socket, QByteArray *line, int timeoutMs)
{
    while (!socket.canReadLine()) {
        if (socket.state() != QLocalSocket::ConnectedState && socket.bytesAvailable() == 0)
            return false;
        if (!socket.waitForReadyRead(timeoutMs))
            return false;
    }
    *line = socket.readLine();
    return true;
}

} // namespace

int runControlClient(const QStringList &arguments)
{
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Controls a running zerotee.\n\nCommands:\n"
        "  status [--json]            cameras, bus and workers\n"
        "  workers [--json]           the workers\n"
        "  start|stop|restart NAME    act on a worker\n"
        "  add KIND [--name N] [--camera C] [--option key=value ...]\n"
        "                             add a worker (recorder, rtsp, ai, custom)\n"
        "  remove NAME                stop and remove a worker\n"
        "  events [--follow]          recent events; --follow streams new ones\n"
        "  trigger [LABEL] [--camera C]  event recording now (recorders in event mode)"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption control(
        QStringLiteral("control"),
        QStringLiteral("Control socket (default $XDG_RUNTIME_DIR/zerotee/control.sock)."),
        QStringLiteral("PATH"), defaultControlPath());
    QCommandLineOption json(QStringLiteral("json"), QStringLiteral("Print the raw JSON answer."));
    QCommandLineOption follow(QStringLiteral("follow"),
                              QStringLiteral("Keep printing new events."));
    QCommandLineOption name(QStringLiteral("name"), QStringLiteral("Name of the new worker."),
                            QStringLiteral("N"));
    QCommandLineOption camera(QStringLiteral("camera"), QStringLiteral("Camera of the new worker."),
                              QStringLiteral("C"));
    QCommandLineOption option(QStringLiteral("option"),
                              QStringLiteral("Worker option key=value (repeatable)."),
                              QStringLiteral("KV"));
    parser.addOptions({control, json, follow, name, camera, option});
    parser.addPositionalArgument(
        QStringLiteral("command"),
        QStringLiteral("status, workers, start, stop, restart, add, remove, events"));
    if (!parser.parse(arguments)) {
        err(parser.errorText());
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        out(parser.helpText());
        return 0;
    }
    if (parser.isSet(QStringLiteral("version"))) {
        out(QStringLiteral("zeroteectl %1").arg(QCoreApplication::applicationVersion()));
        return 0;
    }

    const QStringList args = parser.positionalArguments();
    if (args.isEmpty()) {
        err(QStringLiteral("a command is needed; try --help"));
        return 2;
    }
    const QString verb = args.first();
    QJsonObject request{{QStringLiteral("cmd"), verb}};
    if (verb == QStringLiteral("start") || verb == QStringLiteral("stop") ||
        verb == QStringLiteral("restart") || verb == QStringLiteral("remove")) {
        if (args.size() != 2) {
            err(QStringLiteral("usage: zeroteectl %1 NAME").arg(verb));
            return 2;
        }
        request.insert(QStringLiteral("name"), args[1]);
    } else if (verb == QStringLiteral("add")) {
        if (args.size() != 2) {
            err(QStringLiteral(
                "usage: zeroteectl add KIND [--name N] [--camera C] [--option key=value ...]"));
            return 2;
        }
        request.insert(QStringLiteral("kind"), args[1]);
        if (parser.isSet(name))
            request.insert(QStringLiteral("name"), parser.value(name));
        if (parser.isSet(camera))
            request.insert(QStringLiteral("camera"), parser.value(camera));
        QJsonObject options;
        for (const QString &kv : parser.values(option)) {
            qsizetype eq = kv.indexOf(u'=');
            if (eq <= 0) {
                err(QStringLiteral("--option '%1' is not key=value").arg(kv));
                return 2;
            }
            QString key = kv.left(eq), value = kv.mid(eq + 1);
            bool isNumber = false;
            qlonglong number = value.toLongLong(&isNumber);
            options.insert(key, isNumber ? QJsonValue(number) : QJsonValue(value));
        }
        request.insert(QStringLiteral("options"), options);
    } else if (verb == QStringLiteral("trigger")) {
        if (args.size() > 2) {
            err(QStringLiteral("usage: zeroteectl trigger [LABEL] [--camera C]"));
            return 2;
        }
        if (args.size() == 2)
            request.insert(QStringLiteral("label"), args[1]);
        if (parser.isSet(camera))
            request.insert(QStringLiteral("camera"), parser.value(camera));
    } else if (verb == QStringLiteral("events")) {
        if (parser.isSet(follow))
            request.insert(QStringLiteral("follow"), true);
    } else if (verb != QStringLiteral("status") && verb != QStringLiteral("workers")) {
        err(QStringLiteral("unknown command '%1'; try --help").arg(verb));
        return 2;
    }

    QLocalSocket socket;
    socket.connectToServer(parser.value(control));
    if (!socket.waitForConnected(3000)) {
        err(QStringLiteral("cannot reach zerotee at %1: %2")
                .arg(parser.value(control), socket.errorString()));
        return 3;
    }
    socket.write(QJsonDocument(request).toJson(QJsonDocument::Compact) + '\n');
    socket.flush();
    QByteArray line;
    if (!readLine(socket, &line, 30000)) {
        err(QStringLiteral("no answer from zerotee"));
        return 3;
    }
    QJsonObject answer = QJsonDocument::fromJson(line).object();
    if (!answer.value(QStringLiteral("ok")).toBool()) {
        err(answer.value(QStringLiteral("error")).toString());
        return 1;
    }
    QJsonValue result = answer.value(QStringLiteral("result"));
    if (parser.isSet(json)) {
        out(QString::fromUtf8(result.isObject()
                                  ? QJsonDocument(result.toObject()).toJson(QJsonDocument::Indented)
                                  : QJsonDocument(result.toArray()).toJson(QJsonDocument::Indented))
                .trimmed());
    } else if (verb == QStringLiteral("status")) {
        printStatus(result.toObject());
    } else if (verb == QStringLiteral("workers")) {
        printWorkers(result.toArray());
    } else if (verb == QStringLiteral("events")) {
        for (const QJsonValue &e : result.toArray())
            printEvent(e.toObject());
    } else if (verb == QStringLiteral("trigger")) {
        out(QStringLiteral("trigger: sent to %1 recorder(s)")
                .arg(cell(result.toObject().value(QStringLiteral("recorders")))));
    } else {
        out(QStringLiteral("%1: ok").arg(verb));
    }
    if (verb == QStringLiteral("events") && parser.isSet(follow)) {
        std::fflush(stdout);
        while (readLine(socket, &line, -1)) {
            QJsonObject e = QJsonDocument::fromJson(line).object();
            if (parser.isSet(json))
                out(QString::fromUtf8(QJsonDocument(e).toJson(QJsonDocument::Compact)));
            else
                printEvent(e);
            std::fflush(stdout);
        }
    }
    return 0;
}

} // namespace zerotee
