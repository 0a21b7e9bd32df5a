// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tracking/connectionstore.h"
#include "core/tracking/connectiontracker.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockscope;

namespace {

constexpr qint64 msNs = 1000000;

SocketRecord row(quint16 localPort, quint16 remotePort, TcpState state, quint64 inode)
{
    SocketRecord r;
    r.family = AddressFamily::IPv4;
    r.local = {IpAddress::fromIPv4(0x7f000001), localPort, QString()};
    r.remote = {remotePort ? IpAddress::fromIPv4(0x7f000001) : IpAddress(), remotePort, QString()};
    r.state = state;
    r.inode = inode;
    r.uid = 1000;
    return r;
}

Snapshot at(qint64 ms, QList<SocketRecord> records)
{
    Snapshot s;
    s.source = QStringLiteral("test");
    s.steadyNs = ms * msNs;
    s.wallTimeMs = 1700000000000 + ms;
    s.records = std::move(records);
    return s;
}

QStringList describe(const TrackerDelta &delta)
{
    QStringList out;
    for (const ConnectionEvent &e : delta.events) {
        out << QStringLiteral("%1 %2 %3->%4 %5")
                   .arg(e.id)
                   .arg(e.key.local.port)
                   .arg(e.from ? kernelName(*e.from) : QStringLiteral("-"), e.to ? kernelName(*e.to) : QStringLiteral("-"))
                   .arg(e.msInFrom);
    }
    return out;
}

} // namespace

class TestConnectionTracker : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldReportEverythingAsAppearedOnTheFirstSnapshot();
    void shouldReportStateChangesWithTimeSpentInTheOldState();
    void shouldKeepHistoryWhenInodeChanges();
    void shouldCarryTheOwnerForwardWhenTheInodeDropsToZero();
    void shouldReportVanishedConnections();
    void shouldTreatAReused4TupleAsANewConnection();
    void shouldTreatADifferentRealInodeAsANewConnection();
    void shouldReportAttributeChangesWithoutStateChange();
    void shouldTellReusePortListenersApart();
    void shouldCountDuplicateRows();
    void shouldEmitSignalsForEachEvent();
    void shouldForgetOldestVanishedBeyondRetention();
    void shouldStartAfreshAfterClear();
    void shouldMirrorTheTrackerInAStore();
    void shouldKeepAConnectionToAFewKilobytesHoweverLongItLives();
    void shouldKeepEveryStateChangeWhileThinningRows();
    void shouldCapTheStatesOfASocketThatKeepsComingBack();
    void shouldForgetTheOldestClosedConnectionsAndCountThem();
};

void TestConnectionTracker::shouldReportEverythingAsAppearedOnTheFirstSnapshot()
{
    ConnectionTracker tracker;
    QVERIFY(!tracker.hasBaseline());
    const TrackerDelta d = tracker.update(at(0, {row(8000, 0, TcpState::Listen, 10), row(8000, 40000, TcpState::Established, 11)}));
    QVERIFY(tracker.hasBaseline());
    QCOMPARE(describe(d), (QStringList{"1 8000 -->LISTEN 0", "2 8000 -->ESTABLISHED 0"}));
    QCOMPARE(tracker.liveCount(), 2);
}

void TestConnectionTracker::shouldReportStateChangesWithTimeSpentInTheOldState()
{
    ConnectionTracker tracker;
    tracker.update(at(0, {row(40000, 8000, TcpState::Established, 5)}));
    tracker.update(at(100, {row(40000, 8000, TcpState::Established, 5)}));
    const TrackerDelta d = tracker.update(at(250, {row(40000, 8000, TcpState::FinWait2, 5)}));
    QCOMPARE(describe(d), QStringList{"1 40000 ESTABLISHED->FIN_WAIT2 250"});
    const ConnectionHistory *h = tracker.history(1);
    QCOMPARE(h->spans.size(), 2);
    QCOMPARE(h->spans[0].polls, 2);
    QCOMPARE(h->spans[0].lastSeenNs, 100 * msNs);
    QCOMPARE(h->spans[1].firstSeenWallMs, 1700000000250);
}

