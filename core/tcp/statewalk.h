// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tcpstatemachine.h"

#include <QList>

#include <utility>

namespace sockscope {

// One end's way through the state diagram, reconstructed from what the polls saw.
//
// Polls see states, not transitions: two consecutive observed states that the RFC does not
// join by one arrow were joined by states no poll saw. Those are filled in with the shortest
// RFC path and kept apart as "passed, not observed", so nothing draws a guess as if it were
// seen. The same holds before the first observation (a client starts in CLOSED, a server end
// in LISTEN) and after the connection vanished from the table (it ends in CLOSED).
//
// Captured segments can prove some of what the polls missed (PacketStates): given the changes
// they prove, a leg takes their way where it joins the two observations, and its steps and
// states are "timed by packet" rather than passed, not observed.
//
// The state diagram and the timeline both read their arrows, and the segments each arrow sends
// and receives (TcpTransition::sent, ::received), from here.
struct StateWalk
{
    struct Step
    {
        int transition = -1;   // index into TcpStateMachine::transitions()
        bool observed = false; // a poll saw the state before and the state after, consecutively
        bool byPacket = false; // a captured segment took this arrow, at a known moment

        friend bool operator==(const Step &a, const Step &b)
        {
            return a.transition == b.transition && a.observed == b.observed && a.byPacket == b.byPacket;
        }
    };

    // The way from one state the walk knows to the next: between two consecutive
    // observations, from the implied start to the first one, or from the last one to CLOSED
    // after the connection vanished.
    struct Leg
    {
        enum class Kind : quint8 { ImpliedStart, Observed, ImpliedEnd };

        Kind kind = Kind::Observed;
        TcpState from = TcpState::Close;
        TcpState to = TcpState::Close;
        qsizetype fromIndex = -1; // the observation it leaves (index into what of() was given); -1 for the implied start
        qsizetype toIndex = -1;   // the observation it reaches; -1 for the implied end
        qsizetype firstStep = 0;  // its steps are steps[firstStep, firstStep + stepCount)
        qsizetype stepCount = 0;  // 0 when from == to

        friend bool operator==(const Leg &a, const Leg &b)
        {
            return a.kind == b.kind && a.from == b.from && a.to == b.to && a.fromIndex == b.fromIndex
                && a.toIndex == b.toIndex && a.firstStep == b.firstStep && a.stepCount == b.stepCount;
        }
    };

    TcpState start = TcpState::Close;   // where the walk begins (the first step's source)
    TcpState current = TcpState::Close; // where it is now
    QList<Step> steps;
    QList<Leg> legs;                   // in order; their steps, concatenated, are `steps`
    QList<TcpState> observed;          // distinct, in the order first seen
    QList<TcpState> passedNotObserved; // distinct, in walk order; never in `observed`
    QList<TcpState> timedByPacket;     // likewise, but a captured segment moved the end into it

    // Where a walk begins when no poll saw its beginning: CLOSED for the end that connects,
    // LISTEN for a server end.
    static TcpState impliedStart(bool clientSide);

    // The RFC path between two states one connection passed: the shortest that stays within
    // the connection's life (not through CLOSED) when there is one, else the shortest at all.
    static QList<TcpTransition> pathBetween(TcpState from, TcpState to);

    // `seen`: the states the polls saw, in order, one per stretch of polls (a history's spans).
    // `vanished`: the connection left the kernel's table after the last of them.
    // `packets`: the changes captured segments prove, in order (from, to), as PacketStates finds
    // them; empty without a capture.
    using Change = std::pair<TcpState, TcpState>;
    static StateWalk of(const QList<TcpState> &seen, bool vanished, bool clientSide,
                        const QList<Change> &packets = {});
    // The same for a connection's history (anything with `spans` that have a `state`, and
    // `alive`), without this folder depending on the tracker's.
    template <typename History>
    static StateWalk ofHistory(const History &history, bool clientSide, const QList<Change> &packets = {})
    {
        QList<TcpState> seen;
        seen.reserve(history.spans.size());
        for (const auto &span : history.spans)
            seen.append(span.state);
        return of(seen, !history.alive, clientSide, packets);
    }

    // The states a walk visits, start and current included, in order.
    QList<TcpState> visited() const;
    // The arrows of one leg, in order.
    QList<TcpTransition> transitionsOf(const Leg &leg) const;
};

} // namespace sockscope
