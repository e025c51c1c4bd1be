#include "OutputLineBuffer.h"

#include <QTest>

using zerotee::OutputLineBuffer;

namespace {

struct Collected {
    QList<QByteArray> lines;
    QList<bool> truncated;
    OutputLineBuffer::LineHandler handler()
    {
        return [this](QByteArrayView line, bool t) {
            lines.append(line.toByteArray());
            truncated.append(t);
        };
    }
};

} // namespace

class OutputLineBufferTest : public QObject {
    Q_OBJECT

private slots:
    void linesSpanChunks()
    {
        OutputLineBuffer buffer;
        Collected got;
        buffer.append("one\ntw", got.handler());
        QCOMPARE(got.lines, QList<QByteArray>{"one"});
        buffer.append("o\r\nthree\n\nfo", got.handler());
        QCOMPARE(got.lines, (QList<QByteArray>{"one", "two", "three", ""}));
        buffer.flush(got.handler());
        QCOMPARE(got.lines.last(), QByteArray("fo"));
        QVERIFY(!got.truncated.contains(true));
    }

    void overlongLineIsCutOnceAndTheRestDropped()
    {
        OutputLineBuffer buffer(8);
        Collected got;
        buffer.append("12345", got.handler());
        buffer.append("6789abcdef", got.handler()); // no newline yet: cut at 8, rest dropped
        QCOMPARE(got.lines, QList<QByteArray>{"12345678"});
        QCOMPARE(got.truncated, QList<bool>{true});
        buffer.append(QByteArray(100'000, 'z'), got.handler());
        buffer.append("zz\nok\n", got.handler());
        QCOMPARE(got.lines, (QList<QByteArray>{"12345678", "ok"}));
        QCOMPARE(got.truncated, (QList<bool>{true, false}));
    }

    void lineOfExactlyTheCapIsWhole()
    {
        OutputLineBuffer buffer(4);
        Collected got;
        buffer.append("abcd\n", got.handler());
        QCOMPARE(got.lines, QList<QByteArray>{"abcd"});
        QCOMPARE(got.truncated, QList<bool>{false});
    }
};

QTEST_GUILESS_MAIN(OutputLineBufferTest)
#include "OutputLineBufferTest.moc"
