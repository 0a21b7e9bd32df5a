// SPDX-License-Identifier: GPL-3.0-or-later
#include "endpoint.h"

namespace sockscope {

QString Endpoint::addressText() const
{
    if (scope.isEmpty())
        return address.toString();
    return address.toString() + QLatin1Char('%') + scope;
}

Endpoint Endpoint::unmapped() const
{
    if (!address.isV4Mapped())
        return *this;
    const auto &b = address.bytes();
    Endpoint v4 = *this;
    v4.address = IpAddress::fromIPv4(quint32(b[12]) << 24 | quint32(b[13]) << 16 | quint32(b[14]) << 8 | b[15]);
    return v4;
}

QString Endpoint::toString() const
{
    const QString portText = port == 0 ? QStringLiteral("*") : QString::number(port);
    if (address.isIPv6())
        return QLatin1Char('[') + addressText() + QStringLiteral("]:") + portText;
    return addressText() + QLatin1Char(':') + portText;
}

} // namespace sockscope
