// SPDX-License-Identifier: GPL-3.0-or-later
#include "tcpstatemachine.h"

#include <QStringList>

#include <array>
#include <queue>

namespace sockscope {

QString tcpFlagsText(TcpFlags flags)
{
    QStringList names;
    if (flags.testFlag(TcpFlag::Syn))
        names << QStringLiteral("SYN");
    if (flags.testFlag(TcpFlag::Fin))
        names << QStringLiteral("FIN");
    if (flags.testFlag(TcpFlag::Rst))
        names << QStringLiteral("RST");
    if (flags.testFlag(TcpFlag::Ack))
        names << QStringLiteral("ACK");
    return names.join(QLatin1Char(','));
}

QString TcpTransition::label() const
{
    if (action.isEmpty())
        return event;
    return event + QStringLiteral(" / ") + action;
}

const QList<TcpTransition> &TcpStateMachine::transitions()
{
    using S = TcpState;
    using F = TcpFlag;
    const TcpFlags none;
    const TcpFlags syn = F::Syn;
    const TcpFlags ack = F::Ack;
    const TcpFlags fin = F::Fin;
    const TcpFlags synAck = F::Syn | F::Ack;
    const TcpFlags finAck = F::Fin | F::Ack;
    static const QList<TcpTransition> all = {
        {S::Close, S::Listen, QStringLiteral("passive OPEN"), QString(), QString(), true, none, none},
        {S::Close, S::SynSent, QStringLiteral("active OPEN"), QStringLiteral("snd SYN"), QString(), true, none, syn},
        {S::Listen, S::SynRecv, QStringLiteral("rcv SYN"), QStringLiteral("snd SYN,ACK"), QString(), true, syn, synAck},
        {S::Listen, S::SynSent, QStringLiteral("SEND"), QStringLiteral("snd SYN"), QString(), true, none, syn},
        {S::Listen, S::Close, QStringLiteral("CLOSE"), QString(), QString(), true, none, none},
        {S::SynSent, S::SynRecv, QStringLiteral("rcv SYN"), QStringLiteral("snd SYN,ACK"), QString(), true, syn, synAck},
        {S::SynSent, S::Established, QStringLiteral("rcv SYN,ACK"), QStringLiteral("snd ACK"), QString(), true, synAck, ack},
        {S::SynSent, S::Close, QStringLiteral("CLOSE"), QString(), QString(), true, none, none},
        {S::SynRecv, S::Established, QStringLiteral("rcv ACK of SYN"), QString(), QString(), true, ack, none},
        {S::SynRecv, S::FinWait1, QStringLiteral("CLOSE"), QStringLiteral("snd FIN"), QString(), true, none, fin},
        {S::SynRecv, S::Listen, QStringLiteral("rcv RST"), QString(),
         QStringLiteral("RFC 9293 note 1: only after a passive OPEN"), true, TcpFlag::Rst, none},
        {S::Established, S::FinWait1, QStringLiteral("CLOSE"), QStringLiteral("snd FIN"), QString(), true, none, fin},
        {S::Established, S::CloseWait, QStringLiteral("rcv FIN"), QStringLiteral("snd ACK"), QString(), true, fin, ack},
        {S::FinWait1, S::FinWait2, QStringLiteral("rcv ACK of FIN"), QString(), QString(), true, ack, none},
        {S::FinWait1, S::Closing, QStringLiteral("rcv FIN"), QStringLiteral("snd ACK"), QString(), true, fin, ack},
        {S::FinWait1, S::TimeWait, QStringLiteral("rcv FIN,ACK of FIN"), QStringLiteral("snd ACK"),
         QStringLiteral("RFC 9293 note 2: FIN and the ACK of our FIN arrive together"), false, finAck, ack},
        {S::FinWait2, S::TimeWait, QStringLiteral("rcv FIN"), QStringLiteral("snd ACK"), QString(), true, fin, ack},
        {S::Closing, S::TimeWait, QStringLiteral("rcv ACK of FIN"), QString(), QString(), true, ack, none},
        {S::CloseWait, S::LastAck, QStringLiteral("CLOSE"), QStringLiteral("snd FIN"), QString(), true, none, fin},
        {S::LastAck, S::Close, QStringLiteral("rcv ACK of FIN"), QString(), QString(), true, ack, none},
        {S::TimeWait, S::Close, QStringLiteral("Timeout=2MSL"), QString(), QString(), true, none, none},
    };
    return all;
}

QList<TcpTransition> TcpStateMachine::transitionsFrom(TcpState from)
{
    QList<TcpTransition> out;
    for (const TcpTransition &t : transitions()) {
        if (t.from == from)
            out.append(t);
    }
    return out;
}

bool TcpStateMachine::isDirectTransition(TcpState from, TcpState to)
{
    for (const TcpTransition &t : transitions()) {
        if (t.from == from && t.to == to)
            return true;
    }
    return false;
}

namespace {

QList<TcpTransition> breadthFirst(TcpState from, TcpState to, TcpStateMachine::Through through,
                                  bool drawnOnly)
{
    // Breadth-first search over the 11 states; `via[s]` is the index of the transition that
    // first reached s.
    constexpr int unreached = -1;
    std::array<int, tcpStateCount + 1> via;
    via.fill(unreached);
    std::array<bool, tcpStateCount + 1> seen{};
    const QList<TcpTransition> &all = TcpStateMachine::transitions();

    std::queue<TcpState> frontier;
    frontier.push(from);
    seen[kernelNumber(from)] = true;
    while (!frontier.empty()) {
        const TcpState current = frontier.front();
        frontier.pop();
        if (current == to)
            break;
        if (through == TcpStateMachine::Through::NotClosed && current == TcpState::Close && current != from)
            continue;
        for (int i = 0; i < all.size(); ++i) {
            const TcpTransition &t = all[i];
            if (t.from != current || seen[kernelNumber(t.to)] || (drawnOnly && !t.inFigure))
                continue;
            seen[kernelNumber(t.to)] = true;
            via[kernelNumber(t.to)] = i;
            frontier.push(t.to);
        }
    }

    if (via[kernelNumber(to)] == unreached)
        return {};

    QList<TcpTransition> path;
    for (TcpState s = to; s != from;) {
        const TcpTransition &t = all[via[kernelNumber(s)]];
        path.prepend(t);
        s = t.from;
    }
    return path;
}

} // namespace

QList<TcpTransition> TcpStateMachine::shortestPath(TcpState from, TcpState to, Through through)
{
    if (from == to)
        return {};
    // Among equally short paths, prefer the arrows the RFC draws over those only its notes add.
    const QList<TcpTransition> any = breadthFirst(from, to, through, false);
    const QList<TcpTransition> drawn = breadthFirst(from, to, through, true);
    return !drawn.isEmpty() && drawn.size() == any.size() ? drawn : any;
}

bool TcpStateMachine::isReachable(TcpState from, TcpState to, Through through)
{
    return from == to || !shortestPath(from, to, through).isEmpty();
}

} // namespace sockscope