void TestConnectionTracker::shouldKeepHistoryWhenInodeChanges()
{
    // The server end of one connection: in the accept queue (inode 0), accepted (real inode),
    // closed first so the kernel keeps a TIME_WAIT entry (inode 0 again).
    ConnectionTracker tracker;
    tracker.update(at(0, {row(8000, 40000, TcpState::Established, 0)}));
    const TrackerDelta accepted = tracker.update(at(100, {row(8000, 40000, TcpState::Established, 77)}));
    QVERIFY(accepted.events.isEmpty());
    QCOMPARE(accepted.updated, QList<quint64>{1});
    tracker.update(at(200, {row(8000, 40000, TcpState::FinWait2, 77)}));
    const TrackerDelta tw = tracker.update(at(300, {row(8000, 40000, TcpState::TimeWait, 0)}));
    QCOMPARE(describe(tw), QStringList{"1 8000 FIN_WAIT2->TIME_WAIT 100"});

    const ConnectionHistory *h = tracker.history(1);
    QVERIFY(h);
    QCOMPARE(h->inodes, QList<quint64>{77});
    QCOMPARE(h->spans.size(), 3);
    QCOMPARE(h->spans[0].state, TcpState::Established);
    QCOMPARE(h->spans[0].polls, 2);
    QCOMPARE(h->spans[2].state, TcpState::TimeWait);
    QCOMPARE(h->latest.inode, std::optional<quint64>(0));
    QCOMPARE(tracker.historyCount(), 1);
}

void TestConnectionTracker::shouldReportVanishedConnections()
{
    ConnectionTracker tracker;
    tracker.update(at(0, {row(40000, 8000, TcpState::TimeWait, 0), row(8000, 0, TcpState::Listen, 9)}));
    const TrackerDelta d = tracker.update(at(60000, {row(8000, 0, TcpState::Listen, 9)}));
    QCOMPARE(describe(d), QStringList{"1 40000 TIME_WAIT->- 60000"});
    const ConnectionHistory *h = tracker.history(1);
    QVERIFY(!h->alive);
    QCOMPARE(h->vanishedWallMs, 1700000060000);
    QCOMPARE(tracker.liveIds(), QList<quint64>{2});
    QVERIFY(!tracker.findLive(h->key));
}

void TestConnectionTracker::shouldTreatAReused4TupleAsANewConnection()
{
    // TIME_WAIT can only end; SYN_SENT on the same 4-tuple is the next connection.
    ConnectionTracker tracker;
    tracker.update(at(0, {row(40000, 8000, TcpState::TimeWait, 0)}));
    const TrackerDelta d = tracker.update(at(100, {row(40000, 8000, TcpState::SynSent, 50)}));
    QCOMPARE(describe(d), (QStringList{"1 40000 TIME_WAIT->- 100", "2 40000 -->SYN_SENT 0"}));
    QCOMPARE(tracker.history(1)->spans.size(), 1);
    QCOMPARE(tracker.findLive(ConnectionKey::of(row(40000, 8000, TcpState::SynSent, 50)))->id, 2u);
}

void TestConnectionTracker::shouldTreatADifferentRealInodeAsANewConnection()
{
    ConnectionTracker tracker;
    tracker.update(at(0, {row(40000, 8000, TcpState::Established, 50)}));
    const TrackerDelta d = tracker.update(at(100, {row(40000, 8000, TcpState::Established, 51)}));
    QCOMPARE(describe(d), (QStringList{"1 40000 ESTABLISHED->- 100", "2 40000 -->ESTABLISHED 0"}));
}

void TestConnectionTracker::shouldReportAttributeChangesWithoutStateChange()
{
    ConnectionTracker tracker;
    SocketRecord r = row(8000, 0, TcpState::Listen, 9);
    tracker.update(at(0, {r}));
    QVERIFY(tracker.update(at(100, {r})).isEmpty());
    r.rxQueue = 2; // two connections completed, not yet accepted
    const TrackerDelta d = tracker.update(at(200, {r}));
    QVERIFY(d.events.isEmpty());
    QCOMPARE(d.updated, QList<quint64>{1});
    QCOMPARE(tracker.history(1)->latest.rxQueue, 2u);
}

void TestConnectionTracker::shouldTellReusePortListenersApart()
{
    ConnectionTracker tracker;
    tracker.update(at(0, {row(8000, 0, TcpState::Listen, 9), row(8000, 0, TcpState::Listen, 10)}));
    QCOMPARE(tracker.liveCount(), 2);
    const TrackerDelta d = tracker.update(at(100, {row(8000, 0, TcpState::Listen, 10)}));
    QCOMPARE(describe(d), QStringList{"1 8000 LISTEN->- 100"});
}

void TestConnectionTracker::shouldCountDuplicateRows()
{
    ConnectionTracker tracker;
    const TrackerDelta d = tracker.update(at(0, {row(1, 2, TcpState::Established, 3), row(1, 2, TcpState::Established, 3)}));
    QCOMPARE(d.duplicateRows, 1);
    QCOMPARE(tracker.liveCount(), 1);
}

