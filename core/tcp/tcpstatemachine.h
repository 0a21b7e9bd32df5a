// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "tcpstate.h"

#include <QFlags>
#include <QList>
#include <QString>

namespace sockscope {

// The control bits of a segment the state diagram speaks of.
enum class TcpFlag : quint8 {
    Syn = 0x1,
    Ack = 0x2,
    Fin = 0x4,
    Rst = 0x8,
};
Q_DECLARE_FLAGS(TcpFlags, TcpFlag)
Q_DECLARE_OPERATORS_FOR_FLAGS(TcpFlags)

// "SYN,ACK", in the RFC's order (SYN, FIN, RST, then ACK); empty for none.
QString tcpFlagsText(TcpFlags flags);

// One arrow of the RFC 9293 connection state diagram (section 3.3.2, figure 5).
struct TcpTransition
{
    TcpState from;
    TcpState to;
    QString event;  // what happens: a received segment ("rcv SYN") or a user call ("CLOSE")
    QString action; // what the end sends in response ("snd SYN,ACK"), empty for nothing
    QString note;   // the RFC's footnote to this arrow, if any
    bool inFigure = true; // false for the arrow RFC 9293 describes in a note but does not draw
    TcpFlags received;    // the segment whose arrival takes this arrow; none for a user call or a timeout
    TcpFlags sent;        // the segment the end sends on the way; none for nothing

    QString label() const; // "rcv SYN / snd SYN,ACK"
    bool isReceive() const { return received != TcpFlags(); }
    bool sends() const { return sent != TcpFlags(); }

    friend bool operator==(const TcpTransition &a, const TcpTransition &b)
    {
        return a.from == b.from && a.to == b.to && a.event == b.event && a.action == b.action;
    }
};

class TcpStateMachine
{
public:
    // Every transition of the diagram, plus the two the RFC's notes add (SYN-RECEIVED back to
    // LISTEN on RST, FIN-WAIT-1 straight to TIME-WAIT when FIN and ACK of FIN arrive together).
    static const QList<TcpTransition> &transitions();

    static QList<TcpTransition> transitionsFrom(TcpState from);
    static bool isDirectTransition(TcpState from, TcpState to);

    enum class Through { AnyState, NotClosed };

    // The fewest transitions that lead from `from` to `to`, in order; empty when from == to or
    // when no legal path exists. With Through::NotClosed the path may not pass through CLOSED
    // on the way (a path through CLOSED is a new connection, not the same one continuing).
    static QList<TcpTransition> shortestPath(TcpState from, TcpState to,
                                             Through through = Through::AnyState);

    // True when `to` can follow `from` within one connection's life.
    static bool isReachable(TcpState from, TcpState to, Through through = Through::NotClosed);
};

} // namespace sockscope
