// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketfilter.h"

namespace sockscope {

QList<quint16> SocketFilter::allPorts() const
{
    QList<quint16> all;
    if (port)
        all.append(*port);
    for (quint16 p : ports) {
        if (!all.contains(p))
            all.append(p);
    }
    return all;
}

bool SocketFilter::matches(const SocketRecord &record) const
{
    const QList<quint16> wanted = allPorts();
    if (!wanted.isEmpty() && !wanted.contains(record.local.port) && !wanted.contains(record.remote.port))
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
    const QList<quint16> wanted = allPorts();
    if (!wanted.isEmpty()) {
        args << QStringLiteral("(");
        for (qsizetype i = 0; i < wanted.size(); ++i) {
            const QString p = QStringLiteral(":%1").arg(wanted[i]);
            if (i > 0)
                args << QStringLiteral("or");
            args << QStringLiteral("sport") << QStringLiteral("=") << p << QStringLiteral("or")
                 << QStringLiteral("dport") << QStringLiteral("=") << p;
        }
        args << QStringLiteral(")");
    }
    return args;
}

} // namespace sockscope
