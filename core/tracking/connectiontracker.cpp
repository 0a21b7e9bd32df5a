// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectiontracker.h"

#include "../tcp/tcpstatemachine.h"

#include <QSet>

namespace sockscope {

namespace {

qint64 msBetween(qint64 fromNs, qint64 toNs)
{
    return qMax<qint64>(0, (toNs - fromNs) / 1000000);
}

StateSpan openSpan(TcpState state, const Snapshot &snapshot)
{
    StateSpan span;
    span.state = state;
    span.firstSeenNs = span.lastSeenNs = snapshot.steadyNs;
    span.firstSeenWallMs = span.lastSeenWallMs = snapshot.wallTimeMs;
    span.polls = 1;
    return span;
}

void noteInode(ConnectionHistory &h, const SocketRecord &record)
{
    if (record.inode && *record.inode != 0 && !h.inodes.contains(*record.inode))
        h.inodes.append(*record.inode);
}

// The kernel drops a connection's inode when no process holds it any more (TIME_WAIT, or
// orphaned after close()). The process that held it before is carried forward, marked as
// carried: the table can still say whose connection it was. `scratch` holds the copy.
const SocketRecord &carryOwner(const ConnectionHistory &h, const SocketRecord &record, SocketRecord &scratch)
{
    if (record.ownerStatus != OwnerStatus::KernelOnly || h.latest.owners.isEmpty()
        || (h.latest.ownerStatus != OwnerStatus::Process && h.latest.ownerStatus != OwnerStatus::Carried))
        return record;
    scratch = record;
    scratch.ownerStatus = OwnerStatus::Carried;
    scratch.owners = h.latest.owners;
    return scratch;
}

} // namespace

ConnectionTracker::ConnectionTracker(QObject *parent) : QObject(parent) { }

bool ConnectionTracker::isNewIncarnation(const ConnectionHistory &h, const SocketRecord &record)
{
    const quint64 oldInode = h.latest.inode.value_or(0);
    const quint64 newInode = record.inode.value_or(0);
    if (oldInode != 0 && newInode != 0 && oldInode != newInode)
        return true;
    return !TcpStateMachine::isReachable(h.state(), record.state,
                                         TcpStateMachine::Through::NotClosed);
}

quint64 ConnectionTracker::appear(const ConnectionKey &key, const SocketRecord &record,
                                  const Snapshot &snapshot, TrackerDelta &delta)
{
    ConnectionHistory h;
    h.id = m_nextId++;
    h.key = key;
    h.latest = record;
    h.addSpan(openSpan(record.state, snapshot));
    noteInode(h, record);
    h.addSample(snapshot.steadyNs, snapshot.wallTimeMs, record);
    const quint64 id = h.id;
    m_histories.insert(id, std::move(h));
    m_live.insert(key, id);

    ConnectionEvent event;
    event.kind = ConnectionEvent::Kind::Appeared;
    event.id = id;
    event.key = key;
    event.to = record.state;
    event.wallTimeMs = snapshot.wallTimeMs;
    delta.events.append(event);
    Q_EMIT connectionAppeared(event);
    return id;
}

void ConnectionTracker::vanish(ConnectionHistory &h, const Snapshot &snapshot, TrackerDelta &delta)
{
    h.alive = false;
    h.vanishedNs = snapshot.steadyNs;
    h.vanishedWallMs = snapshot.wallTimeMs;
    h.compactClosed();
    m_live.remove(h.key);
    m_seenInRound.remove(h.id);
    m_vanishedOrder.push_back(h.id);

    ConnectionEvent event;
    event.kind = ConnectionEvent::Kind::Vanished;
    event.id = h.id;
    event.key = h.key;
    event.from = h.state();
    event.msInFrom = msBetween(h.spans.last().firstSeenNs, snapshot.steadyNs);
    event.wallTimeMs = snapshot.wallTimeMs;
    delta.events.append(event);
    Q_EMIT connectionVanished(event);
}

TrackerDelta ConnectionTracker::update(const Snapshot &snapshot)
{
    TrackerDelta delta;
    delta.wallTimeMs = snapshot.wallTimeMs;
    delta.steadyNs = snapshot.steadyNs;
    const quint64 round = ++m_snapshots;

    QSet<ConnectionKey> keysThisRound;
    keysThisRound.reserve(snapshot.records.size());

    SocketRecord scratch;
    for (const SocketRecord &row : snapshot.records) {
        const ConnectionKey key = ConnectionKey::of(row);
        if (keysThisRound.contains(key)) {
            ++delta.duplicateRows;
            continue;
        }
        keysThisRound.insert(key);

        const auto live = m_live.constFind(key);
        if (live == m_live.constEnd()) {
            m_seenInRound.insert(appear(key, row, snapshot, delta), round);
            continue;
        }

        ConnectionHistory &h = m_histories[live.value()];
        if (isNewIncarnation(h, row)) {
            vanish(h, snapshot, delta);
            m_seenInRound.insert(appear(key, row, snapshot, delta), round);
            continue;
        }
        const SocketRecord &record = carryOwner(h, row, scratch);

        m_seenInRound.insert(h.id, round);
        StateSpan &span = h.spans.last();
        if (span.state != record.state) {
            ConnectionEvent event;
            event.kind = ConnectionEvent::Kind::StateChanged;
            event.id = h.id;
            event.key = key;
            event.from = span.state;
            event.to = record.state;
            event.msInFrom = msBetween(span.firstSeenNs, snapshot.steadyNs);
            event.wallTimeMs = snapshot.wallTimeMs;
            h.addSpan(openSpan(record.state, snapshot));
            h.latest = record;
            noteInode(h, record);
            h.addSample(snapshot.steadyNs, snapshot.wallTimeMs, record);
            delta.events.append(event);
            Q_EMIT stateChanged(event);
            continue;
        }

        span.lastSeenNs = snapshot.steadyNs;
        span.lastSeenWallMs = snapshot.wallTimeMs;
        ++span.polls;
        if (h.latest != record) {
            if (record.differsVisiblyFrom(h.latest))
                h.addSample(snapshot.steadyNs, snapshot.wallTimeMs, record);
            h.latest = record;
            noteInode(h, record);
            delta.updated.append(h.id);
        }
    }

    QList<quint64> gone;
    for (auto it = m_seenInRound.cbegin(); it != m_seenInRound.cend(); ++it) {
        if (it.value() != round)
            gone.append(it.key());
    }
    std::sort(gone.begin(), gone.end()); // oldest connection first, so output is stable
    for (quint64 id : gone)
        vanish(m_histories[id], snapshot, delta);

    forgetOldVanished();
    return delta;
}

void ConnectionTracker::forgetOldVanished()
{
    while (m_vanishedOrder.size() > size_t(qMax(0, m_vanishedRetention))) {
        m_histories.remove(m_vanishedOrder.front());
        m_vanishedOrder.pop_front();
        ++m_forgotten;
    }
}

const ConnectionHistory *ConnectionTracker::history(quint64 id) const
{
    const auto it = m_histories.constFind(id);
    return it == m_histories.constEnd() ? nullptr : &it.value();
}

QList<ConnectionHistory> ConnectionTracker::historiesOf(const TrackerDelta &delta) const
{
    QList<ConnectionHistory> out;
    out.reserve(delta.events.size() + delta.updated.size());
    QSet<quint64> seen;
    const auto add = [&](quint64 id) {
        if (seen.contains(id))
            return;
        seen.insert(id);
        if (const ConnectionHistory *h = history(id))
            out.append(*h);
    };
    for (const ConnectionEvent &e : delta.events)
        add(e.id);
    for (quint64 id : delta.updated)
        add(id);
    return out;
}

const ConnectionHistory *ConnectionTracker::findLive(const ConnectionKey &key) const
{
    const auto it = m_live.constFind(key);
    return it == m_live.constEnd() ? nullptr : history(it.value());
}

QList<quint64> ConnectionTracker::liveIds() const
{
    QList<quint64> ids = m_live.values();
    std::sort(ids.begin(), ids.end());
    return ids;
}

void ConnectionTracker::setVanishedRetention(int count)
{
    m_vanishedRetention = qMax(0, count);
    forgetOldVanished();
}

void ConnectionTracker::clear()
{
    m_histories.clear();
    m_live.clear();
    m_seenInRound.clear();
    m_vanishedOrder.clear();
    m_snapshots = 0;
    m_forgotten = 0;
}

} // namespace sockscope
