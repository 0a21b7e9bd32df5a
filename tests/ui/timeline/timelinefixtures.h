// SPDX-License-Identifier: GPL-3.0-or-later
// Hand-built histories and calls for the timeline tests, in milliseconds for readability.
#pragma once

#include "core/timeline/timelinelane.h"

#include <cerrno>

namespace sockscope::test {

inline constexpr qint64 ms(double milliseconds)
{
    return qint64(milliseconds * 1000000);
}

// A span seen by polls every `pollMs` from `firstMs` to `lastMs`.
inline StateSpan span(TcpState state, double firstMs, double lastMs, double pollMs = 500)
{
    StateSpan s;
    s.state = state;
    s.firstSeenNs = ms(firstMs);
    s.lastSeenNs = ms(lastMs);
    s.firstSeenWallMs = 1700000000000 + qint64(firstMs);
    s.lastSeenWallMs = 1700000000000 + qint64(lastMs);
    s.polls = 1 + int((lastMs - firstMs) / pollMs + 0.5);
    return s;
}

inline Endpoint loopback(quint16 port)
{
    return {IpAddress::fromIPv4(0x7f000001), port, QString()};
}

inline ConnectionHistory history(quint64 id, const QList<StateSpan> &spans, double vanishedMs = -1,
                                 quint16 localPort = 45678, quint16 remotePort = 8000)
{
    ConnectionHistory h;
    h.id = id;
    h.spans = spans;
    h.alive = vanishedMs < 0;
    h.vanishedNs = h.alive ? 0 : ms(vanishedMs);
    h.vanishedWallMs = h.alive ? 0 : 1700000000000 + qint64(vanishedMs);
    h.latest.state = spans.last().state;
    h.latest.local = loopback(localPort);
    h.latest.remote = loopback(remotePort);
    h.key = ConnectionKey::of(h.latest);
    return h;
}

inline LabCall call(double atMs, int socketId, LabCall::Kind kind, qint64 result = 0, int error = 0,
                    bool asynchronous = false)
{
    LabCall c;
    c.steadyNs = ms(atMs);
    c.wallTimeMs = 1700000000000 + qint64(atMs);
    c.socketId = socketId;
    c.kind = kind;
    if (kind == LabCall::Kind::Connect)
        c.endpoint = loopback(8000); // every connection here is to the server on port 8000
    c.result = error ? -1 : result;
    c.error = error;
    c.asynchronous = asynchronous;
    return c;
}

inline TimelineLane lane(const QString &label, const ConnectionHistory &h, bool clientSide,
                         const QList<LabCall> &calls = {})
{
    TimelineLane l;
    l.label = label;
    l.history = h;
    l.calls = calls;
    l.clientSide = clientSide;
    return l;
}

// A whole connection as the lab and a 500 ms poll would show it: the client connects, both
// ends sit in ESTABLISHED, the client half-closes (FIN_WAIT2 / CLOSE_WAIT), the server closes
// and vanishes, the client waits in TIME_WAIT until `clientVanishedMs` (-1: still there).
inline QList<TimelineLane> closedConnection(double clientVanishedMs = 64310, quint64 firstId = 1)
{
    const ConnectionHistory client = history(firstId, {span(TcpState::Established, 310, 2310),
                                                       span(TcpState::FinWait2, 2810, 3810),
                                                       span(TcpState::TimeWait, 4310, clientVanishedMs < 0 ? 15810 : clientVanishedMs - 500)},
                                             clientVanishedMs);
    const ConnectionHistory server = history(firstId + 1, {span(TcpState::Established, 310, 2310),
                                                           span(TcpState::CloseWait, 2810, 3810)},
                                             4310, 8000, 45678);
    const QList<LabCall> clientCalls = {call(0, 2, LabCall::Kind::Socket, 5), call(0.2, 2, LabCall::Kind::Connect, 0, EINPROGRESS),
                                        call(0.4, 2, LabCall::Kind::Connect, 0, 0, true),
                                        call(1200, 2, LabCall::Kind::Send, 512), call(2500, 2, LabCall::Kind::Shutdown)};
    const QList<LabCall> serverCalls = {call(900, 3, LabCall::Kind::Accept, 6), call(1210, 3, LabCall::Kind::Receive, 512),
                                        call(1900, 3, LabCall::Kind::Receive, 0, EAGAIN), call(3000, 3, LabCall::Kind::Receive, 0),
                                        call(4100, 3, LabCall::Kind::Close)};
    return {lane(QStringLiteral("client #1"), client, true, clientCalls),
            lane(QStringLiteral("accepted #1"), server, false, serverCalls)};
}

} // namespace sockscope::test
