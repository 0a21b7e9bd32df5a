// SPDX-License-Identifier: GPL-3.0-or-later
#include "endpoint.h"

namespace sockscope {

QString Endpoint::addressText() const
{
    if (scope.isEmpty())
        return address.toString();
    return address.toString() + QLatin1Char('%') + scope;
}

QString Endpoint::toString() const
{
    const QString portText = port == 0 ? QStringLiteral("*") : QString::number(port);
    if (address.isIPv6())
        return QLatin1Char('[') + addressText() + QStringLiteral("]:") + portText;
    return addressText() + QLatin1Char(':') + portText;
}

} // namespace sockscope
