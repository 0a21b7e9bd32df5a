// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencefigure.h"

#include "core/capture/packetstates.h"
#include "core/session/session.h"
#include "core/tcp/statewalk.h"
#include "core/timeline/timelineplan.h"

namespace sockscope {

namespace {

// The changes a socket's polls saw: from `start` to its first state, then one per change.
QList<SequenceLayout::StateChange> polledChanges(const ConnectionHistory &h, int lifeline, TcpState start)
{
    QList<SequenceLayout::StateChange> out;
    TcpState from = start;
    for (const StateSpan &span : h.spans) {
        if (span.state != from)
            out.append({lifeline, from, span.state, span.firstSeenNs, SequenceLayout::Known::SeenByPoll, -1});
        from = span.state;
    }
    if (!h.alive && from != TcpState::Close)
        out.append({lifeline, from, TcpState::Close, h.vanishedNs, SequenceLayout::Known::SeenByPoll, -1});
    return out;
}

} // namespace

SequenceFigure SequenceFigure::of(const Session &session, quint64 clientEnd)
{
    SequenceFigure figure;
    const Lab *lab = session.lab();
    const RowRole client = session.roleOf(clientEnd);
    const std::optional<ConnectionHistory> clientHistory = session.historyNow(clientEnd);
    if (!lab || client.kind != RowRole::Kind::Client || !clientHistory)
        return figure;
    const LabSocket *clientSocket = lab->socket(client.socketId);
    if (!clientSocket)
        return figure;

    // The server's end: the peer row, and the socket accept() made of it (if it did).
    const quint64 serverEnd = session.peerOf(clientEnd);
    const RowRole server = serverEnd != 0 ? session.roleOf(serverEnd) : RowRole();
    const LabSocket *accepted = server.kind == RowRole::Kind::Accepted ? lab->socket(server.socketId) : nullptr;
    const LabSocket *listener = nullptr;
    for (const LabSocket &s : lab->sockets()) {
        if (s.role == LabSocket::Role::Listener && s.network == clientSocket->network
            && s.local.port == clientSocket->remote.port)
            listener = lab->socket(s.id); // the newest such listener
    }

    figure.lifelines.append({clientSocket->label(), {clientSocket->id}, {}});
    if (listener)
        figure.lifelines.append({listener->label(), {listener->id}, {QStringLiteral("listener")}});
    const int serverLifeline = int(figure.lifelines.size());
    const std::optional<ConnectionHistory> serverHistory =
        serverEnd != 0 ? session.historyNow(serverEnd) : std::optional<ConnectionHistory>();
    // The server's end under the name its segments carry: its accepted socket's, or while it
    // waits in the accept queue the listener's (WireSegment::sender).
    QString serverName;
    if (accepted) {
        figure.lifelines.append({accepted->label(), {accepted->id}, {}});
        serverName = accepted->label();
    } else if (serverHistory) {
        SequenceLayout::LifelineSpec queued;
        queued.label = session.labelOf(serverEnd);
        if (queued.label.isEmpty())
            queued.label = QStringLiteral("server end");
        queued.queued = true;
        figure.lifelines.append(queued);
        serverName = listener ? listener->label() : queued.label;
    }

    for (const LabCall &call : lab->calls()) {
        const bool ours = call.socketId == clientSocket->id || (accepted && call.socketId == accepted->id);
        // Of the listener's calls, all but the accept() calls that returned other connections.
        const bool listens = listener && call.socketId == listener->id
            && (call.kind != LabCall::Kind::Accept || call.createdSocketId == 0
                || (accepted && call.createdSocketId == accepted->id));
        if (ours || listens)
            figure.calls.append(call);
    }

    const QList<WireSegment> wire = session.wireSegmentsOf(clientEnd);
    for (const WireSegment &w : wire)
        figure.segments.append(SequenceLayout::SegmentSpec::of(w));

    // Where nothing was captured, the segments the two ends' observed changes imply, as the
    // timeline draws them (TimelinePlan leaves out what the capture shows).
    if (serverHistory) {
        const TimelineLane lanes[2] = {{clientSocket->label(), *clientHistory, session.callsOf(clientEnd), true},
                                       {serverName, *serverHistory, session.callsOf(serverEnd), false}};
        const TimelinePlan plan = TimelinePlan::build({lanes[0], lanes[1]}, 0, wire);
        for (const TimelinePlan::Segment &s : plan.segments()) {
            figure.segments.append(SequenceLayout::SegmentSpec::implied(
                s.flags, lanes[s.fromLane].label, lanes[s.toLane].label, s.change.windowStartNs, s.change.windowEndNs));
        }
    }

    // Each end's changes: proven by the wire where it was captured, as the polls saw them where not.
    QList<Segment> segments;
    for (const WireSegment &w : wire) {
        segments.append(w.segment);
        segments.last().timestampNs = w.steadyNs;
    }
    const auto addEnd = [&](const ConnectionHistory &h, int lifeline, bool clientSide) {
        const QList<PacketTransition> proven =
            segments.isEmpty() ? QList<PacketTransition>()
                               : PacketStates::of(segments, h.key.local, StateWalk::impliedStart(clientSide));
        if (proven.isEmpty()) {
            figure.changes += polledChanges(h, lifeline, StateWalk::impliedStart(clientSide));
            return;
        }
        for (const PacketTransition &t : proven)
            figure.changes.append({lifeline, t.from, t.to, t.atNs, SequenceLayout::Known::TimedByPacket, t.segment});
    };
    addEnd(*clientHistory, 0, true);
    // The listener's LISTEN, as the polls saw it.
    for (quint64 id : session.connections().ids()) {
        const RowRole role = session.roleOf(id);
        if (listener && role.kind == RowRole::Kind::Listener && role.socketId == listener->id) {
            if (const std::optional<ConnectionHistory> h = session.historyNow(id))
                figure.changes += polledChanges(*h, 1, TcpState::Close); // a listener starts CLOSED
            break;
        }
    }
    if (serverHistory)
        addEnd(*serverHistory, serverLifeline, false);
    return figure;
}

} // namespace sockscope
