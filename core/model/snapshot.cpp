// SPDX-License-Identifier: GPL-3.0-or-later
#include "snapshot.h"

#include <QDateTime>

#include <chrono>

namespace sockscope {

qint64 steadyNowNs()
{
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

void Snapshot::stampNow()
{
    wallTimeMs = QDateTime::currentMSecsSinceEpoch();
    steadyNs = steadyNowNs();
}

} // namespace sockscope
