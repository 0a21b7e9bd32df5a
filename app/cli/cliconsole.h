// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QString>

namespace sockscope::cli {

// Exit statuses of every subcommand.
enum ExitStatus : int {
    ExitOk = 0,
    ExitFailure = 1, // the work could not be done: unreadable file, malformed lines, failed source
    ExitUsage = 2,   // the command line was wrong
};

// Unbuffered-enough console output: every call writes and flushes, so `watch` lines reach a
// pipe as they happen.
void out(const QString &text);
void err(const QString &text);

} // namespace sockscope::cli
