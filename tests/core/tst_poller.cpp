// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/sources/poller.h"
#include "core/sources/procsource.h"

#include "../common/fixtures.h"

#include <QSemaphore>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// A ProcSource that notes which thread it ran on.
class ThreadNotingSource final : public SocketSource
{
public:
    ThreadNotingSource(const QString &dir, QThread **ranOn) : m_proc(dir), m_ranOn(ranOn) { }
    QString name() const override { return QStringLiteral("proc"); }
    Snapshot take(const SocketFilter &filter) override
    {
        *m_ranOn = QThread::currentThread();
        return m_proc.take(filter);
    }

private:
    ProcSource m_proc;
    QThread **m_ranOn;
};

} // namespace

class TestPoller : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldPollOnAWorkerThreadAndDeliverOnTheOwnersThread();
    void shouldPollAtTheInterval();
    void shouldPollNowWhenAsked();
    void shouldBurstAfterAnActionThenRelax();
    void shouldApplyTheFilter();
    void shouldReportSourceFailures();
    void shouldDiffOnTheWorkerThreadWhenTracking();
    void shouldCoalescePollRequestsMadeWhileBusy();

private:
    QTemporaryDir m_dir;
};

void TestPoller::initTestCase()
{
    QVERIFY(m_dir.isValid());
    // A saved /proc/net of the capture machine: real kernel text, fixed content.
    QVERIFY(QFile::copy(fixturePath(QStringLiteral("proc-net-tcp.txt")), m_dir.filePath(QStringLiteral("tcp"))));
    QVERIFY(QFile::copy(fixturePath(QStringLiteral("proc-net-tcp6.txt")), m_dir.filePath(QStringLiteral("tcp6"))));
}

void TestPoller::shouldPollOnAWorkerThreadAndDeliverOnTheOwnersThread()
{
    QThread *ranOn = nullptr;
    Poller poller(std::make_unique<ThreadNotingSource>(m_dir.path(), &ranOn));
    QThread *deliveredOn = nullptr;
    connect(&poller, &Poller::snapshotTaken, this, [&] { deliveredOn = QThread::currentThread(); });
    QSignalSpy spy(&poller, &Poller::snapshotTaken);
    poller.pollNow();
    QVERIFY(spy.wait(5000));
    QVERIFY(ranOn);
    QVERIFY(ranOn != QThread::currentThread());
    QCOMPARE(deliveredOn, QThread::currentThread());
    const auto snapshot = spy.first().first().value<Snapshot>();
    QVERIFY(snapshot.ok());
    QCOMPARE(snapshot.records.size(), 86);
    QCOMPARE(snapshot.source, QStringLiteral("proc"));
}

void TestPoller::shouldPollAtTheInterval()
{
    Poller poller(std::make_unique<ProcSource>(m_dir.path()));
    poller.setInterval(20);
    QCOMPARE(poller.interval(), 20);
    QSignalSpy spy(&poller, &Poller::snapshotTaken);
    poller.start();
    QVERIFY(poller.isActive());
    QTRY_VERIFY_WITH_TIMEOUT(spy.size() >= 5, 10000);
    poller.stop();
    QVERIFY(!poller.isActive());
    // let anything already queued arrive, then nothing more may come
    QTest::qWait(500);
    const qsizetype afterStop = spy.size();
    QTest::qWait(500); // a poller still running every 20 ms would add about 25
    QCOMPARE(spy.size(), afterStop);

    // snapshots are stamped in order on the monotonic clock
    for (qsizetype i = 1; i < spy.size(); ++i)
        QVERIFY(spy[i].first().value<Snapshot>().steadyNs > spy[i - 1].first().value<Snapshot>().steadyNs);
}

void TestPoller::shouldPollNowWhenAsked()
{
    Poller poller(std::make_unique<ProcSource>(m_dir.path()));
    poller.setInterval(60000);
    QSignalSpy spy(&poller, &Poller::snapshotTaken);
    poller.start(); // polls once at start
    QVERIFY(spy.wait(5000));
    poller.pollNow();
    QVERIFY(spy.wait(5000));
    QCOMPARE(spy.size(), 2);
}

