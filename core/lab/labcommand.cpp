// SPDX-License-Identifier: GPL-3.0-or-later
#include "labcommand.h"

namespace sockscope {

QString epollOpName(EpollOp op)
{
    switch (op) {
    case EpollOp::Add: return QStringLiteral("ADD");
    case EpollOp::Modify: return QStringLiteral("MOD");
    case EpollOp::Delete: return QStringLiteral("DEL");
    }
    return QString();
}

std::optional<EpollOp> epollOpNamed(QStringView name)
{
    for (EpollOp op : {EpollOp::Add, EpollOp::Modify, EpollOp::Delete}) {
        if (name == epollOpName(op))
            return op;
    }
    return std::nullopt;
}

QString labOptionName(LabOption option)
{
    switch (option) {
    case LabOption::ReuseAddress: return QStringLiteral("SO_REUSEADDR");
    case LabOption::ReceiveBuffer: return QStringLiteral("SO_RCVBUF");
    case LabOption::SendBuffer: return QStringLiteral("SO_SNDBUF");
    case LabOption::DeferAccept: return QStringLiteral("TCP_DEFER_ACCEPT");
    case LabOption::SynRetries: return QStringLiteral("TCP_SYNCNT");
    case LabOption::KeepAlive: return QStringLiteral("SO_KEEPALIVE");
    case LabOption::Linger: return QStringLiteral("SO_LINGER");
    case LabOption::NoDelay: return QStringLiteral("TCP_NODELAY");
    }
    return QString();
}

std::optional<LabOption> labOptionNamed(QStringView name)
{
    for (int i = 0; i <= int(LabOption::NoDelay); ++i) {
        if (name == labOptionName(LabOption(i)))
            return LabOption(i);
    }
    return std::nullopt;
}

namespace {

LabCommand make(LabCommand::Kind kind, int socketId)
{
    LabCommand c;
    c.kind = kind;
    c.socketId = socketId;
    return c;
}

} // namespace

LabCommand LabCommand::socket(LabSocket::Role role, AddressFamily family)
{
    LabCommand c = make(Kind::Socket, 0);
    c.role = role;
    c.family = family;
    return c;
}

LabCommand LabCommand::setOption(int socketId, LabOption option, qint64 value)
{
    LabCommand c = make(Kind::SetOption, socketId);
    c.option = option;
    c.value = value;
    return c;
}

LabCommand LabCommand::bind(int socketId, const Endpoint &endpoint)
{
    LabCommand c = make(Kind::Bind, socketId);
    c.endpoint = endpoint;
    return c;
}

LabCommand LabCommand::listen(int socketId, int backlog)
{
    LabCommand c = make(Kind::Listen, socketId);
    c.value = backlog;
    return c;
}

LabCommand LabCommand::accept(int listenerId) { return make(Kind::Accept, listenerId); }

LabCommand LabCommand::connect(int socketId, const Endpoint &endpoint)
{
    LabCommand c = make(Kind::Connect, socketId);
    c.endpoint = endpoint;
    return c;
}

LabCommand LabCommand::send(int socketId, qint64 bytes)
{
    LabCommand c = make(Kind::Send, socketId);
    c.value = bytes;
    return c;
}

LabCommand LabCommand::fill(int socketId) { return make(Kind::Fill, socketId); }

LabCommand LabCommand::receive(int socketId, qint64 maxBytes)
{
    LabCommand c = make(Kind::Receive, socketId);
    c.value = maxBytes;
    return c;
}

LabCommand LabCommand::drain(int socketId) { return make(Kind::Drain, socketId); }
LabCommand LabCommand::echo(int socketId) { return make(Kind::Echo, socketId); }
LabCommand LabCommand::shutdownWrite(int socketId) { return make(Kind::ShutdownWrite, socketId); }
LabCommand LabCommand::close(int socketId) { return make(Kind::Close, socketId); }
LabCommand LabCommand::abort(int socketId) { return make(Kind::Abort, socketId); }
LabCommand LabCommand::epollCreate() { return make(Kind::EpollCreate, 0); }

LabCommand LabCommand::epollCtl(int epollId, EpollOp op, int socketId, quint32 events)
{
    LabCommand c = make(Kind::EpollCtl, socketId);
    c.epollId = epollId;
    c.epollOp = op;
    c.events = events;
    return c;
}

LabCommand LabCommand::epollWait(int epollId, int maxEvents, int timeoutMs)
{
    LabCommand c = make(Kind::EpollWait, 0);
    c.epollId = epollId;
    c.value = maxEvents;
    c.timeoutMs = timeoutMs;
    return c;
}

QString LabCommand::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Socket: return QStringLiteral("socket");
    case Kind::SetOption: return QStringLiteral("setsockopt");
    case Kind::Bind: return QStringLiteral("bind");
    case Kind::Listen: return QStringLiteral("listen");
    case Kind::Accept: return QStringLiteral("accept");
    case Kind::Connect: return QStringLiteral("connect");
    case Kind::Send: return QStringLiteral("send");
    case Kind::Fill: return QStringLiteral("fill");
    case Kind::Receive: return QStringLiteral("recv");
    case Kind::Drain: return QStringLiteral("drain");
    case Kind::Echo: return QStringLiteral("echo");
    case Kind::ShutdownWrite: return QStringLiteral("shutdown");
    case Kind::Close: return QStringLiteral("close");
    case Kind::Abort: return QStringLiteral("abort");
    case Kind::EpollCreate: return QStringLiteral("epoll_create1");
    case Kind::EpollCtl: return QStringLiteral("epoll_ctl");
    case Kind::EpollWait: return QStringLiteral("epoll_wait");
    }
    return QString();
}

} // namespace sockscope
