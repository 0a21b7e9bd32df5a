// SPDX-License-Identifier: GPL-3.0-or-later
#include "parseissue.h"

namespace sockscope {

QString ParseIssue::toString() const
{
    QString out = origin.isEmpty() ? QStringLiteral("line %1").arg(line)
                                   : QStringLiteral("%1:%2").arg(origin).arg(line);
    out += QStringLiteral(": ") + reason;
    return out;
}

} // namespace sockscope
