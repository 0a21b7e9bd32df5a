// SPDX-License-Identifier: GPL-3.0-or-later
#include "labepoll.h"

namespace sockscope {

QString LabEpoll::label() const
{
    return QStringLiteral("epoll #%1").arg(ordinal);
}

} // namespace sockscope
