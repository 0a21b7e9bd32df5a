// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectionhistory.h"

#include "core/model/snapshot.h"

#include <QHash>

#include <vector>

namespace sockscope {

// The one place a poll is compared with the one before: turns successive snapshots into
// change events (appeared, state changed with the time spent in the old state, vanished) and
// the rows that changed, without keeping any history. It runs where the poll is taken (the
// poller's thread); a ConnectionStore builds the histories from what it reports, wherever
// they are looked at.
//
// A connection is identified by family and 4-tuple (ConnectionKey). Its inode may change
// (0 in the accept queue, real after accept(), 0 in TIME_WAIT) without making it a different
// connection. A row counts as a new connection reusing the same 4-tuple when its state cannot
// follow the previous one without passing through CLOSED, or when one real inode is replaced
// by another.
class ConnectionDiffer
{
public:
    // The delta's events and `rows` (see TrackerDelta): what this snapshot changed.
    //
    // The kernel lists its sockets in the same order poll after poll (its hash table's), so the
    // differ keeps them in one array laid out in the order of a previous listing, and compares
    // each row first with the entry after the one the previous row matched: memory read in
    // sequence. An unchanged row listed where it was costs that key comparison and one
    // comparison of the whole row; a row that is new or listed elsewhere also costs a hash
    // lookup; copies are made only of rows that changed. A count tells whether anything
    // vanished; only then is a compact array of the poll that last listed each entry scanned.
    // Once one row in 32 is out of place (or most of the array is empty), the array is laid out
    // anew in this poll's order: a pass over every entry. The order only makes it fast: what a
    // poll reports does not depend on it.
    TrackerDelta update(const Snapshot &snapshot);

    int liveCount() const { return int(m_index.size()); }
    bool hasBaseline() const { return m_round > 0; }
    quint64 nextId() const { return m_nextId; }
    void clear();

private:
    struct Live
    {
        quint64 id = 0;
        SocketRecord latest;     // the row as last reported (owners carried, see carryOwner())
        qint64 stateSinceNs = 0; // the first poll that saw the current state
    };
    static ConnectionEvent vanished(const Live &live, const ConnectionKey &key, const Snapshot &snapshot);
    // A new connection in a free slot; returns the slot.
    qsizetype appear(const ConnectionKey &key, const SocketRecord &record, const Snapshot &snapshot,
                     TrackerDelta &delta);
    void appearIn(qsizetype slot, const ConnectionKey &key, const SocketRecord &record, const Snapshot &snapshot,
                  TrackerDelta &delta);
    // Vanished events, by id, for the live connections this poll did not list.
    void vanishUnlisted(const Snapshot &snapshot, TrackerDelta &delta);
    // Moves the live connections into the order this poll listed them in.
    void layOut();

    // Live connections, in a previous listing's order; those that left leave free slots,
    // which new ones take.
    std::vector<Live> m_slots;
    // The poll that last listed each slot: 0 for a free slot. Apart from m_slots so that
    // looking for vanished connections reads 8 bytes each, not a whole row.
    std::vector<quint64> m_listedIn;
    std::vector<qsizetype> m_free;
    std::vector<qsizetype> m_listed; // the slots in the order this poll listed them, for layOut()
    QHash<ConnectionKey, qsizetype> m_index; // every live connection's slot
    quint64 m_nextId = 1;
    quint64 m_round = 0;
};

} // namespace sockscope
