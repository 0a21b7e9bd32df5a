// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "timelinelane.h"

#include "core/tcp/statewalk.h"

#include <QList>
#include <QString>

namespace sockscope {

// What the timeline draws, derived from the lanes alone and independent of pixels: the state
// intervals of each end, its lab calls, and the segments the observed transitions imply.
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

    struct Lane
    {
        QString label;
        bool clientSide = true;
        QString endpoints; // "127.0.0.1:45678 → 127.0.0.1:8000"
        QList<Interval> intervals;
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

    // Segments whose windows overlap, in causal order: drawn together as one ladder.
    struct Exchange
    {
        qint64 windowStartNs = 0;
        qint64 windowEndNs = 0;
        int firstSegment = 0;
        int segmentCount = 0;
    };

    TimelinePlan() = default;

    // `nowNs` is the live edge: the open span of a live end reaches it.
    static TimelinePlan build(const QList<TimelineLane> &lanes, qint64 nowNs);

    const QList<Lane> &lanes() const { return m_lanes; }
    const QList<Change> &changes() const { return m_changes; }
    const QList<Segment> &segments() const { return m_segments; }
    const QList<Exchange> &exchanges() const { return m_exchanges; }

    bool isEmpty() const { return m_lanes.isEmpty(); }
    bool isLive() const; // some end still exists
    // Time zero: the earliest span, call or change window.
    qint64 originNs() const { return m_originNs; }
    qint64 endNs() const { return m_endNs; }       // the latest thing drawn
    qint64 pollIntervalNs() const { return m_pollIntervalNs; } // estimated, 0 when unknown

    // "client #1 -> accepted #1: SYN", one per segment, in order.
    QStringList segmentTexts() const;

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
    QList<Exchange> m_exchanges;
    qint64 m_originNs = 0;
    qint64 m_endNs = 0;
    qint64 m_pollIntervalNs = 0;
};

} // namespace sockscope
