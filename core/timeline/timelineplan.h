// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "timelinelane.h"

#include "core/capture/wiresegment.h"
#include "core/tcp/statewalk.h"

#include <QList>
#include <QString>

namespace sockscope {

// What the timeline draws, derived from the lanes and the wire alone and independent of pixels:
// the state intervals of each end, its lab calls, the segments captured between the ends, and
// the segments the observed transitions imply where nothing was captured.
class TimelinePlan
{
public:
    // One observed state of one end.
    struct Interval
    {
        TcpState state = TcpState::Close;
        qint64 startNs = 0; // the first poll that saw it
        qint64 endNs = 0;   // the next state's first poll, the vanishing poll, or the live edge
        // The previous observation of this end, or for its first state the start of the
        // window its implied start lies in (startNs when unknown): the state began somewhere
        // in (enteredAfterNs, startNs].
        qint64 enteredAfterNs = 0;
        bool live = false; // the current state of an end that still exists: endNs is "now"
        int polls = 0;
        qint64 firstSeenWallMs = 0;
        qint64 lastSeenWallMs = 0;

        qint64 durationNs() const { return endNs - startNs; }
    };

    // A state of one end that no poll saw but the captured segments prove, timed by them: from
    // the segment that moved the end into it to the one that moved it on.
    struct PacketSpan
    {
        TcpState state = TcpState::Close;
        qint64 startNs = 0;
        qint64 endNs = 0;
        QString enteredBy; // "SYN seq=0 … from client #1", "it sent FIN,ACK seq=1 ack=1 …"
        QString leftBy;
        qint64 durationNs() const { return endNs - startNs; }
    };

    struct Lane
    {
        QString label;
        bool clientSide = true;
        QString endpoints; // "127.0.0.1:45678 → 127.0.0.1:8000"
        QList<Interval> intervals;
        QList<PacketSpan> packetSpans; // in time order; empty without a capture
        QList<LabCall> calls; // sorted by steadyNs
        bool alive = false;
        qint64 vanishedNs = 0;
    };

    // A change of one end's state that the polls saw (or that the start and end of a
    // connection imply), with the window in which it must have happened.
    struct Change
    {
        int lane = 0;
        TcpState from = TcpState::Close;
        TcpState to = TcpState::Close;
        qint64 windowStartNs = 0;
        qint64 windowEndNs = 0;
        bool impliedStart = false; // from the implied first state (CLOSED or LISTEN)
        bool impliedEnd = false;   // to CLOSED because the end vanished
        QList<TcpTransition> path; // the RFC arrows of this change, as the end's StateWalk has them
    };

    // One segment an observed change implies: the RFC 9293 path between the two observed
    // states sends it. Never a captured packet.
    struct Segment
    {
        int fromLane = 0;
        int toLane = 1;
        TcpFlags flags; // what the sender's step sends: SYN, SYN|ACK, ACK, FIN
        TcpTransition transition; // the sender's step that sends it
        Change change;            // the observation that implies it
        int exchange = 0;         // index into exchanges()
        int indexInExchange = 0;
    };

    // One segment captured on the wire from one lane's end to the other's.
    struct Captured
    {
        int fromLane = 0;
        int toLane = 1;
        WireSegment wire;

        qint64 steadyNs() const { return wire.steadyNs; }
    };

    // Segments whose windows overlap, in causal order: drawn together as one ladder.
    struct Exchange
    {
        qint64 windowStartNs = 0;
        qint64 windowEndNs = 0;
        int firstSegment = 0;
        int segmentCount = 0;
    };

    TimelinePlan() = default;

    // `nowNs` is the live edge: the open span of a live end reaches it. `wire` holds the
    // connection's captured segments (Session::wireSegmentsOf()), empty where nothing was
    // captured (the host's network, an old file): those between two of the lanes are drawn as
    // they were, and a segment is implied only where the capture missed the connection's SYN,
    // for a change that ended before the capture's first segment.
    static TimelinePlan build(const QList<TimelineLane> &lanes, qint64 nowNs, const QList<WireSegment> &wire = {});

    const QList<Lane> &lanes() const { return m_lanes; }
    const QList<Change> &changes() const { return m_changes; }
    const QList<Segment> &segments() const { return m_segments; }
    const QList<Captured> &captured() const { return m_captured; } // in time order
    const QList<Exchange> &exchanges() const { return m_exchanges; }

    bool isEmpty() const { return m_lanes.isEmpty(); }
    bool isLive() const; // some end still exists
    // Time zero: the earliest span, call or change window.
    qint64 originNs() const { return m_originNs; }
    qint64 endNs() const { return m_endNs; }       // the latest thing drawn
    qint64 pollIntervalNs() const { return m_pollIntervalNs; } // estimated, 0 when unknown

    // "client #1 -> accepted #1: SYN", one per implied segment, in order.
    QStringList segmentTexts() const;
    // "client #1 -> accepted #1: SYN seq=0", one per captured segment, in order.
    QStringList capturedTexts() const;

    // A captured segment in the few words its arrow carries: flags, the numbers relative,
    // and the data it carries. Sequence numbers tell nothing on a pure ACK, which leaves seq
    // out, as tcpdump does: "SYN seq=0", "SYN,ACK seq=0 ack=1", "ACK ack=1",
    // "PSH,ACK seq=1 ack=1 len=100", "FIN,ACK seq=101 ack=1".
    static QString capturedLabel(const WireSegment &wire);
    // That label, then shorter ones for where it does not fit: "PSH,ACK len=100", "len=100",
    // "PSH,ACK".
    static QStringList capturedLabels(const WireSegment &wire);

    static QList<Interval> intervalsOf(const ConnectionHistory &history, qint64 nowNs);
    // How often the source polled, judged by the gaps between consecutive observations.
    static qint64 estimatePollIntervalNs(const QList<ConnectionHistory> &histories);
    // The changes of one end, including the implied start and (after a vanish) end: the legs
    // of its StateWalk, each with the window in which it must have happened.
    static QList<Change> changesOf(const TimelineLane &lane, int laneIndex, qint64 pollIntervalNs);
    // Both ends' implied segments in causal order: a "rcv X" step of one end can only happen
    // after the other end sent something.
    static QList<Segment> impliedSegments(const QList<Change> &first, const QList<Change> &second);

private:
    QList<Lane> m_lanes;
    QList<Change> m_changes;
    QList<Segment> m_segments;
    QList<Captured> m_captured;
    QList<Exchange> m_exchanges;
    qint64 m_originNs = 0;
    qint64 m_endNs = 0;
    qint64 m_pollIntervalNs = 0;
};

} // namespace sockscope
