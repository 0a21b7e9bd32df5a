// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

class QObject;

namespace sockscope::cli {

// Ctrl+C (SIGINT) and SIGTERM end the event loop with ExitOk instead of killing the process,
// so a command can finish what it owes: print its last lines, write its --export file.
void quitEventLoopOnInterrupt(QObject *context);

} // namespace sockscope::cli
