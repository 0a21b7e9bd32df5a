// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <functional>

class QObject;

namespace sockscope::cli {

// Ctrl+C (SIGINT) and SIGTERM end the event loop with ExitOk instead of killing the process,
// so a command can finish what it owes: print its last lines, write its --export file.
void quitEventLoopOnInterrupt(QObject *context);

// SIGINT and SIGTERM run `action` in the event loop (while `context` lives) instead of killing
// the process: the window closes as if the user had closed it, remembering its layout.
void onInterrupt(QObject *context, std::function<void()> action);

} // namespace sockscope::cli
