// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tracking/connectionstore.h"
#include "core/tracking/connectiontracker.h"

#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <functional>

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


// Everything a delta says, in its own order, connections named by id: the events (kind, id,
// local port, states), then `rows` and `updated` by id, then the duplicate count.
QStringList describeDelta(const TrackerDelta &delta)
{
    QStringList out;
    for (const ConnectionEvent &e : delta.events) {
        const QString from = e.from ? kernelName(*e.from) : QString();
        const QString to = e.to ? kernelName(*e.to) : QString();
        switch (e.kind) {
        case ConnectionEvent::Kind::Appeared:
            out << QStringLiteral("appeared %1 :%2 %3").arg(e.id).arg(e.key.local.port).arg(to);
            break;
        case ConnectionEvent::Kind::StateChanged:
            out << QStringLiteral("changed %1 :%2 %3->%4").arg(e.id).arg(e.key.local.port).arg(from, to);
            break;
        case ConnectionEvent::Kind::Vanished:
            out << QStringLiteral("vanished %1 :%2 %3").arg(e.id).arg(e.key.local.port).arg(from);
            break;
        }
    }
    for (const RowUpdate &r : delta.rows)
        out << QStringLiteral("row %1").arg(r.id);
    for (quint64 id : delta.updated)
        out << QStringLiteral("updated %1").arg(id);
    out << QStringLiteral("duplicates %1").arg(delta.duplicateRows);
    return out;
}

QString recordText(const SocketRecord &r)
{
    return QStringLiteral("%1 %2 rx %3 tx %4 inode %5 %6 %7")
        .arg(ConnectionKey::of(r).toString(), kernelName(r.state))
        .arg(r.rxQueue)
        .arg(r.txQueue)
        .arg(r.inode.value_or(0))
        .arg(ownerStatusName(r.ownerStatus), r.ownerText());
}

// What must not depend on the order a poll lists its rows in: the whole delta with connections
// named by their 4-tuple rather than by id (connections that appear in one poll are numbered
// in the order listed), sorted.
QStringList canonical(const TrackerDelta &delta)
{
    QStringList out;
    QHash<quint64, QString> keyOf;
    for (const ConnectionEvent &e : delta.events) {
        out << QStringLiteral("event %1 %2 %3->%4 %5 ms")
                   .arg(int(e.kind))
                   .arg(e.key.toString(), e.from ? kernelName(*e.from) : QStringLiteral("-"),
                        e.to ? kernelName(*e.to) : QStringLiteral("-"))
                   .arg(e.msInFrom);
    }
    for (const RowUpdate &r : delta.rows) {
        out << QStringLiteral("row %1 %2").arg(recordText(r.record), r.visible ? QStringLiteral("visible") : QString());
        keyOf.insert(r.id, ConnectionKey::of(r.record).toString());
    }
    for (quint64 id : delta.updated)
        out << QStringLiteral("updated %1").arg(keyOf.value(id, QStringLiteral("no row")));
    out.sort();
    out << QStringLiteral("duplicates %1").arg(delta.duplicateRows);
    return out;
}

