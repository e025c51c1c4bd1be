#include "ProcessSampler.h"

#include <QElapsedTimer>
#include <QTest>

#include <time.h>
#include <unistd.h>

using zerotee::ProcessSampler;

namespace {

qint64 nowNs()
{
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return qint64(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

} // namespace

class ProcessSamplerTest : public QObject {
    Q_OBJECT

private slots:
    void parsesStatWithAwkwardCommandName()
    {
        const QByteArray text = "4242 (my (odd) name) S 17 4242 4242 0 -1 4194560 100 0 0 0 "
                                "250 75 0 0 20 0 1 0 123 1000000 300 18446744073709551615\n";
        const auto stat = ProcessSampler::parseStat(text);
        QVERIFY(stat);
        QCOMPARE(stat->state, 'S');
        QCOMPARE(stat->ppid, pid_t(17));
        QCOMPARE(stat->ticks, quint64(325));
    }

    void rejectsTruncatedStat()
    {
        QVERIFY(!ProcessSampler::parseStat("4242 (x) S 1 2 3"));
        QVERIFY(!ProcessSampler::parseStat(""));
        QVERIFY(!ProcessSampler::parseStat("garbage without parens"));
    }

    void parsesStatm()
    {
        QCOMPARE(ProcessSampler::parseStatmRss("1000 250 30 5 0 100 0\n", 4096), 250 * 4096);
        QVERIFY(!ProcessSampler::parseStatmRss("nonsense", 4096));
    }

    void samplesOwnBusyLoop()
    {
        ProcessSampler sampler(getpid());
        QVERIFY(sampler.sample(nowNs()));
        QCOMPARE(sampler.cpuPercent(), 0.0);
        QVERIFY(sampler.rssBytes() > 0);

        // Burn ~300 ms of CPU on this thread: the sample must show a large share of a core.
        QElapsedTimer timer;
        timer.start();
        volatile quint64 sink = 0;
        while (timer.elapsed() < 300)
            sink = sink + 1;
        QVERIFY(sampler.sample(nowNs()));
        QVERIFY2(sampler.cpuPercent() > 30.0, qPrintable(QString::number(sampler.cpuPercent())));
        QVERIFY(sampler.cpuPercent() < 250.0);
    }

    void goneProcessFailsToSample()
    {
        ProcessSampler sampler(0);
        QVERIFY(!sampler.sample(nowNs()));
    }
};

QTEST_GUILESS_MAIN(ProcessSamplerTest)
#include "ProcessSamplerTest.moc"
