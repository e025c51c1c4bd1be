#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <functional>

namespace zerotee {

/// Reassembles lines from the chunks a pipe delivers, with a cap on the length of one line.
///
/// A worker's stdout and stderr arrive in arbitrary pieces; a line is delivered once its newline
/// has arrived (a trailing '\r' is dropped). A line longer than the cap is delivered once, cut to
/// the cap and marked truncated, and the rest of it up to the next newline is discarded, so a
/// worker that never writes a newline cannot make the supervisor buffer without bound.
///
/// Thread context: not thread-safe; used by its owning WorkerProcess.
class OutputLineBuffer {
public:
    using LineHandler = std::function<void(QByteArrayView line, bool truncated)>;

    explicit OutputLineBuffer(qsizetype maxLineBytes = 64 * 1024) : maxLineBytes_(maxLineBytes) {}

    /// Adds @p data and calls @p handler for every line it completes.
    void append(QByteArrayView data, const LineHandler &handler);
    /// Delivers a last unterminated line (at end of stream) and starts over.
    void flush(const LineHandler &handler);
    void clear();

    qsizetype maxLineBytes() const { return maxLineBytes_; }

private:
    qsizetype maxLineBytes_;
    QByteArray pending_;
    bool discarding_ = false;
};

} // namespace zerotee