// What a delta's order must follow whatever the snapshot's: events in the order their rows
// are listed (a new incarnation's Vanished just before its Appeared), then the connections no
// longer listed, by id; `rows` for the events in event order, then for `updated`, in order.
// Returns what is wrong, or nothing.
QString misorder(const TrackerDelta &delta, const Snapshot &snapshot)
{
    QHash<ConnectionKey, qsizetype> position;
    for (qsizetype i = 0; i < snapshot.records.size(); ++i)
        position.insert(ConnectionKey::of(snapshot.records[i]), i); // the last listing...
    for (qsizetype i = snapshot.records.size() - 1; i >= 0; --i)
        position.insert(ConnectionKey::of(snapshot.records[i]), i); // ...replaced by the first
    qsizetype last = -1;
    quint64 lastGone = 0;
    bool inGone = false;
    QList<quint64> eventRows;
    for (const ConnectionEvent &e : delta.events) {
        const auto it = position.constFind(e.key);
        if (it == position.constEnd()) {
            if (e.kind != ConnectionEvent::Kind::Vanished)
                return QStringLiteral("%1 has an event but no row").arg(e.key.toString());
            if (e.id < lastGone)
                return QStringLiteral("vanished %1 after %2").arg(e.id).arg(lastGone);
            inGone = true;
            lastGone = e.id;
            continue;
        }
        if (inGone)
            return QStringLiteral("%1 listed after the vanished").arg(e.key.toString());
        if (*it < last)
            return QStringLiteral("%1 (row %2) after row %3").arg(e.key.toString()).arg(*it).arg(last);
        last = *it;
        if (e.kind != ConnectionEvent::Kind::Vanished)
            eventRows << e.id;
    }
    QList<quint64> rowIds;
    for (const RowUpdate &r : delta.rows)
        rowIds << r.id;
    if (rowIds != eventRows + delta.updated)
        return QStringLiteral("rows are not the events' then the updated ones");
    last = -1;
    for (qsizetype i = eventRows.size(); i < delta.rows.size(); ++i) {
        const qsizetype at = position.value(ConnectionKey::of(delta.rows[i].record), -1);
        if (at < last)
            return QStringLiteral("updated row %1 before row %2").arg(last).arg(at);
        last = at;
    }
    return {};
}

// Runs the polls through a new tracker, listing each poll's rows in the order `reorder` gives,
// and checks what the deltas say about ids against each other: a connection keeps its id
// from Appeared to Vanished, and every changed row carries the id of its connection.
struct Run
{
    QList<TrackerDelta> deltas;
    QString error;
    int liveCount = 0;
};

Run runPolls(const QList<QList<SocketRecord>> &polls,
             const std::function<void(int poll, QList<SocketRecord> &rows)> &reorder)
{
    Run run;
    ConnectionTracker tracker;
    QHash<ConnectionKey, quint64> live;
    for (int p = 0; p < polls.size(); ++p) {
        QList<SocketRecord> rows = polls[p];
        reorder(p, rows);
        const Snapshot snapshot = at(p * 100, rows);
        const TrackerDelta delta = tracker.update(snapshot);
        run.deltas << delta;
        const QString wrongOrder = misorder(delta, snapshot);
        if (!wrongOrder.isEmpty() && run.error.isEmpty())
            run.error = QStringLiteral("poll %1: %2").arg(p).arg(wrongOrder);
        for (const ConnectionEvent &e : delta.events) {
            if (e.kind == ConnectionEvent::Kind::Appeared) {
                if (live.contains(e.key) && run.error.isEmpty())
                    run.error = QStringLiteral("poll %1: %2 appeared twice").arg(p).arg(e.key.toString());
                live.insert(e.key, e.id);
            } else if (live.value(e.key) != e.id && run.error.isEmpty()) {
                run.error = QStringLiteral("poll %1: event for %2 names %3").arg(p).arg(e.key.toString()).arg(e.id);
            } else if (e.kind == ConnectionEvent::Kind::Vanished) {
                live.remove(e.key);
            }
        }
        for (const RowUpdate &r : delta.rows) {
            if (live.value(ConnectionKey::of(r.record)) != r.id && run.error.isEmpty())
                run.error = QStringLiteral("poll %1: row of %2 names %3").arg(p).arg(recordText(r.record)).arg(r.id);
        }
        if (tracker.liveCount() != live.size() && run.error.isEmpty())
            run.error = QStringLiteral("poll %1: %2 live, events say %3").arg(p).arg(tracker.liveCount()).arg(live.size());
    }
    run.liveCount = tracker.liveCount();
    return run;
}

SocketRecord owned(SocketRecord r)
{
    r.ownerStatus = OwnerStatus::Process;
    r.owners = {SocketOwner{qint32(r.inode.value_or(0)), QStringLiteral("curl")}};
    return r;
}

SocketRecord kernelOnly(SocketRecord r)
{
    r.ownerStatus = OwnerStatus::KernelOnly;
    return r;
}

