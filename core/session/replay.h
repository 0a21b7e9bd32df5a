// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sessiondocument.h"

#include "core/model/snapshot.h"

#include <QList>

#include <optional>

namespace sockscope {

// A saved session played back: the connections and the kernel's table as the session saw them
// at any moment, rebuilt from each connection's recorded states and rows. Nothing is invented:
// between two recorded rows a connection shows the earlier one.
//
// Every moment at which some connection changed is indexed once, in time order, so that moving
// from one moment to another costs what changed in between (and a binary search), not the
// length of the session times its connections.
class Replay
{
public:
    explicit Replay(SessionDocument document);

    const SessionDocument &document() const { return m_document; }

    // Every moment (document clock, ns) at which the table changed, in order. Each is a poll
    // the session took.
    const QList<qint64> &frames() const { return m_frames; }
    qint64 endNs() const { return m_endNs; }
    // The first frame after `ns`, or -1 when there is none.
    qint64 nextFrame(qint64 ns) const;
    // How many frames lie in [0, ns]: the polls the session had taken by then, as far as the
    // recording shows them.
    int framesUpTo(qint64 ns) const;
    // The latest frame at or before `ns` (0 before the first).
    qint64 frameAtOrBefore(qint64 ns) const;

    // A replayed connection's id is its place in the document, plus one.
    static quint64 idOf(qsizetype index) { return quint64(index) + 1; }
    const RecordedConnection *connection(quint64 id) const;

    // The connection as the session knew it at `ns`: the states first seen by then, the rows
    // recorded by then, alive unless it had left the table by then. Empty before it was first
    // seen. Its id is idOf().
    std::optional<ConnectionHistory> historyAt(quint64 id, qint64 ns) const;

    // What moving the replay from one moment to another changes.
    struct Step
    {
        qint64 fromNs = -1; // -1: from before anything was shown
        qint64 toNs = 0;
        // Forward: the appearances, state changes and departures in (from, to], in order,
        // each with the moment it happened (eventNs); and the rows that changed without one
        // (delta.updated). Backward: none.
        TrackerDelta delta;
        QList<qint64> eventNs;
        // Every connection a change in between touched, as it is at `to`.
        QList<ConnectionHistory> histories;
        // Backward: connections first seen after `to`, which the table did not hold yet.
        QList<quint64> removed;
        // Forward: the recorded lab calls in (from, to], as indexes into document().calls.
        QList<qsizetype> calls;
    };
    Step step(qint64 fromNs, qint64 toNs) const;

    // The whole table at `ns`, rebuilt from every connection: a reference for checks, not a
    // way to step (it costs the whole recording).
    Snapshot snapshotAt(qint64 ns) const;

private:
    struct Change
    {
        qint64 ns;
        qsizetype connection;
        friend bool operator<(const Change &a, const Change &b)
        {
            return a.ns != b.ns ? a.ns < b.ns : a.connection < b.connection;
        }
    };

    // The changes with from < ns <= to.
    std::pair<qsizetype, qsizetype> changesBetween(qint64 fromNs, qint64 toNs) const;
    qsizetype firstCallAfter(qint64 ns) const;

    SessionDocument m_document;
    QList<Change> m_changes; // every moment each connection changed, in time order
    QList<qint64> m_frames;
    qint64 m_endNs = 0;
};

} // namespace sockscope