void TestConnectionTracker::shouldEmitSignalsForEachEvent()
{
    ConnectionTracker tracker;
    QSignalSpy appeared(&tracker, &ConnectionTracker::connectionAppeared);
    QSignalSpy changed(&tracker, &ConnectionTracker::stateChanged);
    QSignalSpy vanished(&tracker, &ConnectionTracker::connectionVanished);
    tracker.update(at(0, {row(40000, 8000, TcpState::SynSent, 5)}));
    tracker.update(at(10, {row(40000, 8000, TcpState::Established, 5)}));
    tracker.update(at(20, {}));
    QCOMPARE(appeared.size(), 1);
    QCOMPARE(changed.size(), 1);
    QCOMPARE(vanished.size(), 1);
    const auto event = changed.first().first().value<ConnectionEvent>();
    QCOMPARE(event.from, std::optional<TcpState>(TcpState::SynSent));
    QCOMPARE(event.to, std::optional<TcpState>(TcpState::Established));
    QCOMPARE(event.msInFrom, qint64(10));
}

void TestConnectionTracker::shouldForgetOldestVanishedBeyondRetention()
{
    ConnectionTracker tracker;
    tracker.setVanishedRetention(2);
    for (quint16 i = 0; i < 5; ++i) {
        tracker.update(at(i * 10, {row(40000 + i, 8000, TcpState::Established, 100 + i)}));
    }
    tracker.update(at(100, {}));
    // 5 connections came and went; only the 2 most recent histories remain.
    QCOMPARE(tracker.historyCount(), 2);
    QVERIFY(!tracker.history(1));
    QVERIFY(tracker.history(5));
    QVERIFY(tracker.history(4));
}

void TestConnectionTracker::shouldStartAfreshAfterClear()
{
    ConnectionTracker tracker;
    tracker.update(at(0, {row(1, 2, TcpState::Established, 3)}));
    tracker.clear();
    QVERIFY(!tracker.hasBaseline());
    QCOMPARE(tracker.liveCount(), 0);
    const TrackerDelta d = tracker.update(at(10, {row(1, 2, TcpState::Established, 3)}));
    QCOMPARE(d.events.size(), 1);
    QCOMPARE(d.events[0].kind, ConnectionEvent::Kind::Appeared);
}

void TestConnectionTracker::shouldMirrorTheTrackerInAStore()
{
    // The window's thread keeps a store fed only with what each delta changed.
    ConnectionTracker tracker;
    ConnectionStore store;
    store.setVanishedRetention(1);
    const QList<QList<SocketRecord>> polls{
        {row(8000, 0, TcpState::Listen, 9), row(40000, 8000, TcpState::Established, 0)},
        {row(8000, 0, TcpState::Listen, 9), row(40000, 8000, TcpState::Established, 77)},
        {row(8000, 0, TcpState::Listen, 9), row(40000, 8000, TcpState::TimeWait, 0), row(40001, 8000, TcpState::SynSent, 78)},
        {row(8000, 0, TcpState::Listen, 9), row(40001, 8000, TcpState::Established, 78)},
        {row(40001, 8000, TcpState::Established, 78)},
    };
    for (int i = 0; i < polls.size(); ++i) {
        const Snapshot snapshot = at(i * 100, polls[i]);
        const TrackerDelta delta = tracker.update(snapshot);
        store.apply(tracker.historiesOf(delta), snapshot.steadyNs, snapshot.wallTimeMs);
        QCOMPARE(store.liveIds(), tracker.liveIds());
        for (quint64 id : tracker.liveIds()) {
            QCOMPARE(store.history(id)->spans, tracker.history(id)->spans);
            QCOMPARE(store.history(id)->latest, tracker.history(id)->latest);
            QCOMPARE(store.findLive(store.history(id)->key)->id, id);
        }
    }
    // vanished: the TIME_WAIT connection (id 2) and the listener (id 1); only the newest is kept
    QVERIFY(!store.history(2));
    QVERIFY(store.history(1));
    QVERIFY(!store.history(1)->alive);
    QCOMPARE(store.liveCount(), 1);
}

