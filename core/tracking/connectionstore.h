// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "connectionhistory.h"

#include "core/model/snapshot.h"

#include <QHash>

#include <deque>

namespace sockscope {

// Connection histories to look up, kept current from what a ConnectionDiffer reports (or,
// replaying, from the histories a recording gives). The differ runs on the poller's thread;
// only a poll's changes cross over, and the histories are kept here alone.
class ConnectionStore
{
public:
    // Takes one poll as a ConnectionDiffer reported it: the histories of the connections it
    // names are extended; every other live connection was seen again unchanged. Work is
    // proportional to the delta, not to the table. Returns the vanished connections forgotten
    // beyond the retention.
    QList<quint64> apply(const TrackerDelta &delta);
    // Takes one poll: the histories its delta changed (new, changed, updated and vanished
    // ones), and when it was taken. Every other live connection was seen again unchanged, by
    // `polls` polls (a replay's step can stand for many). Returns the vanished connections
    // forgotten beyond the retention.
    QList<quint64> apply(const QList<ConnectionHistory> &changed, qint64 steadyNs, qint64 wallTimeMs, int polls = 1);
    // Forgets these connections as if they had never been seen (a replay stepping back).
    void remove(const QList<quint64> &ids);
    void clear();

    const ConnectionHistory *history(quint64 id) const;
    const ConnectionHistory *findLive(const ConnectionKey &key) const;
    QList<quint64> liveIds() const;
    QList<quint64> ids() const; // every kept history, live or vanished, oldest first
    int liveCount() const { return int(m_live.size()); }

    // How many vanished connections to keep, oldest forgotten first.
    void setVanishedRetention(int count) { m_vanishedRetention = qMax(0, count); }
    // Vanished connections forgotten beyond the retention since the last clear().
    qint64 forgottenCount() const { return m_forgotten; }

private:
    // A live connection no poll changed was seen by every poll since its last copy: its open
    // span is brought up to date when it is looked at, not on every poll.
    struct Entry
    {
        ConnectionHistory history;
        quint64 syncedPoll = 0;
    };
    ConnectionHistory *sync(Entry &entry) const;
    QList<quint64> forgetBeyondRetention();

    mutable QHash<quint64, Entry> m_histories;
    quint64 m_polls = 0;
    qint64 m_lastPollNs = 0;
    qint64 m_lastPollWallMs = 0;
    QHash<ConnectionKey, quint64> m_live;
    std::deque<quint64> m_vanishedOrder; // may name ids since removed or alive again: skipped
    qsizetype m_vanishedCount = 0;
    int m_vanishedRetention = HistoryLimits::vanishedRetention;
    qint64 m_forgotten = 0;
};

} // namespace sockscope

