// SPDX-License-Identifier: GPL-3.0-or-later
// A connection whose segments were captured for real (tests/data/capture/lo-ipv4.txt, the
// "transfer" scenario), with the histories and calls a poll every 10 ms would have shown for
// it, on the fixtures' clock (milliseconds): the SYN leaves at 10 ms.
#pragma once

#include "timelinefixtures.h"

#include "../../common/capturedsegments.h"

#include "core/capture/sequencenumbering.h"
#include "core/capture/wiresegment.h"

#include <QLineF>
#include <QRectF>

namespace sockscope::test {

// Whether a segment's arrow touches a label's rectangle.
inline bool crosses(const QLineF &line, const QRectF &rect)
{
    if (rect.contains(line.p1()) || rect.contains(line.p2()))
        return true;
    for (const QLineF &edge : {QLineF(rect.topLeft(), rect.topRight()), QLineF(rect.topRight(), rect.bottomRight()),
                               QLineF(rect.bottomRight(), rect.bottomLeft()), QLineF(rect.bottomLeft(), rect.topLeft())}) {
        if (line.intersects(edge) == QLineF::BoundedIntersection)
            return true;
    }
    return false;
}

inline constexpr quint16 transferClientPort = 40001; // as capture-frames.py numbers the scenario
inline constexpr quint16 transferServerPort = 8001;

// The scenario's segments as the live session keeps them: numbered relative, on the steady
// clock (the first at `firstMs`), named by end, and the sending calls' causes on the segments
// they put on the wire.
inline QList<WireSegment> transferWire(double firstMs = 10)
{
    CapturedScenario transfer;
    for (const CapturedScenario &s : capturedScenarios(QStringLiteral("capture/lo-ipv4.txt"))) {
        if (s.name == QLatin1String("transfer"))
            transfer = s;
    }
    const QList<Segment> &segments = transfer.segments;
    SequenceNumbering numbering;
    QList<WireSegment> wire;
    const QString client = QStringLiteral("client #1");
    const QString server = QStringLiteral("accepted #1");
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const Segment &s = segments[i];
        WireSegment w;
        w.segment = s;
        w.frame = transfer.frames[i];
        w.bases = numbering.take(s);
        w.steadyNs = ms(firstMs) + (s.timestampNs - segments.first().timestampNs);
        const bool fromClient = s.source.port == transferClientPort;
        w.sender = fromClient ? client : server;
        w.receiver = fromClient ? server : client;
        wire.append(w);
    }
    // SYN; data from each end; the client's FIN (shutdown), the server's FIN (close)
    if (wire.size() == 11) {
        wire[0].cause = client + QStringLiteral(": connect(127.0.0.1:8001)");
        wire[3].cause = client + QStringLiteral(": send(300 bytes)");
        wire[5].cause = server + QStringLiteral(": send(200 bytes)");
        wire[7].cause = client + QStringLiteral(": shutdown(SHUT_WR)");
        wire[9].cause = server + QStringLiteral(": close()");
    }
    return wire;
}

inline ConnectionHistory privateHistory(quint64 id, const QList<StateSpan> &spans, double vanishedMs, quint16 localPort,
                                        quint16 remotePort)
{
    ConnectionHistory h = history(id, spans, vanishedMs, localPort, remotePort);
    h.latest.network = Network::Private;
    h.key = ConnectionKey::of(h.latest);
    return h;
}

// The two ends of the transfer as polls every 10 ms saw them. The segments went at 10 ms
// (the handshake), 63.4 and 113.6 (data and its ACK), 163.8 (the client's FIN), 211.5 (its
// ACK, delayed), 215.6 (the server's FIN and the last ACK): the client was seen in FIN_WAIT1
// while its FIN waited for that ACK, never in the 4 ms of FIN_WAIT2; the server end vanished
// after its close().
inline QList<TimelineLane> transferLanes(double clientVanishedMs = -1)
{
    const ConnectionHistory client =
        privateHistory(1, {span(TcpState::Established, 20, 160, 10), span(TcpState::FinWait1, 170, 210, 10),
                           span(TcpState::TimeWait, 220, clientVanishedMs < 0 ? 300 : clientVanishedMs - 10, 10)},
                       clientVanishedMs, transferClientPort, transferServerPort);
    const ConnectionHistory server =
        privateHistory(2, {span(TcpState::Established, 20, 160, 10), span(TcpState::CloseWait, 170, 210, 10)}, 220,
                       transferServerPort, transferClientPort);
    const QList<LabCall> clientCalls = {call(9.8, 2, LabCall::Kind::Socket, 5), call(9.99, 2, LabCall::Kind::Connect, 0, EINPROGRESS),
                                        call(10.05, 2, LabCall::Kind::Connect, 0, 0, true),
                                        call(63.38, 2, LabCall::Kind::Send, 300), call(113.7, 2, LabCall::Kind::Receive, 200),
                                        call(163.78, 2, LabCall::Kind::Shutdown)};
    const QList<LabCall> serverCalls = {call(40, 3, LabCall::Kind::Accept, 6), call(63.5, 3, LabCall::Kind::Receive, 300),
                                        call(113.58, 3, LabCall::Kind::Send, 200), call(215.58, 3, LabCall::Kind::Close)};
    return {lane(QStringLiteral("client #1"), client, true, clientCalls),
            lane(QStringLiteral("accepted #1"), server, false, serverCalls)};
}

} // namespace sockscope::test
