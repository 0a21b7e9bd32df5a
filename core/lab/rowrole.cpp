// SPDX-License-Identifier: GPL-3.0-or-later
#include "rowrole.h"

namespace sockscope {

QString RowRole::label() const
{
    QString text;
    switch (kind) {
    case Kind::Foreign:
        return QString();
    case Kind::Listener:
        text = ordinal <= 1 ? QStringLiteral("listener") : QStringLiteral("listener #%1").arg(ordinal);
        break;
    case Kind::Client:
        text = QStringLiteral("client #%1").arg(ordinal);
        break;
    case Kind::Accepted:
        text = QStringLiteral("accepted #%1").arg(ordinal);
        break;
    case Kind::Queued:
        text = QStringLiteral("in accept queue, not yet accepted (client #%1)").arg(clientOrdinal);
        break;
    case Kind::Handshaking:
        text = QStringLiteral("handshake in progress (client #%1)").arg(clientOrdinal);
        break;
    }
    if (closed)
        text += QStringLiteral(" (closed)");
    return text;
}

} // namespace sockscope
