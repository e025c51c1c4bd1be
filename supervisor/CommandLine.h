#pragma once

#include "SupervisorConfig.h"

#include <QStringList>

namespace zerotee {

/// What the command line asks for: a configuration to run, or an immediate exit
/// (--help, --version, or an error with exit code 2).
struct CommandLine {
    SupervisorConfig config;
    bool headless = false;
    /// --state FILE: where the worker set is kept across restarts (WorkerSetStore); empty =
    /// not kept in headless mode, $XDG_STATE_HOME/zerotee/workers.json for the panel.
    QString stateFile;
    bool exitNow = false;
    int exitCode = 0;
    QString message; // printed on exit: help/version on stdout, errors on stderr
};

/// Parses `zerotee` flags: the configuration file first (--config), then every flag on top.
/// Defaults that depend on the environment (runtime dir) are filled in here.
///
///   --headless --source SRC --size WxH --fps N --format F --config FILE --socket PATH
///   --record DIR --rtsp --rtsp-port N --ai --control PATH --http-port N --http-bind ADDR
///   --no-http --mqtt HOST[:PORT] --log-level LEVEL --worker-path DIR --state FILE
///   --window WxH --fullscreen
///   --version --help   (--window/--fullscreen land in config.panel)
CommandLine parseCommandLine(const QStringList &arguments);

} // namespace zerotee
