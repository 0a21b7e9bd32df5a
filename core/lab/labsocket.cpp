// SPDX-License-Identifier: GPL-3.0-or-later
#include "labsocket.h"

namespace sockscope {

QString LabSocket::roleName(Role role)
{
    switch (role) {
    case Role::Listener:
        return QStringLiteral("listener");
    case Role::Client:
        return QStringLiteral("client");
    case Role::Accepted:
        return QStringLiteral("accepted");
    }
    return QString();
}

QString LabSocket::label() const
{
    if (role == Role::Listener && ordinal == 1)
        return roleName(role);
    return roleName(role) + QStringLiteral(" #") + QString::number(ordinal);
}

} // namespace sockscope
