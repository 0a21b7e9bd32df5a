// SPDX-License-Identifier: GPL-3.0-or-later
#include "ssparser.h"

#include <QSet>

#include <cmath>

namespace sockscope {

namespace {

constexpr int maxIssueTextLength = 160;

bool isSpace(QChar c)
{
    return c == u' ' || c == u'\t' || c == u'\r' || c == u'\v' || c == u'\f';
}

// Splits on whitespace, but keeps parenthesised groups and quoted strings in one token:
// `users:(("Web Content",pid=7,fd=3))` is a single token.
QList<QStringView> tokenize(QStringView line)
{
    QList<QStringView> tokens;
    qsizetype i = 0;
    const qsizetype n = line.size();
    while (i < n) {
        while (i < n && isSpace(line[i]))
            ++i;
        if (i == n)
            break;
        const qsizetype begin = i;
        int depth = 0;
        bool quoted = false;
        while (i < n && (quoted || depth > 0 || !isSpace(line[i]))) {
            const QChar c = line[i];
            if (c == u'"')
                quoted = !quoted;
            else if (!quoted && c == u'(')
                ++depth;
            else if (!quoted && c == u')' && depth > 0)
                --depth;
            ++i;
        }
        tokens.append(line.mid(begin, i - begin));
    }
    return tokens;
}

bool isNetid(QStringView word)
{
    static const QSet<QString> netids = {
        QStringLiteral("tcp"),   QStringLiteral("udp"),   QStringLiteral("raw"),
        QStringLiteral("u_str"), QStringLiteral("u_dgr"), QStringLiteral("u_seq"),
        QStringLiteral("p_raw"), QStringLiteral("p_dgr"), QStringLiteral("nl"),
        QStringLiteral("mptcp"), QStringLiteral("sctp"),  QStringLiteral("dccp"),
        QStringLiteral("tipc"),  QStringLiteral("v_str"), QStringLiteral("v_dgr"),
        QStringLiteral("xdp"),   QStringLiteral("icmp6"), QStringLiteral("???"),
    };
    return netids.contains(word.toString());
}

std::optional<TcpState> parseSsState(QStringView word)
{
    if (word == QLatin1String("NEW-SYN-RECV"))
        return TcpState::SynRecv;
    // "UNKNOWN" and "BOUND-INACTIVE" are not states of the table.
    return parseTcpState(word);
}

std::optional<quint64> parseUnsigned(QStringView text, int base = 10)
{
    bool ok = false;
    const qulonglong v = text.toULongLong(&ok, base);
    if (!ok || text.startsWith(u'-') || text.startsWith(u'+'))
        return std::nullopt;
    return v;
}

// "204" or "201.5" milliseconds, as ss prints rto/ato/rtt.
std::optional<double> parseMilliseconds(QStringView text)
{
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (!ok || !std::isfinite(v) || v < 0 || v > 4.0e9)
        return std::nullopt;
    return v;
}

bool isShutdownMarker(QStringView word)
{
    return word.size() == 3 && (word[0] == u'<' || word[0] == u'-') && word[1] == u'-'
        && (word[2] == u'>' || word[2] == u'-');
}

// `timer:(on,5.668ms,7)`: kind, time left, retransmissions or probes.
bool applyTimer(QStringView value, SocketRecord &r)
{
    if (!value.startsWith(u'(') || !value.endsWith(u')'))
        return false;
    const QList<QStringView> parts = value.mid(1, value.size() - 2).split(u',');
    if (parts.size() != 3)
        return false;
    const std::optional<TimerKind> kind = parseTimerName(parts[0]);
    const std::optional<qint64> ms = SsParser::parseDuration(parts[1]);
    const std::optional<quint64> count = parseUnsigned(parts[2]);
    if (!kind || !ms || !count || *count > 0xffffffffu)
        return false;
    r.timer = *kind;
    r.timerRemainingMs = *ms;
    if (*kind == TimerKind::Retransmit)
        r.retransmits = quint32(*count);
    else if (*kind != TimerKind::TimeWait)
        r.probes = quint32(*count);
    return true;
}

// One word after the peer address on a record line (`ss -oe` details).
void applyRecordDetail(QStringView token, SocketRecord &r, bool &sawInode)
{
    if (isShutdownMarker(token)) {
        r.details.insert(QStringLiteral("shutdown"), token.toString());
        return;
    }
    const qsizetype colon = token.indexOf(u':');
    if (colon <= 0) {
        r.details.insert(token.toString(), QString());
        return;
    }
    const QStringView key = token.left(colon);
    const QStringView value = token.mid(colon + 1);
    if (key == QLatin1String("timer") && applyTimer(value, r))
        return;
    if (key == QLatin1String("uid")) {
        if (const auto v = parseUnsigned(value); v && *v <= 0xffffffffu) {
            r.uid = quint32(*v);
            return;
        }
    } else if (key == QLatin1String("ino")) {
        if (const auto v = parseUnsigned(value)) {
            r.inode = *v;
            sawInode = true;
            return;
        }
    } else if (key == QLatin1String("sk")) {
        if (const auto v = parseUnsigned(value, 16)) {
            r.cookie = *v;
            return;
        }
    }
    r.details.insert(key.toString(), value.toString());
}

// The tcp_info line(s) of `ss -i`: "cubic wscale:7,7 rto:204 rtt:0.017/0.008 ... send 1Gbps ...".
void applyInfoLine(const QList<QStringView> &tokens, SocketRecord &r)
{
    static const QSet<QString> flags = {
        QStringLiteral("ts"),     QStringLiteral("sack"),        QStringLiteral("ecn"),
        QStringLiteral("ecnseen"), QStringLiteral("fastopen"),   QStringLiteral("app_limited"),
        QStringLiteral("cwnd_limited"), QStringLiteral("noecn"), QStringLiteral("ecn_low"),
    };
    static const QSet<QString> valueFollows = {
        QStringLiteral("send"), QStringLiteral("pacing_rate"), QStringLiteral("delivery_rate"),
    };

    for (qsizetype i = 0; i < tokens.size(); ++i) {
        const QStringView token = tokens[i];
        const qsizetype colon = token.indexOf(u':');
        if (colon <= 0) {
            const QString word = token.toString();
            if (valueFollows.contains(word) && i + 1 < tokens.size()) {
                r.details.insert(word, tokens[++i].toString());
            } else if (!flags.contains(word) && !r.details.contains(QStringLiteral("congestion"))
                       && word.front().isLetter()) {
                // The only free-standing word that is not a flag is the congestion control.
                r.details.insert(QStringLiteral("congestion"), word);
            } else {
                r.details.insert(word, QString());
            }
            continue;
        }
        const QStringView key = token.left(colon);
        const QStringView value = token.mid(colon + 1);
        if (key == QLatin1String("rto")) {
            if (const auto ms = parseMilliseconds(value)) {
                r.rtoMs = quint32(std::lround(*ms));
                continue;
            }
        } else if (key == QLatin1String("ato")) {
            if (const auto ms = parseMilliseconds(value)) {
                r.atoMs = quint32(std::lround(*ms));
                continue;
            }
        } else if (key == QLatin1String("cwnd")) {
            if (const auto v = parseUnsigned(value); v && *v <= 0xffffffffu) {
                r.cwnd = quint32(*v);
                continue;
            }
        } else if (key == QLatin1String("ssthresh")) {
            if (const auto v = parseUnsigned(value); v && *v <= 0x7fffffffu) {
                r.ssthresh = qint32(*v);
                continue;
            }
        } else if (key == QLatin1String("rtt")) {
            const qsizetype slash = value.indexOf(u'/');
            const auto rtt = parseMilliseconds(value.left(slash));
            const auto var = slash > 0 ? parseMilliseconds(value.mid(slash + 1)) : std::nullopt;
            if (rtt && var) {
                r.rttUs = quint32(std::lround(*rtt * 1000.0));
                r.rttVarUs = quint32(std::lround(*var * 1000.0));
                continue;
            }
        }
        r.details.insert(key.toString(), value.toString());
    }
}

// "127.0.0.1" of "127.0.0.1:8000", "[::1]" of "[::1]:8000", "*" of "*:*".
QStringView hostOf(QStringView endpoint)
{
    const qsizetype colon = endpoint.lastIndexOf(u':');
    return colon > 0 ? endpoint.left(colon) : endpoint;
}

// What one row shows about the ss that printed it (SsWildcard).
void noteWildcardEvidence(QStringView local, QStringView peer, const SocketRecord &r, int line,
                          SsWildcard::Evidence &evidence)
{
    SsWildcard::Evidence seen;
    for (QStringView endpoint : {local, peer}) {
        const QStringView host = hostOf(endpoint);
        if (!seen.newerLine && (host.startsWith(QLatin1String("0.0.0.0")) || host.startsWith(QLatin1String("[::]")))) {
            seen.newerLine = line;
            seen.newerText = endpoint.toString();
        }
        if (seen.older == SsWildcard::Evidence::Older::None && host.contains(u':') && !host.startsWith(u'[')) {
            seen.older = SsWildcard::Evidence::Older::Unbracketed;
            seen.olderLine = line;
            seen.olderText = endpoint.toString();
        }
    }
    if (!seen.newerLine && r.details.contains(QStringLiteral("v6only"))) {
        seen.newerLine = line;
        seen.newerText = QStringLiteral("v6only:") + r.details.value(QStringLiteral("v6only"));
    }
    if (r.family == AddressFamily::IPv4 && hostOf(local) != QLatin1String("*") && hostOf(peer) == QLatin1String("*")) {
        seen.older = SsWildcard::Evidence::Older::IPv4PeerStar;
        seen.olderLine = line;
        seen.olderText = local.toString();
    }
    evidence.merge(seen, 0);
}

ParseIssue makeIssue(const QString &origin, int line, const QString &reason, QStringView text)
{
    ParseIssue issue;
    issue.origin = origin;
    issue.line = line;
    issue.reason = reason;
    issue.text = text.left(maxIssueTextLength).toUtf8();
    return issue;
}

} // namespace

std::optional<qint64> SsParser::parseDuration(QStringView text)
{
    // Mirrors print_ms_timer() in ss.c: [<m>min][<s>sec | <s>.<mmm>ms | <mmm>ms]. Later iproute2
    // versions print "<s>.<mmm>sec" for the same value; both mean seconds and milliseconds.
    qint64 total = 0;
    qsizetype i = 0;
    bool afterDot = false;
    while (i < text.size()) {
        const qsizetype numberBegin = i;
        while (i < text.size() && text[i].isDigit())
            ++i;
        if (i == numberBegin || i - numberBegin > 9)
            return std::nullopt;
        const qint64 number = text.mid(numberBegin, i - numberBegin).toLongLong();
        const QStringView rest = text.mid(i);
        if (afterDot) {
            // The digits after "<s>." are milliseconds, whichever unit follows.
            if (i - numberBegin != 3
                || (rest != QLatin1String("ms") && rest != QLatin1String("sec")))
                return std::nullopt;
            return total + number;
        }
        if (rest.startsWith(QLatin1String("min"))) {
            total += number * 60000;
            i += 3;
        } else if (rest.startsWith(QLatin1String("sec"))) {
            total += number * 1000;
            i += 3;
        } else if (rest == QLatin1String("ms")) {
            return total + number;
        } else if (rest.startsWith(u'.')) {
            total += number * 1000;
            afterDot = true;
            i += 1;
        } else {
            return std::nullopt;
        }
    }
    if (afterDot)
        return std::nullopt; // "5." without its milliseconds
    return total;
}

std::optional<Endpoint> SsParser::parseEndpoint(QStringView text)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0 || colon == text.size() - 1)
        return std::nullopt;

    Endpoint endpoint;
    const QStringView portText = text.mid(colon + 1);
    if (portText == QLatin1String("*")) {
        endpoint.port = 0;
    } else {
        const auto port = parseUnsigned(portText);
        if (!port || *port > 65535)
            return std::nullopt;
        endpoint.port = quint16(*port);
    }

    QStringView host = text.left(colon);
    QStringView scope;
    // The scope may sit inside or after the brackets depending on the ss version.
    if (host.startsWith(u'[')) {
        const qsizetype close = host.indexOf(u']');
        if (close < 0)
            return std::nullopt;
        const QStringView after = host.mid(close + 1);
        if (after.startsWith(u'%'))
            scope = after.mid(1);
        else if (!after.isEmpty())
            return std::nullopt;
        host = host.mid(1, close - 1);
    }
    if (const qsizetype percent = host.indexOf(u'%'); percent >= 0) {
        scope = host.mid(percent + 1);
        host = host.left(percent);
    }
    endpoint.scope = scope.toString();

    if (host == QLatin1String("*")) {
        // ss prints the IPv6 wildcard of a dual-stack socket as "*".
        endpoint.address = IpAddress::anyIPv6();
        return endpoint;
    }
    const std::optional<IpAddress> address = IpAddress::fromString(host);
    if (!address)
        return std::nullopt;
    endpoint.address = *address;
    return endpoint;
}

