// SPDX-License-Identifier: GPL-3.0-or-later
#include "eventwording.h"

#include "core/tcp/stateexplainer.h"

#include <functional>

namespace sockscope {

namespace {

// The last value the lab passed to a successful call on this socket that `matches`: the
// backlog of listen(), the value of a setsockopt() option.
std::optional<qint64> lastValue(const Lab &lab, int socketId, const std::function<bool(const LabCall &)> &matches)
{
    const QList<LabCall> calls = lab.calls();
    for (qsizetype i = calls.size() - 1; i >= 0; --i) {
        const LabCall &c = calls[i];
        if (c.socketId == socketId && !c.failed() && !c.notCalled && matches(c))
            return c.value;
    }
    return std::nullopt;
}

// The lab listener a client connects to, and its row in the last snapshot.
const LabSocket *listenerFor(const Lab &lab, const Endpoint &target)
{
    for (const LabSocket &s : lab.sockets()) {
        if (s.role == LabSocket::Role::Listener && s.open
            && (s.local.unmapped() == target.unmapped() || (s.local.address.isAny() && s.local.port == target.port)))
            return lab.socket(s.id);
    }
    return nullptr;
}

} // namespace

QString EventWording::call(const LabCall &call)
{
    return call.toString();
}

QString EventWording::callUpdate(const LabCall &call)
{
    return call.name() + QLatin1Char('(') + call.argumentsText() + QStringLiteral("): ") + call.detail;
}

QString EventWording::reason(const Session &session, quint64 id)
{
    const ConnectionHistory *h = session.connections().history(id);
    const Lab *lab = session.lab();
    if (!h || !lab)
        return QString();
    const SocketRecord &r = h->latest;
    const RowRole role = lab->identify(r);

    if (r.state == TcpState::SynSent && role.kind == RowRole::Kind::Client) {
        const LabSocket *listener = listenerFor(*lab, r.remote);
        if (!listener)
            return QString();
        const std::optional<qint64> backlog =
            lastValue(*lab, listener->id, [](const LabCall &c) { return c.kind == LabCall::Kind::Listen; });
        for (quint64 listening : session.listeningIds()) {
            const ConnectionHistory *l = session.connections().history(listening);
            if (!l)
                continue;
            const SocketRecord &row = l->latest;
            if (row.inode == listener->inode && backlog
                && qint64(row.rxQueue) > *backlog) {
                return QStringLiteral("the server's accept queue is full (%1 completed connection(s) waiting, "
                                      "listen(%2)), so its kernel drops the SYN; the client retransmits it")
                    .arg(row.rxQueue)
                    .arg(*backlog);
            }
        }
        return QString();
    }
    if (r.state == TcpState::SynRecv && role.kind == RowRole::Kind::Handshaking) {
        for (const LabSocket &s : lab->sockets()) {
            if (s.role != LabSocket::Role::Listener || s.local.port != r.local.port)
                continue;
            const auto defer = lastValue(*lab, s.id, [](const LabCall &c) {
                return c.kind == LabCall::Kind::SetOption && c.option == LabOption::DeferAccept;
            });
            if (defer && *defer > 0)
                return QStringLiteral("the listener has TCP_DEFER_ACCEPT %1 s: its kernel ignores the final "
                                      "ACK until data arrives")
                    .arg(*defer);
        }
        return QString();
    }
    if (r.state == TcpState::Established && role.kind == RowRole::Kind::Queued)
        return QStringLiteral("the kernel completed the handshake; the connection waits in the accept queue "
                              "until accept() takes it");
    if (r.state == TcpState::CloseWait && role.isLab() && !role.closed)
        return QStringLiteral("the peer sent FIN; the kernel waits for this program to call close()");
    if (r.state == TcpState::TimeWait && r.timer == TimerKind::TimeWait)
        return QStringLiteral("this end closed first; the kernel keeps it %1 s more")
            .arg(double(r.timerRemainingMs) / 1000.0, 0, 'f', 1);
    return QString();
}

QString EventWording::transition(const Session &session, const ConnectionEvent &e)
{
    QString text;
    if (e.kind == ConnectionEvent::Kind::Appeared)
        text = QStringLiteral("appeared in %1").arg(kernelName(*e.to));
    else if (e.kind == ConnectionEvent::Kind::Vanished)
        text = QStringLiteral("left the kernel's table after %1 ms in %2").arg(e.msInFrom).arg(kernelName(*e.from));
    else
        text = QStringLiteral("%1 → %2 after %3 ms in %1").arg(kernelName(*e.from), kernelName(*e.to)).arg(e.msInFrom);
    text += QStringLiteral("  (%1 %2)").arg(e.key.local.toString(), e.key.remote.toString());
    if (e.kind != ConnectionEvent::Kind::Vanished) {
        const QString why = reason(session, e.id);
        text += QStringLiteral(" — ") + (why.isEmpty() ? StateExplainer::meaning(*e.to) : why);
    }
    return text;
}

QString EventWording::packetTransition(const PacketStateChange &c)
{
    const QString change = QStringLiteral("%1 → %2").arg(kernelName(c.transition.from), kernelName(c.transition.to));
    return c.transition.sent
        ? QStringLiteral("%1, timed by packet: it sent %2").arg(change, c.segment)
        : QStringLiteral("%1, timed by packet: %2 arrived from %3").arg(change, c.segment, c.sender);
}

} // namespace sockscope
