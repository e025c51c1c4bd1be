#pragma once

#include <QString>

#include <sys/types.h>

namespace zerotee::test {

/// A private X server (Xvfb) for tests that need GL and video: it picks a free display number
/// itself (-displayfd), so concurrent tests never collide, and is stopped with the object.
///
/// Thread context: thread-bound (the test's main thread).
class XvfbServer {
public:
    XvfbServer() = default;
    XvfbServer(const XvfbServer &) = delete;
    XvfbServer &operator=(const XvfbServer &) = delete;
    ~XvfbServer();

    /// True when Xvfb is installed (else the test skips with 77).
    static bool available();
    /// Starts Xvfb with one screen of @p width x @p height x 24 and sets DISPLAY. Returns false
    /// with @p error set when it does not come up within 10 s.
    bool start(int width, int height, QString *error);
    /// ":N", once started.
    QString display() const { return display_; }

private:
    pid_t pid_ = -1;
    QString display_;
};

} // namespace zerotee::test
