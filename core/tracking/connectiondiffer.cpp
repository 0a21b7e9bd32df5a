// SPDX-License-Identifier: GPL-3.0-or-later
#include "connectiondiffer.h"

#include "core/tcp/tcpstatemachine.h"

#include <algorithm>
#include <type_traits>

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

// Whether two rows have the same ConnectionKey, without building either key.
bool sameKey(const SocketRecord &a, const SocketRecord &b)
{
    return a.local.port == b.local.port && a.remote.port == b.remote.port && a.family == b.family
        && a.local == b.local && a.remote == b.remote
        && (a.remote.port != 0 || a.inode.value_or(0) == b.inode.value_or(0));
}

// A row listed out of place costs a hash lookup on every poll, laying the entries out anew one
// pass of moves over all of them: worth it once one row in this many is out of place.
constexpr qsizetype outOfPlaceShare = 32;

} // namespace

ConnectionEvent ConnectionDiffer::vanished(const Live &live, const ConnectionKey &key, const Snapshot &snapshot)
{
    ConnectionEvent event = eventOf(ConnectionEvent::Kind::Vanished, live.id, key, snapshot);
    event.from = live.latest.state;
    event.msInFrom = msBetween(live.stateSinceNs, snapshot.steadyNs);
    return event;
}

qsizetype ConnectionDiffer::appear(const ConnectionKey &key, const SocketRecord &record, const Snapshot &snapshot,
                                   TrackerDelta &delta)
{
    // Growing the array moves every entry: cheaply only if moving cannot throw.
    static_assert(std::is_nothrow_move_constructible_v<Live>);
    qsizetype slot;
    if (!m_free.empty()) {
        slot = m_free.back();
        m_free.pop_back();
    } else {
        slot = qsizetype(m_slots.size());
        m_slots.emplace_back();
        m_listedIn.push_back(0);
    }
    m_index.insert(key, slot);
    m_listedIn[size_t(slot)] = m_round;
    appearIn(slot, key, record, snapshot, delta);
    return slot;
}

void ConnectionDiffer::appearIn(qsizetype slot, const ConnectionKey &key, const SocketRecord &record,
                                const Snapshot &snapshot, TrackerDelta &delta)
{
    const quint64 id = m_nextId++;
    m_slots[size_t(slot)] = Live{id, record, snapshot.steadyNs};
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
    const qsizetype wasLive = m_index.size();
    if (m_slots.empty()) {
        m_slots.reserve(size_t(snapshot.records.size()));
        m_listedIn.reserve(size_t(snapshot.records.size()));
        m_index.reserve(snapshot.records.size());
    }
    m_listed.clear();
    qsizetype relisted = 0;   // connections already live that this poll lists again
    qsizetype outOfPlace = 0; // of those, how many were not where the previous row leads
    size_t next = 0;          // the slot after the one the previous row matched

    QList<RowUpdate> updated; // after the events' rows, in the order seen
    for (const SocketRecord &row : snapshot.records) {
        // Past the room connections that left have made: an emptied slot's key is all zeros,
        // which a damaged row can have too.
        while (next < m_listedIn.size() && m_listedIn[next] == 0)
            ++next;
        qsizetype slot;
        if (next < m_slots.size() && sameKey(m_slots[next].latest, row)) {
            slot = qsizetype(next++);
        } else {
            const ConnectionKey key = ConnectionKey::of(row);
            const auto it = m_index.constFind(key);
            if (it == m_index.cend()) {
                m_listed.push_back(appear(key, row, snapshot, delta));
                continue;
            }
            slot = it.value();
            if (m_listedIn[size_t(slot)] != round) {
                next = size_t(slot) + 1; // the rows after this one are likely to follow it again
                ++outOfPlace;
            }
        }
        quint64 &listedIn = m_listedIn[size_t(slot)];
        if (listedIn == round) {
            ++delta.duplicateRows; // an earlier row of this snapshot had the key
            continue;
        }
        listedIn = round;
        ++relisted;
        m_listed.push_back(slot);
        Live &live = m_slots[size_t(slot)];
        if (isNewIncarnation(live.latest, row)) {
            const ConnectionKey key = ConnectionKey::of(row);
            delta.events.append(vanished(live, key, snapshot));
            appearIn(slot, key, row, snapshot, delta);
            continue;
        }
        if (row.state != live.latest.state) {
            ConnectionEvent event =
                eventOf(ConnectionEvent::Kind::StateChanged, live.id, ConnectionKey::of(row), snapshot);
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

    if (relisted < wasLive)
        vanishUnlisted(snapshot, delta);
    delta.rows.append(updated);

    Q_ASSERT(m_listed.size() == size_t(m_index.size())); // every live connection, once
    // Also when most of the room is empty, after many connections closed: it is walked on
    // every poll.
    if (outOfPlace > m_index.size() / outOfPlaceShare || qsizetype(m_free.size()) > m_index.size())
        layOut();
    return delta;
}

void ConnectionDiffer::vanishUnlisted(const Snapshot &snapshot, TrackerDelta &delta)
{
    const qsizetype first = delta.events.size();
    for (size_t slot = 0; slot < m_listedIn.size(); ++slot) {
        if (m_listedIn[slot] == 0 || m_listedIn[slot] == m_round)
            continue;
        Live &live = m_slots[slot];
        const ConnectionKey key = ConnectionKey::of(live.latest);
        delta.events.append(vanished(live, key, snapshot));
        m_index.remove(key);
        live = Live();
        m_listedIn[slot] = 0;
        m_free.push_back(qsizetype(slot));
    }
    // Oldest connection first among those that left, so that output is stable.
    std::sort(delta.events.begin() + first, delta.events.end(),
              [](const ConnectionEvent &a, const ConnectionEvent &b) { return a.id < b.id; });
}

void ConnectionDiffer::layOut()
{
    std::vector<Live> laidOut;
    laidOut.reserve(m_listed.size() + m_listed.size() / 4); // room to grow before moving them all again
    std::vector<qsizetype> movedTo(m_slots.size(), -1);
    for (qsizetype slot : m_listed) {
        movedTo[size_t(slot)] = qsizetype(laidOut.size());
        laidOut.push_back(std::move(m_slots[size_t(slot)]));
    }
    for (auto it = m_index.begin(); it != m_index.end(); ++it)
        it.value() = movedTo[size_t(it.value())];
    m_slots = std::move(laidOut);
    m_listedIn.assign(m_slots.size(), m_round);
    m_free.clear();
}

void ConnectionDiffer::clear()
{
    m_slots = {};
    m_listedIn = {};
    m_free = {};
    m_listed = {};
    m_index.clear();
    m_round = 0;
    // Ids keep counting: a store may still hold the old ones.
}

} // namespace sockscope
