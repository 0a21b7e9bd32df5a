// SPDX-License-Identifier: GPL-3.0-or-later
#include "snapshotcommand.h"

#include "cliconsole.h"
#include "commonoptions.h"

#include "core/format/dumpfile.h"
#include "core/format/socketjson.h"
#include "core/format/sockettable.h"
#include "core/format/untrustedfile.h"
#include "core/system/socketowners.h"

#include <QJsonDocument>

#include <unistd.h>

namespace sockscope::cli {

namespace {

const QString command = QStringLiteral("snapshot");

// --from-file FILE, or standard input for "-".
Snapshot readDump(const QString &path, const QString &format)
{
    if (path == QLatin1String("-")) {
        UntrustedFile input(STDIN_FILENO, QStringLiteral("standard input"), DumpFile::maxBytes, DumpFile::kind());
        return DumpFile::read(input, format);
    }
    UntrustedFile file(path, DumpFile::maxBytes, DumpFile::kind());
    return DumpFile::read(file, format);
}

} // namespace

int runSnapshot(const QStringList &arguments)
{
    QCommandLineParser parser;
    CommonOptions common;
    const QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")};
    const QCommandLineOption fromFile{QStringLiteral("from-file"),
                                      QStringLiteral("Parse a saved dump instead of the live table: a copy of "
                                                     "/proc/net/tcp or tcp6, ss -tan / ss -tanoie output, or netstat "
                                                     "-tan output (with any of -p, -e, -o), also as pasted from a "
                                                     "terminal; - reads standard input. A regular file (not a FIFO "
                                                     "or device) or standard input, at most %1.")
                                          .arg(UntrustedFile::sizeText(DumpFile::maxBytes)),
                                      QStringLiteral("FILE")};
    const QCommandLineOption format{QStringLiteral("format"),
                                    QStringLiteral("What --from-file holds: proc, ss or netstat (default: guessed "
                                                   "from its first telling line)."),
                                    DumpFile::formats().join(QLatin1Char('|'))};
    ExportOption exporting;
    parser.addOptions({common.source, common.port, common.state, common.family, fromFile, format, json, exporting.option});

    const int early = parseOrExit(
        parser, arguments,
        QStringLiteral("sockscope snapshot [--source netlink|proc|ss] [--port P] [--state NAME] [--family F] [--json] [--export FILE]\n"
                       "       sockscope snapshot --from-file FILE|- [--format proc|ss|netstat] [--port P] [--state NAME] [--json] [--export FILE]"),
        QStringLiteral("Print the kernel's TCP table once: every socket's state, queues, timer, inode and uid.\n"
                       "Exit status: 0 on success, 1 when the table or file could not be read or had "
                       "malformed lines\n(the good rows are still printed), 2 on a usage error."));
    if (early >= 0)
        return early;

    SocketFilter filter;
    QString error;
    if (!common.readFilter(parser, filter, error))
        return usageError(command, error);
    if (const QString problem = exporting.check(parser); !problem.isEmpty())
        return usageError(command, problem);
    if (parser.isSet(format) && !parser.isSet(fromFile))
        return usageError(command, QStringLiteral("--format only applies to --from-file"));
    if (parser.isSet(fromFile) && parser.isSet(common.source))
        return usageError(command, QStringLiteral("--source and --from-file exclude each other"));
    if (parser.isSet(format) && !DumpFile::formats().contains(parser.value(format)))
        return usageError(command, QStringLiteral("--format must be proc, ss or netstat, not '%1'").arg(parser.value(format)));

    Snapshot snapshot;
    QString sourceName;
    if (parser.isSet(fromFile)) {
        snapshot = readDump(parser.value(fromFile), parser.value(format));
        if (snapshot.ok() && !filter.isEmpty())
            snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    } else {
        const std::unique_ptr<SocketSource> source = common.createSource(parser, command, error);
        if (!source)
            return usageError(command, error);
        sourceName = source->name();
        snapshot = source->take(filter);
        // Which process holds each socket (a saved dump cannot say).
        if (snapshot.ok())
            SocketOwners().attribute(snapshot.records);
    }

    if (!snapshot.ok()) {
        err(QStringLiteral("sockscope snapshot: %1\n")
                .arg(sourceName.isEmpty() ? snapshot.error : sourceFailure(sourceName, snapshot.error)));
        return ExitFailure;
    }

    snapshot.records = SocketTable::sorted(std::move(snapshot.records));
    if (parser.isSet(json))
        out(QString::fromUtf8(QJsonDocument(SocketJson::toJson(snapshot)).toJson(QJsonDocument::Indented)));
    else
        out(SocketTable::format(snapshot.records, SocketTable::Style::Detailed));

    for (const ParseIssue &issue : snapshot.issues)
        err(QStringLiteral("sockscope snapshot: %1\n").arg(issue.toString()));
    for (const QString &note : snapshot.notes)
        err(QStringLiteral("sockscope snapshot: %1\n").arg(note));

    if (parser.isSet(exporting.option)) {
        // Only an export needs every connection's history, which costs more than its row.
        Session session(nullptr);
        session.apply(snapshot);
        if (!exporting.write(parser, command, session, snapshot.source, 0, filter.allPorts()))
            return ExitFailure;
    }
    return snapshot.issues.isEmpty() ? ExitOk : ExitFailure;
}

} // namespace sockscope::cli
