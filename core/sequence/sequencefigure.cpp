// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencefigure.h"

#include "core/capture/packetstates.h"
#include "core/session/session.h"
#include "core/tcp/statewalk.h"
#include "core/timeline/timelineplan.h"

#include <algorithm>
#include <limits>

namespace sockscope {

namespace {

// The changes a socket's polls saw up to `untilNs`: from `start` to its first state, then one
// per change.
QList<SequenceLayout::StateChange> polledChanges(const ConnectionHistory &h, int lifeline, TcpState start, qint64 untilNs)
{
    QList<SequenceLayout::StateChange> out;
    TcpState from = start;
    for (const StateSpan &span : h.spans) {
        if (span.firstSeenNs > untilNs)
            break;
        if (span.state != from)
            out.append({lifeline, from, span.state, span.firstSeenNs, SequenceLayout::Known::SeenByPoll, -1});
        from = span.state;
    }
    if (!h.alive && from != TcpState::Close && h.vanishedNs <= untilNs)
        out.append({lifeline, from, TcpState::Close, h.vanishedNs, SequenceLayout::Known::SeenByPoll, -1});
    return out;
}

// A lab socket's name as its calls give it ("client #1"), or as the table's role does without
// what it says of the moment ("client #1 (closed)").
QString socketLabel(const QList<LabCall> &calls, int socketId, const QString &fallback)
{
    for (const LabCall &call : calls) {
        if (call.socketId == socketId && !call.socketLabel.isEmpty())
            return call.socketLabel;
    }
    QString label = fallback;
    if (label.endsWith(QLatin1String(" (closed)")))
        label.chop(9);
    return label;
}

} // namespace

SequenceFigure SequenceFigure::of(const Session &session, quint64 clientEnd, qint64 untilNs)
{
    SequenceFigure figure;
    const int clientId = session.labSocketOf(clientEnd);
    std::optional<ConnectionHistory> clientHistory = session.historyNow(clientEnd);
    if (clientId == 0 || !session.isClientSide(clientEnd) || !clientHistory)
        return figure;
    QList<LabCall> all = session.labCalls();
    all.removeIf([untilNs](const LabCall &c) { return c.steadyNs > untilNs; });
    const QString clientLabel = socketLabel(all, clientId, session.labelOf(clientEnd));

    // The port it connected to, and the listener there: the one that listened last before the
    // client's connect().
    std::optional<LabCall> connect;
    for (const LabCall &call : all) {
        if (call.socketId == clientId && call.kind == LabCall::Kind::Connect && !call.asynchronous && !call.notCalled) {
            connect = call;
            break;
        }
    }
    const quint16 serverPort = connect ? connect->endpoint.port : clientHistory->key.remote.port;
    // The lab's socket whose LISTEN row the polls saw on that port (bind() to port 0 leaves
    // the port to the kernel, so the calls alone may not tell), else the last that listened
    // on a socket bound to it.
    int listenerId = 0;
    quint64 listenerRow = 0;
    for (quint64 id : session.connections().ids()) {
        const ConnectionHistory *h = session.connections().history(id); // cheap checks first: many rows
        if (!h || h->key.local.port != serverPort || h->key.network != clientHistory->key.network
            || !std::any_of(h->spans.cbegin(), h->spans.cend(), [](const StateSpan &s) { return s.state == TcpState::Listen; }))
            continue;
        if (const int socket = session.labSocketOf(id); socket != 0) {
            listenerId = socket;
            listenerRow = id;
        }
    }
    if (listenerId == 0) {
        QHash<int, quint16> boundPort;
        for (const LabCall &call : all) {
            if (connect && call.steadyNs > connect->steadyNs)
                break;
            if (call.kind == LabCall::Kind::Bind && !call.failed())
                boundPort.insert(call.socketId, call.endpoint.port);
            else if (call.kind == LabCall::Kind::Listen && !call.failed() && boundPort.value(call.socketId) == serverPort)
                listenerId = call.socketId;
        }
    }

    // The server's end: the peer row, and the socket accept() made of it (if it did).
    const quint64 serverEnd = session.peerOf(clientEnd);
    std::optional<ConnectionHistory> serverHistory =
        serverEnd != 0 ? session.historyNow(serverEnd) : std::optional<ConnectionHistory>();
    if (serverHistory && (serverHistory->spans.isEmpty() || serverHistory->spans.first().firstSeenNs > untilNs))
        serverHistory.reset();
    int acceptedId = 0;
    if (serverHistory) {
        const int id = session.labSocketOf(serverEnd);
        const bool acceptedByNow = std::any_of(all.cbegin(), all.cend(), [id](const LabCall &c) {
            return c.kind == LabCall::Kind::Accept && c.createdSocketId == id && id != 0;
        });
        if (acceptedByNow)
            acceptedId = id;
    }

    // The epoll instances that watch one of this connection's sockets. Their own calls
    // (epoll_create1(), an epoll_wait() that reports nothing yet) go on the listener's lifeline
    // for the server's instances (those that watch the listener or the accepted socket), on the
    // client's for an instance that watches only the client. An epoll_wait() that reports one
    // of the figure's sockets goes on that socket's lifeline (SequenceLayout).
    const auto serverSide = [&](int socketId) {
        return socketId != 0 && (socketId == listenerId || socketId == acceptedId);
    };
    const auto inFigure = [&](int socketId) { return socketId == clientId || serverSide(socketId); };
    QList<int> serverEpolls;
    QList<int> clientEpolls;
    for (const LabCall &call : std::as_const(all)) {
        if (call.kind != LabCall::Kind::EpollCtl || call.notCalled || !inFigure(call.socketId))
            continue;
        QList<int> &side = serverSide(call.socketId) ? serverEpolls : clientEpolls;
        if (!side.contains(call.epollId))
            side.append(call.epollId);
    }
    for (int id : std::as_const(serverEpolls))
        clientEpolls.removeAll(id);
    const QList<int> epolls = serverEpolls + clientEpolls;

    figure.lifelines.append({clientLabel, QList<int>{clientId} + clientEpolls, {}});
    QString listenerLabel;
    if (listenerId != 0) {
        listenerLabel = socketLabel(all, listenerId, QStringLiteral("listener"));
        figure.lifelines.append({listenerLabel, QList<int>{listenerId} + serverEpolls, {QStringLiteral("listener")}});
    }
    const int serverLifeline = int(figure.lifelines.size());
    // The server's end under the name its segments carry: its accepted socket's, or while it
    // waits in the accept queue the listener's (WireSegment::sender).
    QString serverName;
    if (acceptedId != 0) {
        serverName = socketLabel(all, acceptedId, session.labelOf(serverEnd));
        // without a listener in the figure, the server's epoll instances are drawn here
        figure.lifelines.append({serverName, QList<int>{acceptedId} + (listenerId != 0 ? QList<int>() : serverEpolls), {}});
    } else if (serverHistory) {
        SequenceLayout::LifelineSpec queued;
        queued.label = session.labelOf(serverEnd);
        if (queued.label.isEmpty())
            queued.label = QStringLiteral("server end");
        queued.queued = true;
        figure.lifelines.append(queued);
        serverName = listenerId != 0 ? listenerLabel : queued.label;
    }

    QList<int> waitingShown; // epoll instances whose waiting epoll_wait() is in the figure
    for (const LabCall &call : std::as_const(all)) {
        const bool ours = call.socketId == clientId || (acceptedId != 0 && call.socketId == acceptedId);
        // Of the listener's calls, all but the accept() calls that returned other connections.
        const bool listens = listenerId != 0 && call.socketId == listenerId
            && (call.kind != LabCall::Kind::Accept || call.createdSocketId == 0
                || (acceptedId != 0 && call.createdSocketId == acceptedId));
        // Of the epoll instances' own calls, all but an epoll_wait() that reported only other
        // connections' sockets; the completion of a wait shown is shown, whatever woke it. A
        // close() of an instance is left out: on a socket's lifeline it would read as the socket's.
        bool serves = epolls.contains(call.socketId) && call.kind != LabCall::Kind::Close;
        if (serves && call.kind == LabCall::Kind::EpollWait) {
            if (call.asynchronous) {
                serves = waitingShown.removeOne(call.socketId);
            } else if (call.waiting) {
                waitingShown.append(call.socketId);
            } else {
                serves = call.ready.isEmpty()
                    || std::any_of(call.ready.cbegin(), call.ready.cend(),
                                   [&](const LabCall::Ready &r) { return inFigure(r.socketId); });
            }
        }
        if (ours || listens || serves)
            figure.calls.append(call);
    }

    QList<WireSegment> wire = session.wireSegmentsOf(clientEnd);
    wire.removeIf([untilNs](const WireSegment &w) { return w.steadyNs > untilNs; });
    for (const WireSegment &w : std::as_const(wire))
        figure.segments.append(SequenceLayout::SegmentSpec::of(w));

    // What the polls had seen by then.
    const auto upTo = [untilNs](ConnectionHistory h) {
        h.spans.removeIf([untilNs](const StateSpan &s) { return s.firstSeenNs > untilNs; });
        if (!h.alive && h.vanishedNs > untilNs)
            h.alive = true;
        return h;
    };
    clientHistory = upTo(*clientHistory);
    if (serverHistory)
        serverHistory = upTo(*serverHistory);

    // Where nothing was captured, the segments the two ends' observed changes imply, as the
    // timeline draws them (TimelinePlan leaves out what the capture shows).
    if (serverHistory) {
        const TimelineLane client{clientLabel, *clientHistory, session.callsOf(clientEnd), true};
        const TimelineLane server{serverName, *serverHistory, session.callsOf(serverEnd), false};
        const TimelinePlan plan = TimelinePlan::build({client, server}, untilNs, wire);
        for (const TimelinePlan::Segment &s : plan.segments()) {
            figure.segments.append(SequenceLayout::SegmentSpec::implied(
                s.flags, s.fromLane == 0 ? client.label : server.label, s.fromLane == 0 ? server.label : client.label,
                s.change.windowStartNs, s.change.windowEndNs));
            // A state its sender passed on the way to the one a poll saw, entered as it sent it.
            if (s.transition.to != s.change.to) {
                figure.changes.append({s.fromLane == 0 ? 0 : serverLifeline, s.transition.from, s.transition.to,
                                       s.change.windowStartNs, SequenceLayout::Known::PassedNotObserved,
                                       figure.segments.size() - 1});
            }
        }
    }

    // Each end's changes: proven by the wire where it was captured, as the polls saw them where not.
    QList<Segment> segments;
    for (const WireSegment &w : std::as_const(wire)) {
        segments.append(w.segment);
        segments.last().timestampNs = w.steadyNs;
    }
    const auto addEnd = [&](const ConnectionHistory &h, int lifeline, bool clientSide) {
        const QList<PacketTransition> proven =
            segments.isEmpty() ? QList<PacketTransition>()
                               : PacketStates::of(segments, h.key.local, StateWalk::impliedStart(clientSide),
                                                  stoppedOf(wire));
        if (proven.isEmpty()) {
            figure.changes += polledChanges(h, lifeline, StateWalk::impliedStart(clientSide), untilNs);
            return;
        }
        for (const PacketTransition &t : proven)
            figure.changes.append({lifeline, t.from, t.to, t.atNs, SequenceLayout::Known::TimedByPacket, t.segment});
    };
    addEnd(*clientHistory, 0, true);
    // The listener's LISTEN, as the polls saw it.
    if (listenerRow != 0) {
        if (const std::optional<ConnectionHistory> h = session.historyNow(listenerRow))
            figure.changes += polledChanges(upTo(*h), 1, TcpState::Close, untilNs); // a listener starts CLOSED
    }
    if (serverHistory)
        addEnd(*serverHistory, serverLifeline, false);
    return figure;
}

} // namespace sockscope
