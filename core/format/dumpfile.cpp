// SPDX-License-Identifier: GPL-3.0-or-later
#include "dumpfile.h"

#include "untrustedfile.h"

#include "core/parsers/netstatparser.h"
#include "core/parsers/procnettcpparser.h"
#include "core/parsers/skippedlines.h"
#include "core/parsers/ssparser.h"
#include "core/parsers/sswildcard.h"

#include <QFileInfo>

#include <cctype>
#include <utility>

namespace sockscope {

namespace {

// Text read before any line told the format (prompts, blank lines) waits for one up to this.
constexpr qsizetype maxUndecided = 1024 * 1024;

bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool isDigits(QByteArrayView text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        if (!std::isdigit(uchar(c)))
            return false;
    }
    return true;
}

QByteArrayView word(QByteArrayView line, qsizetype &at)
{
    while (at < line.size() && isBlank(line[at]))
        ++at;
    const qsizetype begin = at;
    while (at < line.size() && !isBlank(line[at]))
        ++at;
    return line.sliced(begin, at - begin);
}

QString linesText(const QList<int> &lines)
{
    QStringList numbers;
    for (qsizetype i = 0; i < lines.size() && i < 3; ++i)
        numbers << QString::number(lines[i]);
    if (lines.size() == 1)
        return QStringLiteral("line %1").arg(numbers.first());
    if (lines.size() > 3)
        return QStringLiteral("lines %1 and %2 more").arg(numbers.join(QStringLiteral(", "))).arg(lines.size() - 3);
    const QString last = numbers.takeLast();
    return QStringLiteral("lines %1 and %2").arg(numbers.join(QStringLiteral(", ")), last);
}

// One dump, fed in pieces of whole lines: chooses the format, runs its parser, and gathers what
// only the whole file can say (the reading of ss's "*", the lines skipped, what netstat said it
// listed) into notes.
class DumpParser
{
public:
    DumpParser(Snapshot &snapshot, const QString &origin, const QString &format, qint64 sizeHint)
        : m_snapshot(snapshot), m_origin(origin), m_format(format), m_sizeHint(sizeHint)
    {
    }

    void feed(QByteArrayView lines);
    void finish();
    QString format() const { return m_format; }

private:
    void parseInFormat(QByteArrayView lines);
    void parseSs(QByteArrayView text);
    void keepIssuesBounded();

    Snapshot &m_snapshot;
    const QString m_origin;
    QString m_format;
    const qint64 m_sizeHint;
    int m_nextLine = 1;
    qsizetype m_unlisted = 0;
    QByteArray m_undecided;
    SkippedLines m_skipped;

    const ProcNetTcpParser m_proc;
    const SsParser m_ss{};
    // ss continues a socket on indented lines, which may come in the next piece: ss text is
    // parsed up to the start of the last socket line and the rest kept for later.
    QByteArray m_ssPending;
    QList<qsizetype> m_wildcardRows;
    SsWildcard::Evidence m_evidence;

