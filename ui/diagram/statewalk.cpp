// SPDX-License-Identifier: GPL-3.0-or-later
#include "statewalk.h"

namespace sockscope {

namespace {

int indexOf(const TcpTransition &t)
{
    return int(TcpStateMachine::transitions().indexOf(t));
}

// The RFC path between two states one connection passed, preferring one that stays within the
// connection's life (not through CLOSED) when there is one.
QList<TcpTransition> pathBetween(TcpState from, TcpState to)
{
    QList<TcpTransition> path = TcpStateMachine::shortestPath(from, to, TcpStateMachine::Through::NotClosed);
    if (path.isEmpty())
        path = TcpStateMachine::shortestPath(from, to, TcpStateMachine::Through::AnyState);
    return path;
}

} // namespace

TcpState StateWalk::impliedStart(bool clientSide)
{
    return clientSide ? TcpState::Close : TcpState::Listen;
}

StateWalk StateWalk::of(const ConnectionHistory &history, bool clientSide)
{
    StateWalk walk;
    if (history.spans.isEmpty())
        return walk;

    QList<TcpState> implied;
    const auto walkImplied = [&](TcpState from, TcpState to) {
        const QList<TcpTransition> path = pathBetween(from, to);
        for (const TcpTransition &t : path) {
            walk.steps.append({indexOf(t), false});
            if (t.to != to)
                implied.append(t.to);
        }
    };

    const TcpState first = history.spans.first().state;
    walk.start = first;
    const TcpState start = impliedStart(clientSide);
    if (first != start && !pathBetween(start, first).isEmpty()) {
        walk.start = start;
        implied.append(start);
        walkImplied(start, first);
    }

    walk.observed.append(first);
    for (qsizetype i = 1; i < history.spans.size(); ++i) {
        const TcpState from = history.spans[i - 1].state;
        const TcpState to = history.spans[i].state;
        if (!walk.observed.contains(to))
            walk.observed.append(to);
        if (from == to)
            continue;
        if (TcpStateMachine::isDirectTransition(from, to)) {
            // Several arrows may join the same two states in principle; the first is the RFC's.
            for (const TcpTransition &t : TcpStateMachine::transitionsFrom(from)) {
                if (t.to == to) {
                    walk.steps.append({indexOf(t), true});
                    break;
                }
            }
        } else {
            walkImplied(from, to);
        }
    }

    walk.current = history.spans.last().state;
    if (!history.alive && walk.current != TcpState::Close) {
        walkImplied(walk.current, TcpState::Close);
        implied.append(TcpState::Close);
        walk.current = TcpState::Close;
    }

    for (TcpState s : implied) {
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

} // namespace sockscope
