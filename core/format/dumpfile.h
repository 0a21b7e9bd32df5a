// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/snapshot.h"

#include <QByteArrayView>
#include <QString>
#include <QStringList>

namespace sockscope {

class UntrustedFile;

// A saved TCP table: a copy of /proc/net/tcp or tcp6 (or both, one after the other), the
// output of ss -tan or ss -tanoie, or of netstat -tan with any of -p, -e, -o, from any machine,
// also as pasted from a terminal (prompts, separators and blank lines around it are skipped
// and named in a note). It is parsed while it is read, in pieces, so a big dump costs its
// records, not its text as well, and a file of garbage costs at most maxIssues listed lines.
class DumpFile
{
public:
    // A machine with a million sockets writes ~150 MB of /proc text, and ss -tanoie prints
    // ~250 bytes a socket: this holds a million sockets either way, and its records (a few
    // hundred bytes each) stay within a few times the file.
    static constexpr qint64 maxBytes = 256LL * 1024 * 1024;
    // Malformed lines beyond these are counted in a note, not listed.
    static constexpr qsizetype maxIssues = 1000;

    // What the limit's message calls such a file.
    static QString kind() { return QStringLiteral("a saved /proc/net/tcp, ss or netstat table"); }

    // The formats a dump can be read as: "proc", "ss", "netstat".
    static QStringList formats();

    // Reads and parses `file` as `format` (one of formats()), or as its first telling line
    // suggests when `format` is empty. Snapshot::source is "file:FORMAT:NAME"; a file that
    // could not be read whole is Snapshot::error, with no records.
    static Snapshot read(UntrustedFile &file, const QString &format = QString());

    // The same for text in memory, read in one piece; `origin` names it in issues and notes.
    static Snapshot parse(QByteArrayView text, const QString &origin, const QString &format = QString());

    // From the first line that tells, past blank lines, shell prompts and separators: "proc"
    // for /proc's "sl" header or a "0:" slot, "netstat" for its "Active Internet connections"
    // banner, its "Proto Recv-Q" header or a "tcp 0 0 ..." row, "ss" for anything else; ""
    // when no line tells.
    static QString guessFormat(QByteArrayView text);
};

} // namespace sockscope
