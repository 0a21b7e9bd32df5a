// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectionhistory.h"

#include "core/model/snapshot.h"

#include <QHash>

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
    // The delta's events and `rows` (see TrackerDelta): what this snapshot changed. Work is
    // one lookup per row, and copies only of the rows that changed.
    TrackerDelta update(const Snapshot &snapshot);

    int liveCount() const { return int(m_live.size()); }
    bool hasBaseline() const { return m_round > 0; }
    quint64 nextId() const { return m_nextId; }
    void clear();

private:
    struct Live
    {
        quint64 id = 0;
        SocketRecord latest;  // the row as last reported (owners carried, see carryOwner())
        qint64 stateSinceNs = 0; // the first poll that saw the current state
        quint64 round = 0;       // the last poll that saw it
    };
    void appear(const ConnectionKey &key, const SocketRecord &record, const Snapshot &snapshot, TrackerDelta &delta);

    QHash<ConnectionKey, Live> m_live;
    quint64 m_nextId = 1;
    quint64 m_round = 0;
};

} // namespace sockscope
