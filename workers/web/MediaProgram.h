#pragma once

#include <QCommandLineParser>
#include <QString>

namespace zerotee {

/// What the web's media programs (zerotee-live, zerotee-snapshot, zerotee-clip) share: the
/// command line, GStreamer with the in-process zerotee elements, and running one pipeline
/// whose source (named "src") reads a bus socket, to EOS or until SIGTERM.
///
/// Thread context: the main thread of a short-lived process.
class MediaProgram {
public:
    MediaProgram(const char *program, const char *description);

    void addSocketOption();
    void addNameOption(const char *defaultName);
    QCommandLineParser &parser() { return parser_; }

    /// Parses the command line and starts GStreamer: returns -1 to go on, else the exit code
    /// (0 for --help, 2 for a bad option, with the reason on stderr).
    int parse(int argc, char **argv);
    /// Runs @p description (its "src", if any, gets --socket and --name) and returns the exit
    /// code: 0 after EOS, 1 on an error (said on stderr).
    int run(const QString &description);
    /// Says @p message on stderr prefixed with the program's name; returns @p code.
    int fail(const QString &message, int code = 2) const;

private:
    const char *program_;
    QCommandLineParser parser_;
    bool hasSocket_ = false;
    bool hasName_ = false;
};

} // namespace zerotee
