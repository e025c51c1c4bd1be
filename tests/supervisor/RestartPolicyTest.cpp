// RestartPolicy is pure logic: every call takes the time, so no process or timer is involved.
#include "RestartPolicy.h"

#include <QTest>

using zerotee::RestartPolicy;

class RestartPolicyTest : public QObject {
    Q_OBJECT

private slots:
    void backoffDoublesUpToTheCap()
    {
        RestartPolicy policy({.initialBackoffMs = 500,
                              .backoffFactor = 2.0,
                              .maxBackoffMs = 3000,
                              .crashLoopCount = 0, // never give up here
                              .stableAfterMs = 1'000'000});
        const QList<int> expected = {500, 1000, 2000, 3000, 3000, 3000};
        qint64 now = 0;
        for (int delay : expected) {
            policy.recordStart(now);
            now += 10;
            const RestartPolicy::Decision d = policy.recordCrash(now);
            QVERIFY(d.restart);
            QCOMPARE(d.delayMs, delay);
            QVERIFY(d.reason.isEmpty());
            now += d.delayMs;
        }
    }

    void crashLoopInsideTheWindowGivesUp()
    {
        RestartPolicy policy({.initialBackoffMs = 100,
                              .crashLoopCount = 5,
                              .crashLoopWindowMs = 60'000,
                              .stableAfterMs = 10'000});
        qint64 now = 0;
        for (int i = 1; i <= 4; ++i) {
            policy.recordStart(now);
            now += 1000;
            QVERIFY2(policy.recordCrash(now).restart, qPrintable(QString::number(i)));
        }
        policy.recordStart(now);
        now += 1000;
        const RestartPolicy::Decision d = policy.recordCrash(now);
        QVERIFY(!d.restart);
        QCOMPARE(d.reason, QStringLiteral("crashed 5 times in 60 s"));
    }

    void crashesOutsideTheWindowAreForgotten()
    {
        // Each run is short (not stable), but the crashes are 20 s apart: never 3 in 30 s.
        RestartPolicy policy({.initialBackoffMs = 100,
                              .maxBackoffMs = 1000,
                              .crashLoopCount = 3,
                              .crashLoopWindowMs = 30'000,
                              .stableAfterMs = 100'000});
        qint64 now = 0;
        for (int i = 0; i < 20; ++i) {
            policy.recordStart(now);
            now += 20'000;
            QVERIFY(policy.recordCrash(now).restart);
        }
    }

    void stableRunResetsBackoffAndHistory()
    {
        RestartPolicy policy({.initialBackoffMs = 500,
                              .crashLoopCount = 3,
                              .crashLoopWindowMs = 600'000,
                              .stableAfterMs = 10'000});
        qint64 now = 0;
        policy.recordStart(now);
        QCOMPARE(policy.recordCrash(now += 100).delayMs, 500);
        policy.recordStart(now += 500);
        QCOMPARE(policy.recordCrash(now += 100).delayMs, 1000);
        QCOMPARE(policy.consecutiveCrashes(), 2);

        // A run of 10 s counts as healthy: backoff and crash count start over.
        policy.recordStart(now += 1000);
        const RestartPolicy::Decision d = policy.recordCrash(now += 10'000);
        QVERIFY(d.restart);
        QCOMPARE(d.delayMs, 500);
        QCOMPARE(policy.consecutiveCrashes(), 1);
        // Two more quick crashes are needed for the loop (3 within the window).
        policy.recordStart(now += 500);
        QVERIFY(policy.recordCrash(now += 100).restart);
        policy.recordStart(now += 1000);
        QVERIFY(!policy.recordCrash(now += 100).restart);
    }

    void resetForgetsEverything()
    {
        RestartPolicy policy({.initialBackoffMs = 200, .crashLoopCount = 2});
        policy.recordStart(0);
        QVERIFY(policy.recordCrash(10).restart);
        policy.recordStart(300);
        QVERIFY(!policy.recordCrash(310).restart);
        policy.reset();
        QCOMPARE(policy.consecutiveCrashes(), 0);
        QCOMPARE(policy.nextDelayMs(), 200);
        policy.recordStart(400);
        QVERIFY(policy.recordCrash(410).restart);
    }

    void disabledRestartGivesUpAtOnce()
    {
        RestartPolicy policy({.restartOnCrash = false});
        policy.recordStart(0);
        const RestartPolicy::Decision d = policy.recordCrash(5);
        QVERIFY(!d.restart);
        QVERIFY(d.reason.contains(QStringLiteral("disabled")));
    }
};

QTEST_GUILESS_MAIN(RestartPolicyTest)
#include "RestartPolicyTest.moc"
