// SPDX-License-Identifier: GPL-3.0-or-later
#include "snapshotcommand.h"

#include "cliconsole.h"
#include "commonoptions.h"

#include "core/system/socketowners.h"
#include "core/format/socketjson.h"
#include "core/format/sockettable.h"
#include "core/parsers/procnettcpparser.h"
#include "core/parsers/ssparser.h"

#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>

#include <cctype>

namespace sockscope::cli {

namespace {

const QString command = QStringLiteral("snapshot");

// A /proc/net/tcp dump starts with its "sl" header or a "  0: " slot; anything else is taken
// for ss output.
QString guessFormat(const QByteArray &text)
{
    for (const QByteArray &line : text.split('\n')) {
        const QByteArray trimmed = line.trimmed();
        if (trimmed.isEmpty())
            continue;
        const QByteArray first = trimmed.left(trimmed.indexOf(' '));
        if (first == "sl" || (first.endsWith(':') && first.size() > 1 && std::isdigit(uchar(first[0]))))
            return QStringLiteral("proc");
        return QStringLiteral("ss");
    }
    return QStringLiteral("proc");
}

bool loadFile(const QString &path, const QString &format, Snapshot &snapshot)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        snapshot.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    const QByteArray text = file.readAll();
    if (file.error() != QFileDevice::NoError) {
        snapshot.error = QStringLiteral("cannot read %1: %2").arg(path, file.errorString());
        return false;
    }
    const QString chosen = format.isEmpty() ? guessFormat(text) : format;
    snapshot.source = QStringLiteral("file:") + chosen + QLatin1Char(':') + QFileInfo(path).fileName();
    snapshot.stampNow();
    if (chosen == QLatin1String("proc")) {
        ProcNetTcpParser().parseInto(text, path, snapshot.records, snapshot.issues);
    } else {
        SsParser::Result result = SsParser().parse(text, path);
        snapshot.records = std::move(result.records);
        snapshot.issues = std::move(result.issues);
    }
    return true;
}

} // namespace

int runSnapshot(const QStringList &arguments)
{
    QCommandLineParser parser;
    CommonOptions common;
    const QCommandLineOption json{QStringLiteral("json"), QStringLiteral("Print JSON instead of a table.")};
    const QCommandLineOption fromFile{QStringLiteral("from-file"),
                                      QStringLiteral("Parse a saved dump instead of the live table: a copy of "
                                                     "/proc/net/tcp or tcp6, or ss -tan / ss -tanoie output."),
                                      QStringLiteral("FILE")};
    const QCommandLineOption format{QStringLiteral("format"),
                                    QStringLiteral("What --from-file holds: proc or ss (default: guessed from "
                                                   "the first line)."),
                                    QStringLiteral("proc|ss")};
    ExportOption exporting;
    parser.addOptions({common.source, common.port, common.state, common.family, fromFile, format, json, exporting.option});

    const int early = parseOrExit(
        parser, arguments,
        QStringLiteral("sockscope snapshot [--source netlink|proc|ss] [--port P] [--state NAME] [--family F] [--json] [--export FILE]\n"
                       "       sockscope snapshot --from-file FILE [--format proc|ss] [--port P] [--state NAME] [--json] [--export FILE]"),
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
    if (parser.isSet(format) && parser.value(format) != QLatin1String("proc")
        && parser.value(format) != QLatin1String("ss"))
        return usageError(command, QStringLiteral("--format must be proc or ss, not '%1'").arg(parser.value(format)));

    Snapshot snapshot;
    QString sourceName;
    if (parser.isSet(fromFile)) {
        loadFile(parser.value(fromFile), parser.value(format), snapshot);
        if (snapshot.ok() && !filter.isEmpty())
            snapshot.records.removeIf([&filter](const SocketRecord &r) { return !filter.matches(r); });
    } else {
        const std::unique_ptr<SocketSource> source = common.createSource(parser, error);
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

    Session session(nullptr);
    session.apply(snapshot);
    if (!exporting.write(parser, command, session, snapshot.source, 0, filter.allPorts()))
        return ExitFailure;
    return snapshot.issues.isEmpty() ? ExitOk : ExitFailure;
}

} // namespace sockscope::cli
