// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/socketrecord.h"

#include <QList>
#include <QMetaType>

#include <optional>

namespace sockscope {

// A stretch of time in which every poll saw the connection in one state. The true moment of
// entering the state lies between the previous poll and firstSeen.
struct StateSpan
{
    TcpState state = TcpState::Close;
    qint64 firstSeenNs = 0; // steady clock
    qint64 lastSeenNs = 0;
    qint64 firstSeenWallMs = 0;
    qint64 lastSeenWallMs = 0;
    int polls = 0; // how many snapshots saw it in this state

    friend bool operator==(const StateSpan &a, const StateSpan &b)
    {
        return a.state == b.state && a.firstSeenNs == b.firstSeenNs && a.lastSeenNs == b.lastSeenNs
            && a.firstSeenWallMs == b.firstSeenWallMs && a.lastSeenWallMs == b.lastSeenWallMs
            && a.polls == b.polls;
    }
};

// The kernel's row for a connection as one poll reported it.
struct RecordSample
{
    qint64 steadyNs = 0;
    qint64 wallTimeMs = 0;
    SocketRecord record;

    friend bool operator==(const RecordSample &a, const RecordSample &b)
    {
        return a.steadyNs == b.steadyNs && a.wallTimeMs == b.wallTimeMs && a.record == b.record;
    }
};

// What one connection's history may hold, so that a connection costs a few kB however long it
// lives and a week of churn cannot grow without bound (README, "Memory").
struct HistoryLimits
{
    // Rows recorded while the state stays the same (queues moving, a timer starting): beyond
    // this many the record is thinned, dropping the row whose removal leaves the smallest gap
    // in time, so the samples stay spread over the connection's whole life. The first row and
    // the row at every state change are always kept.
    static constexpr int maxRowSamples = 12;
    // The same once the connection has left the table: closed ones are many and looked at less.
    static constexpr int maxClosedRowSamples = 4;
    // States in one history. Only a socket that keeps returning to a state (a listener shut
    // down and listening again) gets this far; beyond it the oldest states after the first
    // are dropped and counted.
    static constexpr int maxSpans = 32;
    // Connections that left the kernel's table and are still kept (for the timeline and the
    // session file); beyond this the oldest are forgotten and counted. Live ones are always
    // kept.
    static constexpr int vanishedRetention = 10000;
};

// Everything observed about one connection, from the first snapshot that showed it to the
// first one that no longer did.
struct ConnectionHistory
{
    quint64 id = 0; // the tracker's own number, unique for its lifetime
    ConnectionKey key;
    SocketRecord latest;     // the most recent row the source reported
    QList<StateSpan> spans;  // in order; never empty
    QList<quint64> inodes;   // every distinct non-zero inode, in the order seen
    // The row as first seen, at every state change and after visible changes within a state
    // (thinned, see HistoryLimits), so that a replay can show the table as it was. Samples do
    // not repeat `details` (ss -i's extra fields): only `latest` has them.
    QList<RecordSample> samples;
    // The file format's bound on samples per connection; the tracker keeps far fewer.
    static constexpr int maxSamples = 512;
    int droppedSpans = 0;    // states dropped beyond HistoryLimits::maxSpans
    bool alive = true;
    qint64 vanishedNs = 0;   // steady clock of the first snapshot without it
    qint64 vanishedWallMs = 0;

    TcpState state() const { return spans.last().state; }

    // Records `record` as seen at `steadyNs`: a new sample, thinning older ones when there are
    // more than HistoryLimits allows. Call after `spans` has the record's state.
    void addSample(qint64 steadyNs, qint64 wallTimeMs, const SocketRecord &record);
    // Opens a span for a new state, dropping the oldest ones beyond HistoryLimits::maxSpans.
    void addSpan(const StateSpan &span);
    // Keeps at most `keep` row samples (see HistoryLimits::maxRowSamples).
    void thinRowSamples(int keep);
    // The connection left the table: fewer row samples, and no spare capacity.
    void compactClosed();
    // The heap and inline bytes this history holds, roughly: what a connection costs to keep.
    qsizetype approximateBytes() const;
};

// One line of what changed: a connection appeared, changed state, or vanished.
struct ConnectionEvent
{
    enum class Kind : quint8 { Appeared, StateChanged, Vanished };

    Kind kind = Kind::Appeared;
    quint64 id = 0;
    ConnectionKey key;
    std::optional<TcpState> from; // unset for Appeared
    std::optional<TcpState> to;   // unset for Vanished
    // Time observed in `from`: from the first poll that saw it to the poll that saw the change.
    // Accurate to one poll interval. 0 for Appeared.
    qint64 msInFrom = 0;
    qint64 wallTimeMs = 0; // the snapshot that showed the event

    friend bool operator==(const ConnectionEvent &a, const ConnectionEvent &b)
    {
        return a.kind == b.kind && a.id == b.id && a.key == b.key && a.from == b.from
            && a.to == b.to && a.msInFrom == b.msInFrom && a.wallTimeMs == b.wallTimeMs;
    }
};

// A connection's row as one poll reported it, for a connection the poll changed.
struct RowUpdate
{
    quint64 id = 0;
    SocketRecord record;
    bool visible = true; // differs from the previous row in what the table shows (a state change always does)
};

// What one snapshot changed, in the order it happened within the snapshot: everything a
// ConnectionStore needs to keep the histories, and a view to follow the table, without the
// table itself.
struct TrackerDelta
{
    qint64 wallTimeMs = 0;
    qint64 steadyNs = 0;
    QList<ConnectionEvent> events;
    QList<quint64> updated; // live connections whose row changed without a state change
    // The new row of every Appeared and StateChanged event, in event order, then of every
    // `updated` connection, in that order.
    QList<RowUpdate> rows;
    int duplicateRows = 0;  // rows whose key an earlier row of the same snapshot already had

    bool isEmpty() const { return events.isEmpty() && updated.isEmpty(); }
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::ConnectionEvent)
Q_DECLARE_METATYPE(sockscope::TrackerDelta)
