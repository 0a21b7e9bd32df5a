// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketfilter.h"

namespace sockscope {

bool SocketFilter::matches(const SocketRecord &record) const
{
    if (port && record.local.port != *port && record.remote.port != *port)
        return false;
    if (state && record.state != *state)
        return false;
    if (family && record.family != *family)
        return false;
    return true;
}

QStringList SocketFilter::ssArguments() const
{
    QStringList args;
    if (family)
        args << (*family == AddressFamily::IPv4 ? QStringLiteral("-4") : QStringLiteral("-6"));
    if (port) {
        const QString p = QStringLiteral(":%1").arg(*port);
        args << QStringLiteral("(") << QStringLiteral("sport") << QStringLiteral("=") << p
             << QStringLiteral("or") << QStringLiteral("dport") << QStringLiteral("=") << p
             << QStringLiteral(")");
    }
    return args;
}

} // namespace sockscope
