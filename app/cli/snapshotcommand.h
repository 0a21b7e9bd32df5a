// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace sockscope::cli {

// sockscope snapshot [--source netlink|proc|ss] [--port P] [--state NAME] [--family F] [--json]
// sockscope snapshot --from-file FILE [--format proc|ss|netstat] [filters] [--json]
int runSnapshot(const QStringList &arguments);

} // namespace sockscope::cli
