// SPDX-License-Identifier: GPL-3.0-or-later
#include "labcall.h"

#include <cstring>
#include <sys/epoll.h>

namespace sockscope {

QString LabCall::errorName() const
{
    if (error == 0)
        return QString();
    const char *name = ::strerrorname_np(error);
    return name ? QString::fromLatin1(name) : QStringLiteral("errno %1").arg(error);
}

QString LabCall::errorText() const
{
    return error == 0 ? QString() : QString::fromLocal8Bit(std::strerror(error));
}

QString LabCall::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Socket: return QStringLiteral("socket");
    case Kind::SetOption: return QStringLiteral("setsockopt");
    case Kind::Bind: return QStringLiteral("bind");
    case Kind::Listen: return QStringLiteral("listen");
    case Kind::Accept: return QStringLiteral("accept");
    case Kind::Connect: return QStringLiteral("connect");
    case Kind::Send: return QStringLiteral("send");
    case Kind::Receive: return QStringLiteral("recv");
    case Kind::Shutdown: return QStringLiteral("shutdown");
    case Kind::Close: return QStringLiteral("close");
    case Kind::EpollCreate: return QStringLiteral("epoll_create1");
    case Kind::EpollCtl: return QStringLiteral("epoll_ctl");
    case Kind::EpollWait: return QStringLiteral("epoll_wait");
    }
    return QString();
}

namespace {

struct EventName
{
    quint32 bit;
    const char *name;
};

// In the kernel's bit order; EPOLLET is the top bit.
constexpr EventName eventNames[] = {
    {EPOLLIN, "EPOLLIN"},         {EPOLLPRI, "EPOLLPRI"},           {EPOLLOUT, "EPOLLOUT"},
    {EPOLLERR, "EPOLLERR"},       {EPOLLHUP, "EPOLLHUP"},           {EPOLLRDNORM, "EPOLLRDNORM"},
    {EPOLLRDBAND, "EPOLLRDBAND"}, {EPOLLWRNORM, "EPOLLWRNORM"},     {EPOLLWRBAND, "EPOLLWRBAND"},
    {EPOLLMSG, "EPOLLMSG"},       {EPOLLRDHUP, "EPOLLRDHUP"},       {EPOLLEXCLUSIVE, "EPOLLEXCLUSIVE"},
    {EPOLLWAKEUP, "EPOLLWAKEUP"}, {EPOLLONESHOT, "EPOLLONESHOT"},   {quint32(EPOLLET), "EPOLLET"},
};

} // namespace

QStringList LabCall::epollEventNames(quint32 events)
{
    QStringList names;
    for (const EventName &e : eventNames) {
        if (events & e.bit) {
            names << QString::fromLatin1(e.name);
            events &= ~e.bit;
        }
    }
    for (int bit = 0; bit < 32; ++bit) {
        if (events & (1u << bit))
            names << QStringLiteral("0x%1").arg(1u << bit, 0, 16);
    }
    return names;
}

QString LabCall::epollEventsText(quint32 events)
{
    return events == 0 ? QStringLiteral("0") : epollEventNames(events).join(QLatin1Char('|'));
}

std::optional<quint32> LabCall::epollEventNamed(QStringView name)
{
    for (const EventName &e : eventNames) {
        if (name == QLatin1String(e.name))
            return e.bit;
    }
    return std::nullopt;
}

QString LabCall::readyText() const
{
    QStringList parts;
    for (const Ready &r : ready)
        parts << r.socketLabel + QLatin1Char(' ') + epollEventsText(r.events);
    return parts.join(QStringLiteral(", "));
}

std::optional<LabCall::Kind> LabCall::kindNamed(QStringView name)
{
    for (int i = 0; i < kindCount; ++i) {
        if (name == kindName(Kind(i)))
            return Kind(i);
    }
    return std::nullopt;
}

