// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectiondiffer.h"

#include "core/tcp/tcpstatemachine.h"

namespace sockscope {

namespace {

qint64 msBetween(qint64 fromNs, qint64 toNs)
{
    return qMax<qint64>(0, (toNs - fromNs) / 1000000);
}

bool isNewIncarnation(const SocketRecord &latest, const SocketRecord &record)
{
    const quint64 oldInode = latest.inode.value_or(0);
    const quint64 newInode = record.inode.value_or(0);
    if (oldInode != 0 && newInode != 0 && oldInode != newInode)
        return true;
    return !TcpStateMachine::isReachable(latest.state, record.state, TcpStateMachine::Through::NotClosed);
}

// The kernel drops a connection's inode when no process holds it any more (TIME_WAIT, or
// orphaned after close()). The process that held it before is carried forward, marked as
// carried: the table can still say whose connection it was.
SocketRecord carryOwner(const SocketRecord &latest, const SocketRecord &record)
{
    if (record.ownerStatus != OwnerStatus::KernelOnly || latest.owners.isEmpty()
        || (latest.ownerStatus != OwnerStatus::Process && latest.ownerStatus != OwnerStatus::Carried))
        return record;
    SocketRecord carried = record;
    carried.ownerStatus = OwnerStatus::Carried;
    carried.owners = latest.owners;
    return carried;
}

ConnectionEvent eventOf(ConnectionEvent::Kind kind, quint64 id, const ConnectionKey &key, const Snapshot &snapshot)
{
    ConnectionEvent event;
    event.kind = kind;
    event.id = id;
    event.key = key;
    event.wallTimeMs = snapshot.wallTimeMs;
    return event;
}

} // namespace

void ConnectionDiffer::appear(const ConnectionKey &key, const SocketRecord &record, const Snapshot &snapshot,
                              TrackerDelta &delta)
{
    const quint64 id = m_nextId++;
    m_live.insert(key, Live{id, record, snapshot.steadyNs, m_round});
    ConnectionEvent event = eventOf(ConnectionEvent::Kind::Appeared, id, key, snapshot);
    event.to = record.state;
    delta.events.append(event);
    delta.rows.append({id, record, true});
}

TrackerDelta ConnectionDiffer::update(const Snapshot &snapshot)
{
    TrackerDelta delta;
    delta.wallTimeMs = snapshot.wallTimeMs;
    delta.steadyNs = snapshot.steadyNs;
    const quint64 round = ++m_round;
    if (m_live.isEmpty())
        m_live.reserve(snapshot.records.size());

    QList<RowUpdate> updated; // after the events' rows, in the order seen
    for (const SocketRecord &row : snapshot.records) {
        const ConnectionKey key = ConnectionKey::of(row);
        const auto it = m_live.find(key);
        if (it == m_live.end()) {
            appear(key, row, snapshot, delta);
            continue;
        }
        Live &live = it.value();
        if (live.round == round) {
            ++delta.duplicateRows; // an earlier row of this snapshot had the key
            continue;
        }
        if (isNewIncarnation(live.latest, row)) {
            ConnectionEvent gone = eventOf(ConnectionEvent::Kind::Vanished, live.id, key, snapshot);
            gone.from = live.latest.state;
            gone.msInFrom = msBetween(live.stateSinceNs, snapshot.steadyNs);
            delta.events.append(gone);
            m_live.erase(it);
            appear(key, row, snapshot, delta);
            continue;
        }
        live.round = round;
        if (row.state != live.latest.state) {
            ConnectionEvent event = eventOf(ConnectionEvent::Kind::StateChanged, live.id, key, snapshot);
            event.from = live.latest.state;
            event.to = row.state;
            event.msInFrom = msBetween(live.stateSinceNs, snapshot.steadyNs);
            live.latest = carryOwner(live.latest, row);
            live.stateSinceNs = snapshot.steadyNs;
            delta.events.append(event);
            delta.rows.append({live.id, live.latest, true});
            continue;
        }
        if (live.latest == row)
            continue; // the common case: nothing to copy
        SocketRecord record = carryOwner(live.latest, row);
        if (record == live.latest)
            continue;
        const bool visible = record.differsVisiblyFrom(live.latest);
        live.latest = std::move(record);
        delta.updated.append(live.id);
        updated.append({live.id, live.latest, visible});
    }

    qsizetype gone = 0;
    for (auto it = m_live.begin(); it != m_live.end();) {
        if (it->round == round) {
            ++it;
            continue;
        }
        ConnectionEvent event = eventOf(ConnectionEvent::Kind::Vanished, it->id, it.key(), snapshot);
        event.from = it->latest.state;
        event.msInFrom = msBetween(it->stateSinceNs, snapshot.steadyNs);
        ++gone;
        delta.events.append(event);
        it = m_live.erase(it);
    }
    // Oldest connection first among those that left, so that output is stable.
    if (gone > 1) {
        const qsizetype first = delta.events.size() - gone;
        std::sort(delta.events.begin() + first, delta.events.end(),
                  [](const ConnectionEvent &a, const ConnectionEvent &b) { return a.id < b.id; });
    }
    delta.rows.append(updated);
    return delta;
}

void ConnectionDiffer::clear()
{
    m_live.clear();
    m_round = 0;
    // Ids keep counting: a store may still hold the old ones.
}

} // namespace sockscope
