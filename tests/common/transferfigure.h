// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The "transfer" connection of tests/data/capture/lo-ipv4.txt as a sequence figure's inputs:
// the real frames, numbered and named as the live session keeps them, with the lab's calls
// written by hand around them as the lab stamps calls (when they return), and the state
// changes PacketStates proves from the same frames. For the sequence layout's tests and the
// view's.

#include "capturedsegments.h"

#include "core/capture/packetstates.h"
#include "core/capture/sequencenumbering.h"
#include "core/sequence/sequencelayout.h"

#include <QHash>

#include <cerrno>

namespace sockscope::test::transfer {

using Layout = SequenceLayout;
using Kind = LabCall::Kind;

const QString ipv4File = QStringLiteral("capture/lo-ipv4.txt");
const QString client = QStringLiteral("client #1");
const QString listener = QStringLiteral("listener");
const QString accepted = QStringLiteral("accepted #1");

// The lab's socket ids, and the lifelines in the figure's order.
enum : int { listenerId = 1, clientId = 2, acceptedId = 3 };
enum : int { clientLine = 0, listenerLine = 1, acceptedLine = 2 };

constexpr qint64 originNs = 1'000'000'000; // the first segment leaves 1 s into the steady clock

constexpr qint64 us(double v) { return qint64(v * 1'000); }
constexpr qint64 ms(double v) { return qint64(v * 1'000'000); }

QList<Layout::LifelineSpec> threeLifelines()
{
    return {{client, {clientId}, {}}, {listener, {listenerId}, {}}, {accepted, {acceptedId}, {}}};
}

Endpoint endpoint(quint16 port)
{
    return {*IpAddress::fromString(QStringLiteral("127.0.0.1")), port, QString()};
}

// One of the capture's scenarios (capture-frames.py: client port 40000 + n, listener 8000 + n)
// as a session keeps it.
struct Capture
{
    QList<WireSegment> wire;
    Endpoint clientEnd;
    Endpoint serverEnd;

    qint64 at(qsizetype segment) const { return wire[segment].steadyNs; }
    QList<Segment> segments() const
    {
        QList<Segment> out;
        for (const WireSegment &w : wire)
            out.append(w.segment);
        return out;
    }
    QList<Layout::SegmentSpec> specs(qsizetype count = -1) const
    {
        QList<Layout::SegmentSpec> out;
        for (const WireSegment &w : wire.mid(0, count))
            out.append(Layout::SegmentSpec::of(w));
        return out;
    }
    // The changes the frames prove for one end, timed by their segments.
    QList<Layout::StateChange> changesOf(const Endpoint &end, TcpState start, int lifeline) const
    {
        QList<Layout::StateChange> out;
        for (const PacketTransition &t : PacketStates::of(segments(), end, start))
            out.append({lifeline, t.from, t.to, at(t.segment), Layout::Known::TimedByPacket, t.segment});
        return out;
    }
};

// The server's end is named "listener" until `acceptNs` (when accept() returned it), as
// LiveSession::whoIs() names it; a segment caused by a call names it in `causes`.
Capture capture(const QString &scenario, int port, qint64 acceptNs, const QHash<qsizetype, QString> &causes = {})
{
    Capture c;
    c.clientEnd = endpoint(quint16(40000 + port));
    c.serverEnd = endpoint(quint16(8000 + port));
    const QList<Segment> segments = capturedSegments(ipv4File, scenario);
    SequenceNumbering numbering;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const Segment &s = segments[i];
        WireSegment w;
        w.segment = s;
        w.bases = numbering.take(s);
        w.steadyNs = originNs + (s.timestampNs - segments.first().timestampNs);
        const QString server = w.steadyNs < acceptNs ? listener : accepted;
        const bool fromClient = s.source == c.clientEnd;
        w.sender = fromClient ? client : server;
        w.receiver = fromClient ? server : client;
        w.cause = causes.value(i);
        c.wire.append(w);
    }
    return c;
}

QString labelOf(int socket)
{
    switch (socket) {
    case listenerId: return listener;
    case clientId: return client;
    case acceptedId: return accepted;
    }
    return QString();
}

// The lab's log, written by hand: each call stamped when it returned.
struct Calls
{
    QList<LabCall> list;

    qsizetype add(qint64 atNs, int socket, Kind kind, qint64 result = 0, int error = 0)
    {
        LabCall c;
        c.sequence = quint64(list.size() + 1);
        c.steadyNs = atNs;
        c.kind = kind;
        c.socketId = socket;
        c.socketLabel = labelOf(socket);
        c.result = result;
        c.error = error;
        list.append(c);
        return list.size() - 1;
    }
    LabCall &operator[](qsizetype i) { return list[i]; }
};

// "client #1: connect(127.0.0.1:8001)", as LiveSession::noteCause() writes it.
QString causeOf(int socket, const QString &call)
{
    return labelOf(socket) + QStringLiteral(": ") + call;
}

// The "transfer" scenario (port 1): handshake, 300 bytes from the client and 200 back, the
// client's shutdown(SHUT_WR), the server's close(); the server accepts 30 ms after the handshake.
struct Transfer
{
    Capture wire;
    Calls calls;
    QList<Layout::StateChange> changes;
    qsizetype connect = 0, connected = 0, accept = 0, clientSend = 0, shutdown = 0, serverClose = 0;

    Transfer()
    {
        const qint64 acceptNs = originNs + ms(30);
        wire = capture(QStringLiteral("transfer"), 1, acceptNs,
                       {{0, causeOf(clientId, QStringLiteral("connect(127.0.0.1:8001)"))},
                        {3, causeOf(clientId, QStringLiteral("send(300 bytes)"))},
                        {5, causeOf(acceptedId, QStringLiteral("send(200 bytes)"))},
                        {7, causeOf(clientId, QStringLiteral("shutdown(SHUT_WR)"))},
                        {9, causeOf(acceptedId, QStringLiteral("close()"))}});

        calls.add(originNs - ms(30), listenerId, Kind::Socket, 3);
        calls.list.last().createdSocketId = listenerId;
        calls[calls.add(originNs - ms(29.9), listenerId, Kind::Bind)].endpoint = endpoint(8001);
        calls[calls.add(originNs - ms(29.8), listenerId, Kind::Listen)].value = 8;
        calls.add(originNs - ms(20), clientId, Kind::Socket, 4);
        calls.list.last().createdSocketId = clientId;
        // connect() returns after its SYN has left; it finishes when the SYN,ACK has come.
        connect = calls.add(wire.at(0) + us(5), clientId, Kind::Connect, -1, EINPROGRESS);
        calls[connect].endpoint = endpoint(8001);
        connected = calls.add(wire.at(1) + us(20), clientId, Kind::Connect);
        calls[connected].endpoint = endpoint(8001);
        calls[connected].asynchronous = true;
        accept = calls.add(acceptNs, listenerId, Kind::Accept, 5);
        calls[accept].createdSocketId = acceptedId;
        clientSend = calls.add(wire.at(3) + us(10), clientId, Kind::Send, 300);
        calls[clientSend].value = 300;
        calls[calls.add(wire.at(3) + ms(20), acceptedId, Kind::Receive, 300)].value = 1000;
        calls[calls.add(wire.at(5) + us(10), acceptedId, Kind::Send, 200)].value = 200;
        calls[calls.add(wire.at(5) + ms(10), clientId, Kind::Receive, 200)].value = 1000;
        shutdown = calls.add(wire.at(7) + us(10), clientId, Kind::Shutdown);
        calls[calls.add(wire.at(7) + ms(20), acceptedId, Kind::Receive, 0)].value = 1000;
        serverClose = calls.add(wire.at(9) + us(10), acceptedId, Kind::Close);
        calls.add(wire.at(10) + ms(50), clientId, Kind::Close);

        // The listener's LISTEN as the next poll saw it; both ends of the connection as the
        // frames prove them.
        changes.append({listenerLine, TcpState::Close, TcpState::Listen, originNs - ms(29), Layout::Known::SeenByPoll, -1});
        changes += wire.changesOf(wire.clientEnd, TcpState::Close, clientLine);
        changes += wire.changesOf(wire.serverEnd, TcpState::Listen, acceptedLine);
    }

    Layout layout() const { return Layout::of(threeLifelines(), calls.list, wire.specs(), changes); }
};


} // namespace sockscope::test::transfer
