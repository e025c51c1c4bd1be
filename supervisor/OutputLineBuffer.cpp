#include "OutputLineBuffer.h"

namespace zerotee {

namespace {

QByteArrayView withoutCarriageReturn(QByteArrayView line)
{
    return line.endsWith('\r') ? line.chopped(1) : line;
}

} // namespace

void OutputLineBuffer::append(QByteArrayView data, const LineHandler &handler)
{
    while (!data.isEmpty()) {
        const qsizetype newline = data.indexOf('\n');
        const QByteArrayView piece = newline < 0 ? data : data.first(newline);

        if (!discarding_) {
            const qsizetype room = maxLineBytes_ - pending_.size();
            if (piece.size() > room) {
                pending_.append(piece.first(room));
                handler(pending_, true);
                pending_.clear();
                discarding_ = true;
            } else {
                pending_.append(piece);
            }
        }
        if (newline < 0)
            return;

        if (!discarding_)
            handler(withoutCarriageReturn(pending_), false);
        pending_.clear();
        discarding_ = false;
        data = data.sliced(newline + 1);
    }
}

void OutputLineBuffer::flush(const LineHandler &handler)
{
    if (!discarding_ && !pending_.isEmpty())
        handler(withoutCarriageReturn(pending_), false);
    clear();
}

void OutputLineBuffer::clear()
{
    pending_.clear();
    discarding_ = false;
}

} // namespace zerotee
