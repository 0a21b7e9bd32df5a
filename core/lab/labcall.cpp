// SPDX-License-Identifier: GPL-3.0-or-later
#include "labcall.h"

#include <cstring>

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
    }
    return QString();
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
    } else {
        text += asynchronous ? QStringLiteral(": connected") : QStringLiteral(" = ") + QString::number(result);
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
        && createdSocketId == o.createdSocketId && detail == o.detail;
}

} // namespace sockscope
