// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QStringList>

namespace sockscope::cli {

// sockscope scenario --list
// sockscope scenario NAME [--port P] [--ipv6] [--hold S] [--source netlink|proc|ss] [--clients N]
int runScenario(const QStringList &arguments);

} // namespace sockscope::cli