void TestConnectionTracker::shouldCarryTheOwnerForwardWhenTheInodeDropsToZero()
{
    const auto owned = [](SocketRecord r, qint32 pid) {
        r.ownerStatus = OwnerStatus::Process;
        r.owners = {SocketOwner{pid, QStringLiteral("curl")}};
        return r;
    };
    const auto kernelOnly = [](SocketRecord r) {
        r.ownerStatus = OwnerStatus::KernelOnly;
        return r;
    };
    ConnectionTracker tracker;
    // 40000: a client that closes first, owned until TIME_WAIT.
    // 40001: first seen in TIME_WAIT: nobody to carry.
    // 40002: held by another user's process (unknown), then TIME_WAIT: unknown is not carried.
    SocketRecord hidden = row(40002, 8000, TcpState::Established, 77);
    hidden.ownerStatus = OwnerStatus::Hidden;
    tracker.update(at(0, {owned(row(40000, 8000, TcpState::Established, 55), 4242),
                          kernelOnly(row(40001, 8000, TcpState::TimeWait, 0)), hidden}));
    tracker.update(at(10, {owned(row(40000, 8000, TcpState::FinWait2, 55), 4242),
                           kernelOnly(row(40001, 8000, TcpState::TimeWait, 0)),
                           kernelOnly(row(40002, 8000, TcpState::TimeWait, 0))}));
    const TrackerDelta delta = tracker.update(at(20, {kernelOnly(row(40000, 8000, TcpState::TimeWait, 0)),
                                                      kernelOnly(row(40001, 8000, TcpState::TimeWait, 0)),
                                                      kernelOnly(row(40002, 8000, TcpState::TimeWait, 0))}));
    QVERIFY(describe(delta).contains(QStringLiteral("1 40000 FIN_WAIT2->TIME_WAIT 10")));

    const ConnectionHistory *client = tracker.history(1);
    QCOMPARE(client->latest.ownerStatus, OwnerStatus::Carried);
    const QList<SocketOwner> curl{SocketOwner{4242, QStringLiteral("curl")}};
    QCOMPARE(client->latest.owners, curl);
    QCOMPARE(client->latest.ownerText(), QStringLiteral("was curl (pid 4242)"));
    QCOMPARE(client->samples.last().record.ownerStatus, OwnerStatus::Carried); // the replay shows it too
    QCOMPARE(tracker.history(2)->latest.ownerStatus, OwnerStatus::KernelOnly);
    QCOMPARE(tracker.history(3)->latest.ownerStatus, OwnerStatus::KernelOnly);

    // Carried stays carried poll after poll, without counting as a change.
    const TrackerDelta quiet = tracker.update(at(30, {kernelOnly(row(40000, 8000, TcpState::TimeWait, 0)),
                                                      kernelOnly(row(40001, 8000, TcpState::TimeWait, 0)),
                                                      kernelOnly(row(40002, 8000, TcpState::TimeWait, 0))}));
    QVERIFY(quiet.events.isEmpty());
    QVERIFY(quiet.updated.isEmpty());
    QCOMPARE(tracker.history(1)->latest.ownerStatus, OwnerStatus::Carried);
}

void TestConnectionTracker::shouldKeepAConnectionToAFewKilobytesHoweverLongItLives()
{
    // A server that never reads: Recv-Q grows on every poll, for a simulated week at 10 polls a
    // second would take too long; 20,000 polls show the same bound.
    ConnectionTracker tracker;
    SocketRecord r = row(8000, 40000, TcpState::Established, 55);
    r.details.insert(QStringLiteral("congestion"), QStringLiteral("cubic"));
    r.details.insert(QStringLiteral("shutdown"), QStringLiteral("-"));
    const int polls = 20000;
    for (int i = 0; i < polls; ++i) {
        r.rxQueue = quint32(i);
        tracker.update(at(i * 100, {r}));
    }
    const ConnectionHistory *h = tracker.history(1);
    QVERIFY(h);
    QCOMPARE(h->samples.size(), qsizetype(1 + HistoryLimits::maxRowSamples));
    QCOMPARE(h->samples.first().record.rxQueue, 0u);                 // as first seen
    QCOMPARE(h->samples.last().record.rxQueue, quint32(polls - 1));  // and as now
    QVERIFY(h->samples.last().record.details.isEmpty());             // only `latest` has them
    QCOMPARE(h->latest.details.value(QStringLiteral("congestion")), QStringLiteral("cubic"));
    // Spread over the whole life, not bunched at either end: no gap between two kept rows is
    // more than three times the even spacing.
    const qint64 even = (h->samples.last().steadyNs - h->samples.first().steadyNs) / HistoryLimits::maxRowSamples;
    for (qsizetype i = 1; i < h->samples.size(); ++i) {
        const qint64 gap = h->samples[i].steadyNs - h->samples[i - 1].steadyNs;
        QVERIFY2(gap <= 3 * even, qPrintable(QStringLiteral("gap %1 ns at %2, even %3").arg(gap).arg(i).arg(even)));
    }
    QVERIFY2(h->approximateBytes() < 6 * 1024, qPrintable(QString::number(h->approximateBytes())));
}

