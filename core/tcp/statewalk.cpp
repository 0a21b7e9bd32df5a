// SPDX-License-Identifier: GPL-3.0-or-later
#include "statewalk.h"

#include <optional>

namespace sockscope {

namespace {

int indexOf(const TcpTransition &t)
{
    return int(TcpStateMachine::transitions().indexOf(t));
}

// The RFC arrow from one state to another, if the diagram has one.
std::optional<TcpTransition> arrowBetween(TcpState from, TcpState to)
{
    for (const TcpTransition &t : TcpStateMachine::transitionsFrom(from)) {
        if (t.to == to)
            return t;
    }
    return std::nullopt;
}

// The captured way from `from` to `to`: a run of consecutive proven changes that starts at
// one and ends at the other, every one an arrow of the diagram. Empty when there is none.
QList<TcpTransition> packetPath(const QList<StateWalk::Change> &packets, TcpState from, TcpState to)
{
    for (qsizetype i = 0; i < packets.size(); ++i) {
        if (packets[i].first != from)
            continue;
        QList<TcpTransition> path;
        for (qsizetype j = i; j < packets.size(); ++j) {
            if (j > i && packets[j].first != packets[j - 1].second)
                break;
            const std::optional<TcpTransition> arrow = arrowBetween(packets[j].first, packets[j].second);
            if (!arrow)
                break;
            path.append(*arrow);
            if (packets[j].second == to)
                return path;
        }
    }
    return {};
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

StateWalk StateWalk::of(const QList<TcpState> &seen, bool vanished, bool clientSide, const QList<Change> &packets)
{
    StateWalk walk;
    if (seen.isEmpty())
        return walk;

    QList<TcpState> implied;
    QList<TcpState> proven;
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
        // Where segments prove the way, it is theirs; otherwise the shortest, with the arrows
        // a segment took marked as such.
        QList<TcpTransition> path = from == to ? QList<TcpTransition>() : packetPath(packets, from, to);
        if (path.isEmpty() && from != to)
            path = pathBetween(from, to);
        const bool seenDirectly = kind == Leg::Kind::Observed && path.size() == 1;
        for (const TcpTransition &t : path) {
            const bool byPacket = packets.contains(Change{t.from, t.to});
            walk.steps.append({indexOf(t), seenDirectly, byPacket});
            if (!seenDirectly && t.to != to)
                (byPacket ? proven : implied).append(t.to);
        }
        leg.stepCount = walk.steps.size() - leg.firstStep;
        walk.legs.append(leg);
    };

    const TcpState first = seen.first();
    walk.start = first;
    const TcpState start = impliedStart(clientSide);
    if (first != start && !pathBetween(start, first).isEmpty()) {
        walk.start = start;
        // The start itself is known when a segment moved the end out of it.
        const bool leftByPacket = !packets.isEmpty() && packets.first().first == start;
        (leftByPacket ? proven : implied).append(start);
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
        const bool closedByPacket = !walk.steps.isEmpty() && walk.steps.last().byPacket
            && TcpStateMachine::transitions()[walk.steps.last().transition].to == TcpState::Close;
        (closedByPacket ? proven : implied).append(TcpState::Close);
        walk.current = TcpState::Close;
    }

    for (TcpState s : std::as_const(proven)) {
        if (!walk.observed.contains(s) && !walk.timedByPacket.contains(s))
            walk.timedByPacket.append(s);
    }
    for (TcpState s : std::as_const(implied)) {
        if (!walk.observed.contains(s) && !walk.timedByPacket.contains(s) && !walk.passedNotObserved.contains(s))
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
