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

QString LabCall::toString() const
{
    QString text = call + QLatin1Char('(') + arguments + QLatin1Char(')');
    if (notCalled)
        return text + QStringLiteral(" — ") + detail;
    if (asynchronous)
        text = call + QStringLiteral("() finished");
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

} // namespace sockscope