void TestConnectionTracker::shouldKeepEveryStateChangeWhileThinningRows()
{
    ConnectionTracker tracker;
    SocketRecord r = row(40000, 8000, TcpState::Established, 55);
    const QList<TcpState> path{TcpState::Established, TcpState::FinWait1, TcpState::FinWait2, TcpState::TimeWait};
    int t = 0;
    for (TcpState state : path) {
        r.state = state;
        for (int i = 0; i < 100; ++i) {
            r.txQueue = quint32(i);
            tracker.update(at(t++ * 10, {r}));
        }
    }
    const ConnectionHistory *h = tracker.history(1);
    QCOMPARE(h->spans.size(), path.size());
    QList<TcpState> sampled;
    for (const RecordSample &s : h->samples) {
        if (sampled.isEmpty() || sampled.last() != s.record.state)
            sampled.append(s.record.state);
    }
    QCOMPARE(sampled, path);
    // the row at each state change, exactly when the state was first seen
    for (const StateSpan &span : h->spans) {
        const bool found = std::any_of(h->samples.cbegin(), h->samples.cend(), [&](const RecordSample &s) {
            return s.steadyNs == span.firstSeenNs && s.record.state == span.state;
        });
        QVERIFY(found);
    }
    QCOMPARE(h->samples.size(), qsizetype(path.size() + HistoryLimits::maxRowSamples));
}

void TestConnectionTracker::shouldCapTheStatesOfASocketThatKeepsComingBack()
{
    // A listener shut down (CLOSE) and listening again, over and over, on the same inode.
    ConnectionTracker tracker;
    const int cycles = 500;
    for (int i = 0; i < cycles; ++i) {
        tracker.update(at(i * 20, {row(8000, 0, TcpState::Listen, 9)}));
        tracker.update(at(i * 20 + 10, {row(8000, 0, TcpState::Close, 9)}));
    }
    QCOMPARE(tracker.historyCount(), 1);
    const ConnectionHistory *h = tracker.history(1);
    QVERIFY(h->spans.size() <= HistoryLimits::maxSpans);
    QCOMPARE(h->spans.size() + h->droppedSpans, qsizetype(2 * cycles));
    QCOMPARE(h->spans.first().firstSeenNs, 0); // how it was first seen stays
    QCOMPARE(h->spans.last().state, TcpState::Close);
    for (qsizetype i = 1; i < h->spans.size(); ++i)
        QVERIFY(h->spans[i].state != h->spans[i - 1].state);
    QVERIFY(h->samples.size() <= HistoryLimits::maxSpans + HistoryLimits::maxRowSamples);
    QVERIFY2(h->approximateBytes() < 20 * 1024, qPrintable(QString::number(h->approximateBytes())));
}

void TestConnectionTracker::shouldForgetTheOldestClosedConnectionsAndCountThem()
{
    // Short connections coming and going for a long time: the tracker and a store fed from it
    // keep the newest closed ones and count the rest.
    ConnectionTracker tracker;
    ConnectionStore store;
    const int total = HistoryLimits::vanishedRetention + 1500;
    QList<quint64> forgotten;
    for (int i = 0; i < total; ++i) {
        const Snapshot snapshot = at(i, {row(quint16(20000 + i % 40000), 8000, TcpState::Established, quint64(1000 + i))});
        const TrackerDelta delta = tracker.update(snapshot);
        forgotten += store.apply(tracker.historiesOf(delta), snapshot.steadyNs, snapshot.wallTimeMs);
    }
    const qint64 expected = total - 1 - HistoryLimits::vanishedRetention; // the last one is alive
    QCOMPARE(tracker.forgottenCount(), expected);
    QCOMPARE(store.forgottenCount(), expected);
    QCOMPARE(forgotten.size(), expected);
    QCOMPARE(forgotten.first(), quint64(1)); // oldest first
    QCOMPARE(tracker.historyCount(), HistoryLimits::vanishedRetention + 1);
    QCOMPARE(store.ids().size(), qsizetype(HistoryLimits::vanishedRetention + 1));
    QVERIFY(!store.history(quint64(expected)));
    QVERIFY(store.history(quint64(expected + 1)));
}

QTEST_GUILESS_MAIN(TestConnectionTracker)
#include "tst_connectiontracker.moc"