SsParser::Result SsParser::parse(QByteArrayView text, const QString &origin) const
{
    Result result;
    const QString decoded = QString::fromUtf8(text);
    const QStringView all(decoded);

    // Index of the record the current continuation lines belong to; -1 when the last record
    // line was skipped or rejected (its continuation lines go with it).
    qsizetype current = -1;
    bool continuationAllowed = false;
    int lineNumber = 0;
    const QList<QStringView> lines = all.split(u'\n');
    for (qsizetype index = 0; index < lines.size(); ++index) {
        const QStringView line = lines[index];
        if (index == lines.size() - 1 && line.isEmpty())
            break; // what follows the last newline: not a line
        ++lineNumber;
        if (line.trimmed().isEmpty()) {
            // -i gives TIME-WAIT and SYN-RECV rows a continuation line of blanks.
            if (current < 0 || line.trimmed().size() == line.size())
                result.skipped.add(SkippedLines::Kind::Blank, lineNumber);
            continue;
        }

        if (isSpace(line.front())) {
            if (current >= 0)
                applyInfoLine(tokenize(line), result.records[current]);
            else if (!continuationAllowed)
                result.issues.append(makeIssue(origin, lineNumber,
                                               QStringLiteral("indented line without a socket line before it"),
                                               line));
            continue;
        }

        current = -1;
        continuationAllowed = true;
        const QList<QStringView> tokens = tokenize(line);
        qsizetype i = 0;
        if (tokens[0] == QLatin1String("State") || tokens[0] == QLatin1String("Netid"))
            continue; // header, however its column titles run together
        if (isNetid(tokens[0])) {
            if (tokens[0] != QLatin1String("tcp")) {
                ++result.skippedOtherProtocols;
                result.skipped.add(SkippedLines::Kind::OtherProtocol, lineNumber, tokens[0].toString());
                continue;
            }
            i = 1;
        }
        const std::optional<TcpState> state = i < tokens.size() ? parseSsState(tokens[i]) : std::nullopt;
        if (!state && i == 0) {
            if (const std::optional<SkippedLines::Kind> kind = SkippedLines::classify(line)) {
                result.skipped.add(*kind, lineNumber);
                continue;
            }
        }
        if (tokens.size() - i < 5) {
            result.issues.append(makeIssue(origin, lineNumber,
                                           QStringLiteral("expected state, Recv-Q, Send-Q, local and peer address"),
                                           line));
            continue;
        }

        SocketRecord r;
        if (!state) {
            result.issues.append(makeIssue(origin, lineNumber,
                                           QStringLiteral("unknown state %1").arg(tokens[i]), line));
            continue;
        }
        r.state = *state;

        const auto recvQ = parseUnsigned(tokens[i + 1]);
        const auto sendQ = parseUnsigned(tokens[i + 2]);
        if (!recvQ || !sendQ || *recvQ > 0xffffffffu || *sendQ > 0xffffffffu) {
            result.issues.append(makeIssue(origin, lineNumber,
                                           QStringLiteral("Recv-Q and Send-Q must be numbers"), line));
            continue;
        }
        r.rxQueue = quint32(*recvQ);
        if (r.state == TcpState::Listen)
            r.listenBacklog = quint32(*sendQ); // for a listener ss puts the backlog in Send-Q
        else
            r.txQueue = quint32(*sendQ);

        const std::optional<Endpoint> local = parseEndpoint(tokens[i + 3]);
        const std::optional<Endpoint> remote = parseEndpoint(tokens[i + 4]);
        if (!local || !remote) {
            result.issues.append(makeIssue(
                origin, lineNumber,
                QStringLiteral("%1 address is not numeric ADDRESS:PORT (run ss with -n)")
                    .arg(local ? QStringLiteral("peer") : QStringLiteral("local")),
                line));
            continue;
        }
        r.local = *local;
        r.remote = *remote;
        r.family = r.local.address.family();
        if (r.remote.address.family() != r.family) {
            // "0.0.0.0:*" and "*:*" carry no family of their own; the local side decides.
            if (r.remote.address.isAny() && r.remote.port == 0) {
                r.remote.address = r.family == AddressFamily::IPv4 ? IpAddress() : IpAddress::anyIPv6();
            } else {
                result.issues.append(makeIssue(origin, lineNumber,
                                               QStringLiteral("local and peer addresses are of different families"),
                                               line));
                continue;
            }
        }

        bool sawInode = false;
        for (qsizetype k = i + 5; k < tokens.size(); ++k)
            applyRecordDetail(tokens[k], r, sawInode);
        // With -e, ss prints uid only when it is not 0.
        if (sawInode && !r.uid)
            r.uid = 0;

        noteWildcardEvidence(tokens[i + 3], tokens[i + 4], r, lineNumber, result.wildcardEvidence);
        if (hostOf(tokens[i + 3]) == QLatin1String("*"))
            result.wildcardRows.append(result.records.size());
        result.records.append(std::move(r));
        current = result.records.size() - 1;
    }
    return result;
}

} // namespace sockscope
