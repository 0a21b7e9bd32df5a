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
// pipe as they happen. What is written is printable(text).
void out(const QString &text);
void err(const QString &text);

// Text a terminal shows as the characters it holds: control characters other than newline and
// tab, and the marks that reorder text (bidirectional overrides and isolates), are written as
// \x1b or \u202e. A process name or a file's field may hold an escape sequence that would
// otherwise recolour, retitle or rewrite the terminal.
QString printable(const QString &text);

} // namespace sockscope::cli
