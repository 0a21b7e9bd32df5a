// SPDX-License-Identifier: GPL-3.0-or-later
#include "statewalk.h"

namespace sockscope {

namespace {

int indexOf(const TcpTransition &t)
{
    return int(TcpStateMachine::transitions().indexOf(t));
}

} // namespace

TcpState StateWalk::impliedStart(bool clientSide)
{
    return clientSide ? TcpState::Close : TcpState::Listen;
}

QList<TcpTransition> StateWalk::pathBetween(TcpState from, TcpState to)
{
    QList<TcpTransition> path = TcpStateMachine::shortestPath(from, to, TcpStateMachine::Through::NotClosed);
    if (path.isEmpty())
        path = TcpStateMachine::shortestPath(from, to, TcpStateMachine::Through::AnyState);
    return path;
}

StateWalk StateWalk::of(const QList<TcpState> &seen, bool vanished, bool clientSide)
{
    StateWalk walk;
    if (seen.isEmpty())
        return walk;

    QList<TcpState> implied;
    const auto addLeg = [&](Leg::Kind kind, TcpState from, TcpState to, qsizetype fromIndex, qsizetype toIndex) {
        Leg leg;
        leg.kind = kind;
        leg.from = from;
        leg.to = to;
        leg.fromIndex = fromIndex;
        leg.toIndex = toIndex;
        leg.firstStep = walk.steps.size();
        // One arrow between two observations is what the polls saw; a longer way was passed
        // unseen. (For one arrow the shortest path is the RFC's first arrow between the two.)
        const QList<TcpTransition> path = from == to ? QList<TcpTransition>() : pathBetween(from, to);
        const bool seenDirectly = kind == Leg::Kind::Observed && path.size() == 1;
        for (const TcpTransition &t : path) {
            walk.steps.append({indexOf(t), seenDirectly});
            if (!seenDirectly && t.to != to)
                implied.append(t.to);
        }
        leg.stepCount = walk.steps.size() - leg.firstStep;
        walk.legs.append(leg);
    };

    const TcpState first = seen.first();
    walk.start = first;
    const TcpState start = impliedStart(clientSide);
    if (first != start && !pathBetween(start, first).isEmpty()) {
        walk.start = start;
        implied.append(start);
        addLeg(Leg::Kind::ImpliedStart, start, first, -1, 0);
    }

    walk.observed.append(first);
    for (qsizetype i = 1; i < seen.size(); ++i) {
        if (!walk.observed.contains(seen[i]))
            walk.observed.append(seen[i]);
        addLeg(Leg::Kind::Observed, seen[i - 1], seen[i], i - 1, i);
    }

    walk.current = seen.last();
    if (vanished && walk.current != TcpState::Close) {
        addLeg(Leg::Kind::ImpliedEnd, walk.current, TcpState::Close, seen.size() - 1, -1);
        implied.append(TcpState::Close);
        walk.current = TcpState::Close;
    }

    for (TcpState s : std::as_const(implied)) {
        if (!walk.observed.contains(s) && !walk.passedNotObserved.contains(s))
            walk.passedNotObserved.append(s);
    }
    return walk;
}

QList<TcpState> StateWalk::visited() const
{
    QList<TcpState> out{start};
    const QList<TcpTransition> &all = TcpStateMachine::transitions();
    for (const Step &s : steps)
        out.append(all[s.transition].to);
    return out;
}

QList<TcpTransition> StateWalk::transitionsOf(const Leg &leg) const
{
    QList<TcpTransition> out;
    const QList<TcpTransition> &all = TcpStateMachine::transitions();
    for (qsizetype i = leg.firstStep; i < leg.firstStep + leg.stepCount && i < steps.size(); ++i)
        out.append(all[steps[i].transition]);
    return out;
}

} // namespace sockscope