    NetstatParser m_netstat;
    QList<int> m_unknownStateLines;
    QList<int> m_possiblyCutLines;
    NetstatParser::Listing m_listing = NetstatParser::Listing::Unknown;
};

void DumpParser::keepIssuesBounded()
{
    if (m_snapshot.issues.size() > DumpFile::maxIssues) {
        m_unlisted += m_snapshot.issues.size() - DumpFile::maxIssues;
        m_snapshot.issues.resize(DumpFile::maxIssues);
    }
}

void DumpParser::feed(QByteArrayView lines)
{
    if (!m_format.isEmpty()) {
        parseInFormat(lines);
        return;
    }
    m_undecided.append(lines.data(), lines.size());
    m_format = DumpFile::guessFormat(m_undecided);
    if (m_format.isEmpty() && m_undecided.size() < maxUndecided)
        return; // only blank lines, prompts and separators so far
    if (m_format.isEmpty())
        m_format = QStringLiteral("proc");
    parseInFormat(std::exchange(m_undecided, QByteArray()));
}

void DumpParser::parseSs(QByteArrayView text)
{
    SsParser::Result result = m_ss.parse(text, m_origin);
    const int offset = m_nextLine - 1;
    for (ParseIssue &issue : result.issues)
        issue.line += offset;
    for (qsizetype row : result.wildcardRows)
        m_wildcardRows.append(m_snapshot.records.size() + row);
    m_evidence.merge(result.wildcardEvidence, offset);
    m_skipped.merge(result.skipped, offset);
    m_snapshot.records.append(std::move(result.records));
    m_snapshot.issues.append(std::move(result.issues));
    m_nextLine += int(text.count('\n'));
    keepIssuesBounded();
}

void DumpParser::parseInFormat(QByteArrayView lines)
{
    if (m_format == QLatin1String("proc")) {
        // A kernel line is 150 bytes: one allocation for the records instead of regrowing (and
        // for a moment holding twice) a list of a million.
        if (m_snapshot.records.isEmpty() && m_sizeHint > 0)
            m_snapshot.records.reserve(qsizetype(m_sizeHint / 150 + 1));
        m_nextLine = m_proc.parseInto(lines, m_origin, m_snapshot.records, m_snapshot.issues, m_nextLine, &m_skipped);
        keepIssuesBounded();
        return;
    }
    if (m_format == QLatin1String("netstat")) {
        NetstatParser::Result result = m_netstat.parse(lines, m_origin, m_nextLine);
        m_snapshot.records.append(std::move(result.records));
        m_snapshot.issues.append(std::move(result.issues));
        m_skipped.merge(result.skipped);
        m_unknownStateLines.append(result.unknownStateLines);
        m_possiblyCutLines.append(result.possiblyCutLines);
        if (result.listing != NetstatParser::Listing::Unknown)
            m_listing = result.listing;
        m_nextLine += int(lines.count('\n'));
        keepIssuesBounded();
        return;
    }
    const qsizetype before = m_ssPending.size();
    m_ssPending.append(lines.data(), lines.size());
    // The last newline followed by the start of a socket line; what was pending before had
    // none, so only the new part is searched.
    qsizetype split = -1;
    for (qsizetype i = m_ssPending.size() - 2; i >= qMax<qsizetype>(0, before - 1); --i) {
        if (m_ssPending[i] == '\n' && !isBlank(m_ssPending[i + 1])) {
            split = i + 1;
            break;
        }
    }
    if (split > 0) {
        parseSs(QByteArrayView(m_ssPending.constData(), split));
        m_ssPending.remove(0, split);
    }
}

void DumpParser::finish()
{
    if (m_format.isEmpty())
        m_format = QStringLiteral("proc");
    if (!m_undecided.isEmpty())
        parseInFormat(std::exchange(m_undecided, QByteArray()));
    if (!m_ssPending.isEmpty())
        parseSs(std::exchange(m_ssPending, QByteArray()));

    QStringList &notes = m_snapshot.notes;
    const QString prefix = m_origin + QStringLiteral(": ");
    if (!m_wildcardRows.isEmpty()) {
        const SsWildcard::Decision decision = SsWildcard::decide(m_snapshot.records, m_wildcardRows, m_evidence);
        SsWildcard::apply(m_snapshot.records, m_wildcardRows, decision.reading);
        notes << prefix + SsWildcard::note(decision, m_wildcardRows.size());
    }
    if (m_listing == NetstatParser::Listing::ServersOnly)
        notes << prefix + QStringLiteral("netstat listed listening sockets only (-l): no connections are in this file");
    else if (m_listing == NetstatParser::Listing::WithoutServers)
        notes << prefix + QStringLiteral("netstat listed no listening sockets (run it with -a for them too)");
    if (!m_unknownStateLines.isEmpty()) {
        notes << prefix
                + QStringLiteral("%1 in netstat's state UNKNOWN (%2) left out: netstat has no name for their "
                                 "kernel state")
                      .arg(m_unknownStateLines.size() == 1 ? QStringLiteral("1 row")
                                                           : QStringLiteral("%1 rows").arg(m_unknownStateLines.size()),
                           linesText(m_unknownStateLines));
    }
    if (!m_possiblyCutLines.isEmpty()) {
        notes << prefix
                + QStringLiteral("%1 (%2) fill netstat's 23 address columns exactly: without --wide netstat cuts a "
                                 "longer address to fit, so these may not be the sockets' own addresses")
                      .arg(m_possiblyCutLines.size() == 1 ? QStringLiteral("1 IPv6 row")
                                                          : QStringLiteral("%1 IPv6 rows").arg(m_possiblyCutLines.size()),
                           linesText(m_possiblyCutLines));
    }
    if (!m_skipped.isEmpty())
        notes << prefix + m_skipped.note();
    if (m_unlisted > 0) {
        notes << (m_unlisted == 1 ? QStringLiteral("%1: 1 more malformed line is not listed").arg(m_origin)
                                  : QStringLiteral("%1: %2 more malformed lines are not listed").arg(m_origin).arg(m_unlisted));
    }
}

} // namespace

QStringList DumpFile::formats()
{
    return {QStringLiteral("proc"), QStringLiteral("ss"), QStringLiteral("netstat")};
}

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
        qsizetype cursor = 0;
        const QByteArrayView first = word(line, cursor);
        const QByteArrayView second = word(line, cursor);
        if (first == "sl" || (first.size() > 1 && first.endsWith(':') && isDigits(first.chopped(1))))
            return QStringLiteral("proc");
        if (line.startsWith("Active Internet connections") || line.startsWith("Active UNIX domain sockets")
            || (first == "Proto" && second == "Recv-Q") || line.startsWith("(Not all processes could be identified")
            || line.startsWith("(No info could be read for"))
            return QStringLiteral("netstat");
        // netstat's rows start with the protocol and Recv-Q; ss -tuan's with a Netid and a state.
        if ((first == "tcp" || first == "tcp6" || first == "udp" || first == "udp6") && isDigits(second))
            return QStringLiteral("netstat");
        if (SkippedLines::classify(QString::fromUtf8(line)))
            continue; // a prompt or a separator says nothing of the table
        return QStringLiteral("ss");
    }
    return QString();
}

Snapshot DumpFile::read(UntrustedFile &file, const QString &format)
{
    Snapshot snapshot;
    snapshot.stampNow();
    const QString origin = file.name();
    DumpParser parser(snapshot, origin, format, file.sizeHint());
    QByteArray buffer;
    const bool whole = file.readLines(buffer, [&](QByteArrayView lines) { parser.feed(lines); });
    if (!whole) {
        snapshot.source = QStringLiteral("file:") + (parser.format().isEmpty() ? QStringLiteral("proc") : parser.format())
            + QLatin1Char(':') + QFileInfo(origin).fileName();
        snapshot.error = file.error();
        snapshot.records.clear();
        snapshot.issues.clear();
        return snapshot;
    }
    parser.finish();
    snapshot.source = QStringLiteral("file:") + parser.format() + QLatin1Char(':') + QFileInfo(origin).fileName();
    return snapshot;
}

Snapshot DumpFile::parse(QByteArrayView text, const QString &origin, const QString &format)
{
    Snapshot snapshot;
    snapshot.stampNow();
    DumpParser parser(snapshot, origin, format, text.size());
    parser.feed(text);
    parser.finish();
    snapshot.source = QStringLiteral("file:") + parser.format() + QLatin1Char(':') + QFileInfo(origin).fileName();
    return snapshot;
}

} // namespace sockscope
