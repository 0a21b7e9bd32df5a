// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectionhistory.h"

#include "../model/snapshot.h"

#include <QHash>
#include <QObject>

#include <deque>

namespace sockscope {

// Turns successive snapshots into connection histories and change events.
//
// A connection is identified by family and 4-tuple (ConnectionKey). Its inode may change
// (0 in the accept queue, real after accept(), 0 in TIME_WAIT) without making it a different
// connection. A row counts as a new connection reusing the same 4-tuple when its state cannot
// follow the previous one without passing through CLOSED, or when one real inode is replaced
// by another.
class ConnectionTracker : public QObject
{
    Q_OBJECT

public:
    explicit ConnectionTracker(QObject *parent = nullptr);

    TrackerDelta update(const Snapshot &snapshot);

    const ConnectionHistory *history(quint64 id) const;
    // The current histories of every connection a delta names (events and updates).
    QList<ConnectionHistory> historiesOf(const TrackerDelta &delta) const;
    const ConnectionHistory *findLive(const ConnectionKey &key) const;
    QList<quint64> liveIds() const;
    int liveCount() const { return int(m_live.size()); }
    int historyCount() const { return int(m_histories.size()); }
    bool hasBaseline() const { return m_snapshots > 0; }

    // How many vanished connections to keep (oldest are forgotten first); live ones are
    // always kept.
    void setVanishedRetention(int count);
    int vanishedRetention() const { return m_vanishedRetention; }
    // Vanished connections forgotten beyond the retention since the last clear().
    qint64 forgottenCount() const { return m_forgotten; }

    void clear();

Q_SIGNALS:
    void connectionAppeared(const sockscope::ConnectionEvent &event);
    void stateChanged(const sockscope::ConnectionEvent &event);
    void connectionVanished(const sockscope::ConnectionEvent &event);

private:
    quint64 appear(const ConnectionKey &key, const SocketRecord &record, const Snapshot &snapshot,
                   TrackerDelta &delta);
    void vanish(ConnectionHistory &h, const Snapshot &snapshot, TrackerDelta &delta);
    void forgetOldVanished();
    static bool isNewIncarnation(const ConnectionHistory &h, const SocketRecord &record);

    QHash<quint64, ConnectionHistory> m_histories;
    QHash<ConnectionKey, quint64> m_live;
    QHash<quint64, quint64> m_seenInRound; // id -> round it was last seen
    std::deque<quint64> m_vanishedOrder;
    int m_vanishedRetention = HistoryLimits::vanishedRetention;
    qint64 m_forgotten = 0;
    quint64 m_nextId = 1;
    quint64 m_snapshots = 0;
};

} // namespace sockscope
