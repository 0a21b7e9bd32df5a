// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace sockscope::cli {

// sockscope watch [--source netlink|proc|ss] [--port P] [--family F] [--interval MS] [--duration S] [--json]
int runWatch(const QStringList &arguments);

} // namespace sockscope::cli
