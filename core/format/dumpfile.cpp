// SPDX-License-Identifier: GPL-3.0-or-later
#include "dumpfile.h"

#include "untrustedfile.h"

#include "core/parsers/procnettcpparser.h"
#include "core/parsers/ssparser.h"

#include <QFileInfo>

#include <cctype>

namespace sockscope {

namespace {

bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

} // namespace

QString DumpFile::guessFormat(QByteArrayView text)
{
    qsizetype at = 0;
    while (at < text.size()) {
        qsizetype end = text.indexOf('\n', at);
        if (end < 0)
            end = text.size();
        const QByteArrayView line = text.sliced(at, end - at).trimmed();
        at = end + 1;
        if (line.isEmpty())
            continue;
        qsizetype space = 0;
        while (space < line.size() && !isBlank(line[space]))
            ++space;
        const QByteArrayView first = line.first(space);
        if (first == "sl" || (first.size() > 1 && first.endsWith(':') && std::isdigit(uchar(first[0]))))
            return QStringLiteral("proc");
        return QStringLiteral("ss");
    }
    return QString();
}

Snapshot DumpFile::read(UntrustedFile &file, const QString &format)
{
    Snapshot snapshot;
    snapshot.stampNow();
    const QString origin = file.name();
    QString chosen = format;
    const ProcNetTcpParser procParser;
    const SsParser ssParser;
    int nextLine = 1;
    qsizetype unlisted = 0;

    const auto keepIssuesBounded = [&] {
        if (snapshot.issues.size() > maxIssues) {
            unlisted += snapshot.issues.size() - maxIssues;
            snapshot.issues.resize(maxIssues);
        }
    };
    // ss continues a socket on indented lines, which may come in the next piece: ss text is
    // parsed up to the start of the last socket line and the rest kept for later.
    QByteArray ssPending;
    const auto parseSs = [&](QByteArrayView text) {
        SsParser::Result result = ssParser.parse(text, origin);
        for (ParseIssue &issue : result.issues)
            issue.line += nextLine - 1;
        snapshot.records.append(std::move(result.records));
        snapshot.issues.append(std::move(result.issues));
        nextLine += int(text.count('\n'));
        keepIssuesBounded();
    };

    QByteArray buffer;
    const bool whole = file.readLines(buffer, [&](QByteArrayView lines) {
        if (chosen.isEmpty()) {
            chosen = guessFormat(lines);
            if (chosen.isEmpty()) { // only blank lines so far
                nextLine += int(lines.count('\n'));
                return;
            }
        }
        if (chosen == QLatin1String("proc")) {
            // A kernel line is 150 bytes: one allocation for the records instead of regrowing
            // (and for a moment holding twice) a list of a million.
            if (snapshot.records.isEmpty() && file.sizeHint() > 0)
                snapshot.records.reserve(qsizetype(file.sizeHint() / 150 + 1));
            nextLine = procParser.parseInto(lines, origin, snapshot.records, snapshot.issues, nextLine);
            keepIssuesBounded();
            return;
        }
        const qsizetype before = ssPending.size();
        ssPending.append(lines.data(), lines.size());
        // The last newline followed by the start of a socket line; what was pending before had
        // none, so only the new part is searched.
        qsizetype split = -1;
        for (qsizetype i = ssPending.size() - 2; i >= qMax<qsizetype>(0, before - 1); --i) {
            if (ssPending[i] == '\n' && !isBlank(ssPending[i + 1])) {
                split = i + 1;
                break;
            }
        }
        if (split > 0) {
            parseSs(QByteArrayView(ssPending.constData(), split));
            ssPending.remove(0, split);
        }
    });
    if (chosen.isEmpty())
        chosen = QStringLiteral("proc");
    snapshot.source = QStringLiteral("file:") + chosen + QLatin1Char(':') + QFileInfo(origin).fileName();
    if (!whole) {
        snapshot.error = file.error();
        snapshot.records.clear();
        snapshot.issues.clear();
        return snapshot;
    }
    if (!ssPending.isEmpty())
        parseSs(ssPending);
    if (unlisted > 0) {
        snapshot.notes << (unlisted == 1 ? QStringLiteral("%1: 1 more malformed line is not listed").arg(origin)
                                         : QStringLiteral("%1: %2 more malformed lines are not listed").arg(origin).arg(unlisted));
    }
    return snapshot;
}

} // namespace sockscope
