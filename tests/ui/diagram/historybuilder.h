// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tcp/tcpstatemachine.h"
#include "core/tracking/connectionhistory.h"

#include <initializer_list>

namespace sockscope::test {

// The index of the transition from -> to in TcpStateMachine::transitions(), or -1.
inline int edgeOf(TcpState from, TcpState to)
{
    const QList<TcpTransition> &all = TcpStateMachine::transitions();
    for (int i = 0; i < all.size(); ++i) {
        if (all[i].from == from && all[i].to == to)
            return i;
    }
    return -1;
}

// A connection history as a tracker would have built it from polls 100 ms apart, one span
// per listed state (three polls each), the latest row in the last state.
inline ConnectionHistory historyOf(quint64 id, std::initializer_list<TcpState> states, bool alive = true)
{
    ConnectionHistory h;
    h.id = id;
    qint64 ns = 1000000000;
    for (TcpState s : states) {
        StateSpan span;
        span.state = s;
        span.firstSeenNs = ns;
        span.lastSeenNs = ns + 200000000;
        span.firstSeenWallMs = 1700000000000 + ns / 1000000;
        span.lastSeenWallMs = span.firstSeenWallMs + 200;
        span.polls = 3;
        h.spans.append(span);
        ns += 300000000;
    }
    h.latest.state = h.spans.last().state;
    h.latest.local.address = IpAddress::fromIPv4(0x7f000001);
    h.latest.remote.address = IpAddress::fromIPv4(0x7f000001);
    h.latest.local.port = 41000 + quint16(id);
    h.latest.remote.port = 8000;
    h.key = ConnectionKey::of(h.latest);
    h.alive = alive;
    if (!alive)
        h.vanishedNs = ns;
    return h;
}

} // namespace sockscope::test
