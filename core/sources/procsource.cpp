// SPDX-License-Identifier: GPL-3.0-or-later
#include "procsource.h"

#include "core/format/dumpfile.h"
#include "core/format/untrustedfile.h"
#include "core/parsers/procnettcpparser.h"

#include <cerrno>

namespace sockscope {

ProcSource::ProcSource(const QString &procNetDirectory) : m_directory(procNetDirectory) { }

Snapshot ProcSource::take(const SocketFilter &filter)
{
    Snapshot snapshot;
    snapshot.source = name();
    snapshot.stampNow();

    // Tables change little between polls: one allocation instead of regrowing (and moving)
    // tens of thousands of records as the pieces come in.
    snapshot.records.reserve(m_lastRows + m_lastRows / 8 + 64);
    const ProcNetTcpParser parser;
    const struct
    {
        const char *file;
        AddressFamily family;
        bool required;
    } files[] = {{"tcp", AddressFamily::IPv4, true}, {"tcp6", AddressFamily::IPv6, false}};

    for (const auto &f : files) {
        if (filter.family && *filter.family != f.family)
            continue;
        const QString path = m_directory + QLatin1Char('/') + QLatin1String(f.file);
        const qsizetype rowsBefore = snapshot.records.size();
        const qsizetype issuesBefore = snapshot.issues.size();
        int nextLine = 1;
        UntrustedFile file(path, DumpFile::maxBytes, QStringLiteral("a TCP table"));
        const bool whole = file.readLines(m_buffer, [&](QByteArrayView lines) {
            nextLine = parser.parseInto(lines, path, snapshot.records, snapshot.issues, nextLine);
        });
        if (whole)
            continue;
        if (f.required) {
            snapshot.error = file.error();
            snapshot.records.clear();
            return snapshot;
        }
        // A kernel without IPv6 has no tcp6: nothing is missing. One that has it but cannot be
        // read loses only its IPv6 rows, and says so; rows of a table read halfway are dropped,
        // so a table is either whole or absent.
        snapshot.records.resize(rowsBefore);
        snapshot.issues.resize(issuesBefore);
        if (file.systemError() != ENOENT)
            snapshot.notes << QStringLiteral("IPv6 sockets are not shown: %1").arg(file.error());
    }

    m_lastRows = snapshot.records.size();
    if (!filter.isEmpty()) {
        snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    }
    return snapshot;
}

} // namespace sockscope
