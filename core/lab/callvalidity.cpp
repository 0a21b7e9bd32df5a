// SPDX-License-Identifier: GPL-3.0-or-later
#include "callvalidity.h"

namespace sockscope {

CallValidity::Situation CallValidity::situationOf(const LabSocket &s)
{
    if (!s.open)
        return Situation::Closed;
    if (s.listening)
        return Situation::Listening;
    if (s.connecting)
        return Situation::Connecting;
    if (s.connected)
        return s.shutWrite ? Situation::HalfClosed : Situation::Connected;
    return s.local.port != 0 ? Situation::Bound : Situation::Fresh;
}

bool CallValidity::allows(const LabSocket &socket, LabCommand::Kind command)
{
    return allows(socket.role, situationOf(socket), command);
}

bool CallValidity::allows(LabSocket::Role role, Situation situation, LabCommand::Kind command)
{
    using K = LabCommand::Kind;
    using S = Situation;
    if (situation == S::Closed)
        return false;
    const bool listener = role == LabSocket::Role::Listener;
    switch (command) {
    case K::Socket:
    case K::EpollCreate: // not calls on a socket
    case K::EpollWait:
        return false;
    case K::EpollCtl: // any open socket can be watched (ADD), changed (MOD) or left (DEL)
    case K::SetOption:
    case K::Close:
    case K::Abort:
        return true;
    case K::Bind:
        return situation == S::Fresh;
    case K::Listen:
        return listener && situation == S::Bound;
    case K::Accept:
        return listener && situation == S::Listening;
    case K::Connect:
        // A client connects, from a port of its own or one the kernel picks; after a failed
        // connect() it may try again.
        return role == LabSocket::Role::Client && (situation == S::Fresh || situation == S::Bound);
    case K::Send:
    case K::Fill:
    case K::Echo:
    case K::ShutdownWrite:
        return !listener && situation == S::Connected;
    case K::Receive:
    case K::Drain:
        return !listener && (situation == S::Connected || situation == S::HalfClosed);
    }
    return false;
}

QList<LabCommand::Kind> CallValidity::allowed(const LabSocket &socket)
{
    QList<LabCommand::Kind> out;
    for (int k = 0; k <= int(LabCommand::Kind::EpollWait); ++k) {
        if (allows(socket, LabCommand::Kind(k)))
            out.append(LabCommand::Kind(k));
    }
    return out;
}

QString CallValidity::whyNotEpollCtl(const LabEpoll *epoll, const LabSocket *socket, EpollOp op)
{
    if (!epoll || !epoll->open)
        return QStringLiteral("no epoll instance: epoll_create1() makes one");
    if (!socket)
        return QStringLiteral("select a lab socket for %1 to watch").arg(epoll->label());
    if (!allows(*socket, LabCommand::Kind::EpollCtl))
        return QStringLiteral("%1 is closed").arg(socket->label());
    const bool watched = epoll->interest.contains(socket->id);
    if (op == EpollOp::Add && watched)
        return QStringLiteral("%1 already watches %2: MOD changes its events").arg(epoll->label(), socket->label());
    if (op != EpollOp::Add && !watched)
        return QStringLiteral("%1 does not watch %2: ADD it first").arg(epoll->label(), socket->label());
    return QString();
}

QString CallValidity::whyNotEpollWait(const LabEpoll *epoll)
{
    if (!epoll || !epoll->open)
        return QStringLiteral("no epoll instance: epoll_create1() makes one");
    if (epoll->waiting)
        return QStringLiteral("an epoll_wait() on %1 is already waiting").arg(epoll->label());
    return QString();
}

} // namespace sockscope