QString LabCall::argumentsText() const
{
    switch (kind) {
    case Kind::Socket:
        return (family == AddressFamily::IPv4 ? QStringLiteral("AF_INET") : QStringLiteral("AF_INET6"))
            + QStringLiteral(", SOCK_STREAM | SOCK_NONBLOCK");
    case Kind::SetOption:
        if (option == LabOption::Linger)
            return labOptionName(option) + QStringLiteral(", {on, %1 s}").arg(value);
        return labOptionName(option) + QStringLiteral(", ") + QString::number(value);
    case Kind::Bind: {
        // Port 0 is written as 0 here: it asks the kernel to choose.
        const QString host = endpoint.address.isIPv6() ? QLatin1Char('[') + endpoint.addressText() + QLatin1Char(']')
                                                        : endpoint.addressText();
        return host + QLatin1Char(':') + QString::number(endpoint.port);
    }
    case Kind::Connect:
        return endpoint.toString();
    case Kind::Listen:
        return QString::number(value);
    case Kind::Send:
        return repeated ? QStringLiteral("until the kernel takes no more") : QStringLiteral("%1 bytes").arg(value);
    case Kind::Receive:
        return repeated ? QStringLiteral("until nothing is left") : QStringLiteral("up to %1 bytes").arg(value);
    case Kind::Shutdown:
        switch (how) {
        case How::Read: return QStringLiteral("SHUT_RD");
        case How::Write: return QStringLiteral("SHUT_WR");
        case How::Both: return QStringLiteral("SHUT_RDWR");
        }
        return QString();
    case Kind::EpollCreate:
        return QStringLiteral("EPOLL_CLOEXEC");
    case Kind::EpollCtl:
        return epollLabel + QStringLiteral(", EPOLL_CTL_") + epollOpName(epollOp) + QStringLiteral(", ") + socketLabel
            + (epollOp == EpollOp::Delete ? QString() : QStringLiteral(", ") + epollEventsText(events));
    case Kind::EpollWait:
        return epollLabel + QStringLiteral(", %1 events, ").arg(value)
            + (timeoutMs < 0 ? QStringLiteral("no timeout") : QStringLiteral("%1 ms").arg(timeoutMs));
    case Kind::Accept:
    case Kind::Close:
        return QString();
    }
    return QString();
}

QString LabCall::toString() const
{
    // A call the lab did not make has a name and a reason, not arguments the kernel saw.
    if (notCalled)
        return name() + QStringLiteral("() — ") + detail;
    QString text = asynchronous ? QString(name() + QStringLiteral("() finished"))
                                : QString(name() + QLatin1Char('(') + argumentsText() + QLatin1Char(')'));
    if (error != 0) {
        text += asynchronous ? QStringLiteral(": ") : QStringLiteral(" = -1 ");
        text += errorName() + QStringLiteral(" (") + errorText() + QLatin1Char(')');
    } else if (waiting) {
        text += QStringLiteral(" waits");
    } else if (asynchronous && kind == Kind::EpollWait) {
        text += result == 0 ? QStringLiteral(": 0, the timeout ran out")
                            : QStringLiteral(": %1 ready: %2").arg(result).arg(readyText());
    } else {
        text += asynchronous ? QStringLiteral(": connected") : QStringLiteral(" = ") + QString::number(result);
        if (kind == Kind::EpollWait && !ready.isEmpty())
            text += QStringLiteral(": ") + readyText();
    }
    if (!detail.isEmpty())
        text += QStringLiteral(" — ") + detail;
    return text;
}

bool LabCall::sameCall(const LabCall &o) const
{
    return kind == o.kind && socketId == o.socketId && socketLabel == o.socketLabel && family == o.family
        && option == o.option && value == o.value && endpoint == o.endpoint && repeated == o.repeated && how == o.how
        && result == o.result && error == o.error && asynchronous == o.asynchronous && notCalled == o.notCalled
        && createdSocketId == o.createdSocketId && detail == o.detail && epollId == o.epollId
        && epollLabel == o.epollLabel && epollOp == o.epollOp && events == o.events && timeoutMs == o.timeoutMs
        && waiting == o.waiting && ready == o.ready;
}

} // namespace sockscope