// A machine's TCP table over many polls, each in the kernel's order: connections open at
// random places in it, change state and queues, close, reuse their 4-tuple or get another
// real inode, move; now and then the kernel lists a row twice.
QList<QList<SocketRecord>> churningTable(int polls, int size, quint32 seed)
{
    QRandomGenerator random(seed);
    quint16 nextPort = 10000;
    quint64 nextInode = 1000;
    const auto open = [&] { return owned(row(nextPort++, 8000, TcpState::Established, nextInode++)); };
    QList<SocketRecord> table;
    table << row(8000, 0, TcpState::Listen, 1) << row(8000, 0, TcpState::Listen, 2); // SO_REUSEPORT
    while (table.size() < size)
        table << open();

    QList<QList<SocketRecord>> out;
    for (int p = 0; p < polls; ++p) {
        const int changes = random.bounded(4);
        for (int c = 0; c < changes; ++c) {
            if (table.size() < size / 2 + 1) {
                table.insert(random.bounded(table.size() + 1), open());
                continue;
            }
            const qsizetype i = random.bounded(table.size());
            SocketRecord &r = table[i];
            switch (random.bounded(7)) {
            case 0:
                table.insert(random.bounded(table.size() + 1), open());
                break;
            case 1:
                table.removeAt(i);
                break;
            case 2: // toward the end of the connection, then the next one on the same 4-tuple
                if (r.state == TcpState::Established) {
                    r.state = TcpState::FinWait1;
                } else if (r.state == TcpState::FinWait1) {
                    r.state = TcpState::FinWait2;
                } else if (r.state == TcpState::FinWait2) {
                    r = kernelOnly(r);
                    r.state = TcpState::TimeWait;
                    r.inode = 0;
                } else if (r.state == TcpState::TimeWait) {
                    r = owned(row(r.local.port, 8000, TcpState::SynSent, nextInode++));
                } else if (r.state == TcpState::SynSent) {
                    r.state = TcpState::Established;
                }
                break;
            case 3:
                r.rxQueue = (r.rxQueue + 1) % 5;
                break;
            case 4: // another real inode: another connection
                if (r.inode.value_or(0) != 0)
                    r = owned(row(r.local.port, r.remote.port, r.state, nextInode++));
                break;
            case 5: {
                const SocketRecord moved = table.takeAt(i);
                table.insert(random.bounded(table.size() + 1), moved);
                break;
            }
            case 6:
                r.timerRemainingMs += 200; // changes, though nothing the table shows
                break;
            }
        }
        QList<SocketRecord> listed = table;
        if (random.bounded(6) == 0)
            listed.insert(random.bounded(listed.size() + 1), table[random.bounded(table.size())]);
        out << listed;
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
    void shouldReportTheSameChangesWhateverOrderRowsAreListedIn_data();
    void shouldReportTheSameChangesWhateverOrderRowsAreListedIn();
    void shouldFollowEveryRowWhenOneIsInsertedAtTheFront();
    void shouldReportOnlyTheRowThatVanishedFromTheMiddle();
    void shouldTreatAReused4TupleListedElsewhereAsANewConnection();
    void shouldCountDuplicateKeysWhereverTheyAreListed();
    void shouldNotMistakeTheRoomAClosedConnectionLeftForARow();
    void shouldGiveTheSameDeltasForAnyListingOfAChurningTable_data();
    void shouldGiveTheSameDeltasForAnyListingOfAChurningTable();
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

void TestConnectionTracker::shouldReportTheSameChangesWhateverOrderRowsAreListedIn_data()
{
    // How the polls after the first list their rows.
    QTest::addColumn<int>("shift"); // rotated by this many, after:
    QTest::addColumn<bool>("reverse");
    QTest::addColumn<bool>("swapPairs");
    QTest::addColumn<bool>("shuffle");
    QTest::newRow("as the table") << 0 << false << false << false;
    QTest::newRow("reversed") << 0 << true << false << false;
    QTest::newRow("rotated by one") << 1 << false << false << false;
    QTest::newRow("rotated by half") << 5 << false << false << false;
    QTest::newRow("every row one place off") << 0 << false << true << false;
    QTest::newRow("reversed and rotated") << 3 << true << false << false;
    QTest::newRow("shuffled") << 0 << false << false << true;
}

void TestConnectionTracker::shouldReportTheSameChangesWhateverOrderRowsAreListedIn()
{
    QFETCH(int, shift);
    QFETCH(bool, reverse);
    QFETCH(bool, swapPairs);
    QFETCH(bool, shuffle);

    // Ports 40001..40008 are connections 1..8.
    QList<SocketRecord> t;
    for (quint16 i = 1; i <= 8; ++i)
        t << owned(row(40000 + i, 8000, TcpState::Established, 100 + i));
    const auto port = [&t](quint16 p) -> SocketRecord & {
        return *std::find_if(t.begin(), t.end(), [p](const SocketRecord &r) { return r.local.port == p; });
    };
    QList<QList<SocketRecord>> polls{t};
    QList<QStringList> expected{{"appeared 1 :40001 ESTABLISHED", "appeared 2 :40002 ESTABLISHED",
                                 "appeared 3 :40003 ESTABLISHED", "appeared 4 :40004 ESTABLISHED",
                                 "appeared 5 :40005 ESTABLISHED", "appeared 6 :40006 ESTABLISHED",
                                 "appeared 7 :40007 ESTABLISHED", "appeared 8 :40008 ESTABLISHED",
                                 "row 1", "row 2", "row 3", "row 4", "row 5", "row 6", "row 7", "row 8",
                                 "duplicates 0"}};
    // A connection opens at the front.
    t.prepend(owned(row(40100, 8000, TcpState::Established, 200)));
    polls << t;
    expected << QStringList{"appeared 9 :40100 ESTABLISHED", "row 9", "duplicates 0"};
    // One in the middle closes, another starts to.
    t.removeAt(4);
    port(40002).state = TcpState::FinWait1;
    polls << t;
    expected << QStringList{"changed 2 :40002 ESTABLISHED->FIN_WAIT1", "vanished 4 :40004 ESTABLISHED", "row 2",
                            "duplicates 0"};
    // A queue fills; the kernel lists one row twice.
    port(40006).rxQueue = 3;
    polls << t + QList<SocketRecord>{port(40003)};
    expected << QStringList{"row 6", "updated 6", "duplicates 1"};
    // Another connection on 40005's 4-tuple (another real inode), listed first; 40002 goes on.
    SocketRecord again = owned(row(40005, 8000, TcpState::Established, 205));
    t.removeOne(port(40005));
    t.prepend(again);
    port(40002).state = TcpState::FinWait2;
    polls << t;
    expected << QStringList{"vanished 5 :40005 ESTABLISHED", "appeared 10 :40005 ESTABLISHED",
                            "changed 2 :40002 FIN_WAIT1->FIN_WAIT2", "row 10", "row 2", "duplicates 0"};
    // 40007 closes; 40008 is in TIME_WAIT (its process carried); one opens in the middle, listed twice.
    t.removeOne(port(40007));
    port(40008) = kernelOnly(row(40008, 8000, TcpState::TimeWait, 0));
    const SocketRecord opened = owned(row(40101, 8000, TcpState::SynSent, 201));
    t.insert(3, opened);
    polls << t + QList<SocketRecord>{opened};
    expected << QStringList{"appeared 11 :40101 SYN_SENT", "changed 8 :40008 ESTABLISHED->TIME_WAIT",
                            "vanished 7 :40007 ESTABLISHED", "row 11", "row 8", "duplicates 1"};
    // Nothing changes.
    polls << t;
    expected << QStringList{"duplicates 0"};
    // Two queues change; two connections close at once.
    port(40001).txQueue = 10;
    port(40003).rxQueue = 1;
    t.removeOne(port(40006));
    t.removeOne(port(40100));
    polls << t;
    expected << QStringList{"vanished 6 :40006 ESTABLISHED", "vanished 9 :40100 ESTABLISHED", "row 1", "row 3",
                            "updated 1", "updated 3", "duplicates 0"};

    QRandomGenerator random(7);
    const auto reorder = [&](int poll, QList<SocketRecord> &rows) {
        if (poll == 0)
            return; // ids in the listed order
        if (reverse)
            std::reverse(rows.begin(), rows.end());
        if (swapPairs) {
            for (qsizetype i = 0; i + 1 < rows.size(); i += 2)
                std::swap(rows[i], rows[i + 1]);
        }
        if (shuffle)
            std::shuffle(rows.begin(), rows.end(), random);
        std::rotate(rows.begin(), rows.begin() + shift % rows.size(), rows.end());
    };
    const Run run = runPolls(polls, reorder);
    QVERIFY2(run.error.isEmpty(), qPrintable(run.error));
    const bool asListed = shift == 0 && !reverse && !swapPairs && !shuffle;
    for (int p = 0; p < polls.size(); ++p) {
        // Each poll opens at most one connection, so ids do not depend on the order either.
        QStringList got = describeDelta(run.deltas[p]);
        QStringList want = expected[p];
        if (!asListed) {
            got.sort();
            want.sort();
        }
        QVERIFY2(got == want, qPrintable(QStringLiteral("poll %1: %2").arg(p).arg(got.join(QStringLiteral(", ")))));
    }
    QCOMPARE(run.liveCount, 6);
}

void TestConnectionTracker::shouldFollowEveryRowWhenOneIsInsertedAtTheFront()
{
    // Every row moves one place down; none of them changed.
    ConnectionTracker tracker;
    QList<SocketRecord> t;
    for (quint16 i = 0; i < 100; ++i)
        t << row(30000 + i, 443, TcpState::Established, 1000 + i);
    tracker.update(at(0, t));
    t.prepend(row(29999, 443, TcpState::SynSent, 999));
    QCOMPARE(describeDelta(tracker.update(at(100, t))),
             (QStringList{"appeared 101 :29999 SYN_SENT", "row 101", "duplicates 0"}));
    t[50].rxQueue = 4; // connection 50
    t[0].state = TcpState::Established;
    QCOMPARE(describeDelta(tracker.update(at(200, t))),
             (QStringList{"changed 101 :29999 SYN_SENT->ESTABLISHED", "row 101", "row 50", "updated 50",
                          "duplicates 0"}));
    t.removeFirst();
    t.prepend(row(29998, 443, TcpState::SynSent, 998));
    t.prepend(row(29997, 443, TcpState::SynSent, 997));
    QCOMPARE(describeDelta(tracker.update(at(300, t))),
             (QStringList{"appeared 102 :29997 SYN_SENT", "appeared 103 :29998 SYN_SENT",
                          "vanished 101 :29999 ESTABLISHED", "row 102", "row 103", "duplicates 0"}));
    QVERIFY(tracker.update(at(400, t)).isEmpty());
    QCOMPARE(tracker.liveCount(), 102);
}

void TestConnectionTracker::shouldReportOnlyTheRowThatVanishedFromTheMiddle()
{
    ConnectionTracker tracker;
    QList<SocketRecord> t;
    for (quint16 i = 0; i < 5; ++i)
        t << row(30000 + i, 443, TcpState::Established, 1000 + i);
    tracker.update(at(0, t));
    const SocketRecord middle = t.takeAt(2);
    QCOMPARE(describeDelta(tracker.update(at(100, t))),
             (QStringList{"vanished 3 :30002 ESTABLISHED", "duplicates 0"}));
    QVERIFY(tracker.update(at(200, t)).isEmpty());
    // Back where it was: as far as the kernel's table tells, another connection.
    t.insert(2, middle);
    QCOMPARE(describeDelta(tracker.update(at(300, t))),
             (QStringList{"appeared 6 :30002 ESTABLISHED", "row 6", "duplicates 0"}));
    // Two gone on either side of it, and the last one changes.
    t.removeAt(3);
    t.removeAt(1);
    t.last().state = TcpState::CloseWait;
    QCOMPARE(describeDelta(tracker.update(at(400, t))),
             (QStringList{"changed 5 :30004 ESTABLISHED->CLOSE_WAIT", "vanished 2 :30001 ESTABLISHED",
                          "vanished 4 :30003 ESTABLISHED", "row 5", "duplicates 0"}));
    QCOMPARE(tracker.liveCount(), 3);
}

void TestConnectionTracker::shouldTreatAReused4TupleListedElsewhereAsANewConnection()
{
    ConnectionTracker tracker;
    QList<SocketRecord> t{row(30000, 443, TcpState::Established, 10), row(30001, 443, TcpState::TimeWait, 0),
                          row(30002, 443, TcpState::Established, 12), row(30003, 443, TcpState::Established, 13)};
    tracker.update(at(0, t));
    // The TIME_WAIT 4-tuple connects again, and the kernel lists it last.
    t.removeAt(1);
    t << row(30001, 443, TcpState::SynSent, 20);
    QCOMPARE(describeDelta(tracker.update(at(100, t))),
             (QStringList{"vanished 2 :30001 TIME_WAIT", "appeared 5 :30001 SYN_SENT", "row 5", "duplicates 0"}));
    // Then first, established; and 30003 gets another real inode in place.
    t.prepend(t.takeLast());
    t[0].state = TcpState::Established;
    t[3].inode = 14;
    QCOMPARE(describeDelta(tracker.update(at(200, t))),
             (QStringList{"changed 5 :30001 SYN_SENT->ESTABLISHED", "vanished 4 :30003 ESTABLISHED",
                          "appeared 6 :30003 ESTABLISHED", "row 5", "row 6", "duplicates 0"}));
    QVERIFY(tracker.update(at(300, t)).isEmpty());
    QCOMPARE(tracker.liveCount(), 4);
    QCOMPARE(tracker.historyCount(), 6);
}

void TestConnectionTracker::shouldCountDuplicateKeysWhereverTheyAreListed()
{
    ConnectionTracker tracker;
    const SocketRecord a = row(30000, 443, TcpState::Established, 10);
    const SocketRecord b = row(30001, 443, TcpState::Established, 11);
    const SocketRecord c = row(30002, 443, TcpState::Established, 12);
    SocketRecord aFull = a;
    aFull.rxQueue = 7;
    tracker.update(at(0, {a, b, c}));
    // The first listing counts, wherever it is; a later one with the same key is only counted.
    QCOMPARE(describeDelta(tracker.update(at(100, {b, a, c, aFull}))), (QStringList{"duplicates 1"}));
    QCOMPARE(describeDelta(tracker.update(at(200, {aFull, b, a, c}))), (QStringList{"row 1", "updated 1", "duplicates 1"}));
    QCOMPARE(describeDelta(tracker.update(at(300, {a, a, b, a, c, c}))),
             (QStringList{"row 1", "updated 1", "duplicates 3"}));
    // A new connection listed twice, and a new incarnation listed twice.
    const SocketRecord d = row(30003, 443, TcpState::SynSent, 13);
    const SocketRecord bAgain = row(30001, 443, TcpState::Established, 21);
    QCOMPARE(describeDelta(tracker.update(at(400, {d, a, bAgain, c, d, bAgain}))),
             (QStringList{"appeared 4 :30003 SYN_SENT", "vanished 2 :30001 ESTABLISHED", "appeared 5 :30001 ESTABLISHED",
                          "row 4", "row 5", "duplicates 2"}));
    QCOMPARE(tracker.liveCount(), 4);
    // Listed twice, then once at the other place: nothing changed.
    QVERIFY(tracker.update(at(500, {a, bAgain, c, d})).isEmpty());
}

void TestConnectionTracker::shouldNotMistakeTheRoomAClosedConnectionLeftForARow()
{
    // A row whose key fields are all zero, as a damaged dump file can hold, listed where a
    // connection that closed was: it is a new connection like any other.
    ConnectionTracker tracker;
    QList<SocketRecord> t;
    for (quint16 i = 0; i < 100; ++i)
        t << row(30000 + i, 443, TcpState::Established, 1000 + i);
    tracker.update(at(0, t));
    t.removeAt(50);
    QCOMPARE(describeDelta(tracker.update(at(100, t))), (QStringList{"vanished 51 :30050 ESTABLISHED", "duplicates 0"}));
    SocketRecord zero;
    zero.inode = 0;
    t.insert(50, zero);
    QCOMPARE(describeDelta(tracker.update(at(200, t))), (QStringList{"appeared 101 :0 CLOSE", "row 101", "duplicates 0"}));
    QVERIFY(tracker.update(at(300, t)).isEmpty());
    // Most of them close: what is left is still followed.
    QList<SocketRecord> left;
    for (qsizetype i = 0; i < t.size(); i += 3)
        left << t[i];
    left[5].rxQueue = 9;
    const TrackerDelta delta = tracker.update(at(400, left));
    QCOMPARE(delta.events.size(), t.size() - left.size());
    QCOMPARE(delta.updated, QList<quint64>{16});
    QCOMPARE(tracker.liveCount(), left.size());
    std::reverse(left.begin(), left.end());
    QVERIFY(tracker.update(at(500, left)).isEmpty());
    QCOMPARE(tracker.liveCount(), left.size());
}

void TestConnectionTracker::shouldGiveTheSameDeltasForAnyListingOfAChurningTable_data()
{
    QTest::addColumn<int>("size");
    QTest::addColumn<quint32>("seed");
    QTest::newRow("a few rows") << 6 << 1u;
    QTest::newRow("some rows") << 40 << 2u;
    QTest::newRow("many rows") << 400 << 3u;
}

void TestConnectionTracker::shouldGiveTheSameDeltasForAnyListingOfAChurningTable()
{
    QFETCH(int, size);
    QFETCH(quint32, seed);
    const QList<QList<SocketRecord>> polls = churningTable(300, size, seed);
    const Run asListed = runPolls(polls, [](int, QList<SocketRecord> &) { });
    QVERIFY2(asListed.error.isEmpty(), qPrintable(asListed.error));

    QRandomGenerator random(seed);
    const QList<std::pair<const char *, std::function<void(int, QList<SocketRecord> &)>>> listings{
        {"shuffled", [&random](int, QList<SocketRecord> &rows) { std::shuffle(rows.begin(), rows.end(), random); }},
        {"reversed", [](int, QList<SocketRecord> &rows) { std::reverse(rows.begin(), rows.end()); }},
        {"rotated a little more each poll",
         [](int poll, QList<SocketRecord> &rows) {
             if (!rows.isEmpty())
                 std::rotate(rows.begin(), rows.begin() + poll % rows.size(), rows.end());
         }},
        {"reversed every other poll",
         [](int poll, QList<SocketRecord> &rows) {
             if (poll % 2)
                 std::reverse(rows.begin(), rows.end());
         }},
    };
    for (const auto &[name, reorder] : listings) {
        const Run other = runPolls(polls, reorder);
        QVERIFY2(other.error.isEmpty(), qPrintable(QStringLiteral("%1: %2").arg(name, other.error)));
        for (int p = 0; p < polls.size(); ++p) {
            const QStringList want = canonical(asListed.deltas[p]);
            const QStringList got = canonical(other.deltas[p]);
            QVERIFY2(got == want, qPrintable(QStringLiteral("%1, poll %2: %3 instead of %4")
                                                 .arg(name)
                                                 .arg(p)
                                                 .arg(got.join(QStringLiteral("; ")), want.join(QStringLiteral("; ")))));
        }
        QCOMPARE(other.liveCount, asListed.liveCount);
    }
}

QTEST_GUILESS_MAIN(TestConnectionTracker)
#include "tst_connectiontracker.moc"