void TestPoller::shouldBurstAfterAnActionThenRelax()
{
    Poller poller(std::make_unique<ProcSource>(m_dir.path()));
    poller.setOwnerLookup(false); // the fixture's inodes belong to another machine
    QSignalSpy spy(&poller, &Poller::snapshotTaken);

    // Stopped: a burst is one poll, like pollNow().
    poller.burst(5, 200);
    QVERIFY(spy.wait(5000));
    QTest::qWait(300);
    QCOMPARE(spy.size(), 1);

    poller.setInterval(60000);
    poller.start();
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 2, 5000);
    // Fast for a moment: many polls where the interval alone would give none...
    poller.burst(5, 200);
    QTRY_VERIFY_WITH_TIMEOUT(spy.size() >= 2 + 6, 10000);
    // ...then back to the interval: once the burst is over, nothing for a minute.
    QTest::qWait(500);
    const qsizetype relaxed = spy.size();
    QTest::qWait(500);
    QCOMPARE(spy.size(), relaxed);
    QCOMPARE(poller.interval(), 60000);
}

void TestPoller::shouldApplyTheFilter()
{
    Poller poller(std::make_unique<ProcSource>(m_dir.path()));
    SocketFilter filter;
    filter.port = 18000;
    poller.setFilter(filter);
    QSignalSpy spy(&poller, &Poller::snapshotTaken);
    poller.pollNow();
    QVERIFY(spy.wait(5000));
    const auto snapshot = spy.first().first().value<Snapshot>();
    // listener, the accepted pair, two queued server ends and their clients
    QCOMPARE(snapshot.records.size(), 7);
}

void TestPoller::shouldReportSourceFailures()
{
    Poller poller(std::make_unique<ProcSource>(m_dir.filePath(QStringLiteral("missing"))));
    QSignalSpy spy(&poller, &Poller::snapshotTaken);
    poller.pollNow();
    QVERIFY(spy.wait(5000));
    const auto snapshot = spy.first().first().value<Snapshot>();
    QVERIFY(!snapshot.ok());
    QVERIFY(snapshot.error.contains(QStringLiteral("No such file or directory")));
}

void TestPoller::shouldDiffOnTheWorkerThreadWhenTracking()
{
    Poller poller(std::make_unique<ProcSource>(m_dir.path()));
    poller.setTracking(true);
    QSignalSpy changed(&poller, &Poller::changed);
    QSignalSpy snapshots(&poller, &Poller::snapshotTaken);
    poller.pollNow();
    QVERIFY(changed.wait(5000));
    const auto first = changed.first().first().value<PollChanges>();
    QVERIFY(first.ok());
    QCOMPARE(first.rows, 86);
    QCOMPARE(first.delta.events.size(), 86); // everything appears once
    QCOMPARE(first.delta.rows.size(), 86);   // with its row
    QCOMPARE(first.delta.rows.first().id, first.delta.events.first().id);
    poller.pollNow();
    QVERIFY(changed.wait(5000));
    const auto second = changed.last().first().value<PollChanges>();
    QVERIFY(second.delta.isEmpty()); // the same saved table: nothing changed
    QVERIFY(second.delta.rows.isEmpty()); // and no row crosses over
    QCOMPARE(second.rows, 86);
    QCOMPARE(snapshots.size(), 0); // tracked polls are not also delivered untracked
}

namespace {

// A source whose take() waits until the test lets it go: the poller stays busy meanwhile.
class GatedSource : public SocketSource
{
public:
    GatedSource(QSemaphore *entered, QSemaphore *release) : m_entered(entered), m_release(release) { }
    QString name() const override { return QStringLiteral("gated"); }
    Snapshot take(const SocketFilter &) override
    {
        m_entered->release();
        m_release->acquire();
        Snapshot s;
        s.source = name();
        s.stampNow();
        return s;
    }

private:
    QSemaphore *m_entered;
    QSemaphore *m_release;
};

} // namespace

void TestPoller::shouldCoalescePollRequestsMadeWhileBusy()
{
    QSemaphore entered;
    QSemaphore release;
    Poller poller(std::make_unique<GatedSource>(&entered, &release));
    QSignalSpy spy(&poller, &Poller::snapshotTaken);
    poller.pollNow();
    QVERIFY(entered.tryAcquire(1, 5000)); // the first poll is under way
    for (int i = 0; i < 8; ++i)
        poller.pollNow();
    poller.burst(); // stopped: a burst is one more request
    release.release(10);
    QTRY_COMPARE_WITH_TIMEOUT(spy.size(), 2, 5000);
    QTest::qWait(100);
    QCOMPARE(spy.size(), 2); // the one under way, and one for the nine requests made meanwhile
    QCOMPARE(entered.available(), 1);
}

QTEST_GUILESS_MAIN(TestPoller)
#include "tst_poller.moc"
