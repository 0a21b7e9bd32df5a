// SPDX-License-Identifier: GPL-3.0-or-later
#include "netstatparser.h"

#include <QSet>

#include <cmath>

namespace sockscope {

namespace {

constexpr int maxIssueTextLength = 160;
// Without --wide, netstat prints at most 22 characters of address and port, plus the colon.
constexpr qsizetype netstatAddressWidth = 23;

QList<QStringView> words(QStringView line)
{
    QList<QStringView> out;
    qsizetype i = 0;
    while (i < line.size()) {
        while (i < line.size() && line[i].isSpace())
            ++i;
        const qsizetype begin = i;
        while (i < line.size() && !line[i].isSpace())
            ++i;
        if (i > begin)
            out.append(line.mid(begin, i - begin));
    }
    return out;
}

bool isDigits(QStringView text)
{
    if (text.isEmpty())
        return false;
    for (QChar c : text) {
        if (c < u'0' || c > u'9')
            return false;
    }
    return true;
}

std::optional<quint64> parseUnsigned(QStringView text)
{
    if (!isDigits(text) || text.size() > 19)
        return std::nullopt;
    return text.toULongLong();
}

bool isOtherProtocol(QStringView word)
{
    static const QSet<QString> protocols = {
        QStringLiteral("udp"),   QStringLiteral("udp6"),   QStringLiteral("udpl"),  QStringLiteral("udpl6"),
        QStringLiteral("raw"),   QStringLiteral("raw6"),   QStringLiteral("sctp"),  QStringLiteral("sctp6"),
        QStringLiteral("unix"),  QStringLiteral("l2cap"),  QStringLiteral("rfcomm"), QStringLiteral("ax25"),
        QStringLiteral("ipx"),   QStringLiteral("netrom"), QStringLiteral("x25"),
    };
    return protocols.contains(word.toString());
}

// netstat's own lines on stderr, which a pasted terminal session holds: it could not look
// into every process for -p.
bool isProcessNotice(QStringView line)
{
    return line.startsWith(QLatin1String("(Not all processes could be identified"))
        || line.startsWith(QLatin1String("(No info could be read for"))
        || line.contains(QLatin1String("you would have to be root to see it all.)"));
}

IpAddress mapped(const IpAddress &v4)
{
    std::array<quint8, 16> bytes{};
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    const quint32 value = v4.toIPv4();
    bytes[12] = quint8(value >> 24);
    bytes[13] = quint8(value >> 16);
    bytes[14] = quint8(value >> 8);
    bytes[15] = quint8(value);
    return IpAddress::fromIPv6(bytes);
}

QString addressProblem(const QString &which, QStringView token, AddressFamily family)
{
    QString problem;
    const qsizetype colon = token.lastIndexOf(u':');
    const std::optional<IpAddress> address = colon > 0 ? IpAddress::fromString(token.left(colon)) : std::nullopt;
    const QStringView port = colon > 0 ? token.mid(colon + 1) : QStringView();
    if (address && (port == QLatin1String("*") || parseUnsigned(port).value_or(65536) <= 65535)) {
        problem = QStringLiteral("%1 address %2 is not %3, as a %4 row's is")
                      .arg(which, token.toString(),
                           family == AddressFamily::IPv4 ? QStringLiteral("IPv4") : QStringLiteral("IPv6"),
                           family == AddressFamily::IPv4 ? QStringLiteral("tcp") : QStringLiteral("tcp6"));
    } else {
        problem = QStringLiteral("%1 address %2 is not numeric ADDRESS:PORT (run netstat with -n)").arg(which, token.toString());
    }
    if (token.size() == netstatAddressWidth)
        problem += QStringLiteral("; netstat also cuts an address that does not fit 23 characters (run it with --wide)");
    return problem;
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

std::optional<Endpoint> NetstatParser::parseEndpoint(QStringView text, AddressFamily family)
{
    const qsizetype colon = text.lastIndexOf(u':');
    if (colon <= 0 || colon == text.size() - 1)
        return std::nullopt;
    Endpoint endpoint;
    const QStringView port = text.mid(colon + 1);
    if (port != QLatin1String("*")) {
        const std::optional<quint64> value = parseUnsigned(port);
        if (!value || *value > 65535)
            return std::nullopt;
        endpoint.port = quint16(*value);
    }
    const std::optional<IpAddress> address = IpAddress::fromString(text.left(colon));
    if (!address)
        return std::nullopt;
    if (address->family() == family) {
        endpoint.address = *address;
    } else if (family == AddressFamily::IPv6) {
        // netstat prints the IPv4-mapped addresses of tcp6 rows as plain IPv4.
        endpoint.address = mapped(*address);
    } else {
        return std::nullopt;
    }
    return endpoint;
}

bool NetstatParser::applyTimer(QStringView kindText, QStringView values, SocketRecord &r)
{
    TimerKind kind;
    if (kindText == QLatin1String("off"))
        kind = TimerKind::None;
    else if (kindText == QLatin1String("on"))
        kind = TimerKind::Retransmit;
    else if (kindText == QLatin1String("keepalive"))
        kind = TimerKind::Keepalive;
    else if (kindText == QLatin1String("timewait"))
        kind = TimerKind::TimeWait;
    else if (kindText == QLatin1String("probe") || kindText == QLatin1String("unkn-4"))
        kind = TimerKind::ZeroWindowProbe; // /proc's tr 4, which net-tools before 2.10 had no name for
    else
        return false;

    if (!values.startsWith(u'(') || !values.endsWith(u')'))
        return false;
    const QList<QStringView> parts = values.mid(1, values.size() - 2).split(u'/');
    if (parts.size() != 3)
        return false;
    bool ok = false;
    const double seconds = parts[0].toDouble(&ok);
    if (!ok || !std::isfinite(seconds) || seconds < 0 || seconds > 1.0e9 || parts[0].startsWith(u'+'))
        return false;
    const std::optional<quint64> retransmits = parseUnsigned(parts[1]);
    const std::optional<quint64> probes = parseUnsigned(parts[2]);
    if (!retransmits || !probes || *retransmits > 0xffffffffu || *probes > 0xffffffffu)
        return false;

    r.timer = kind;
    r.timerRemainingMs = kind == TimerKind::None ? 0 : std::llround(seconds * 1000.0);
    // The same two /proc columns as ProcNetTcpParser reads: retrnsmt and timeout.
    r.retransmits = quint32(*retransmits);
    r.probes = quint32(*probes);
    return true;
}

void NetstatParser::applyProgram(QStringView text, SocketRecord &r) const
{
    if (text == QLatin1String("-")) {
        // netstat found no process with a descriptor for the socket's inode.
        if ((r.inode && *r.inode == 0) || r.state == TcpState::TimeWait || r.state == TcpState::SynRecv)
            r.ownerStatus = OwnerStatus::KernelOnly; // no file at all: no process can hold it
        else if (m_processesHidden)
            r.ownerStatus = OwnerStatus::Hidden;
        else
            r.ownerStatus = OwnerStatus::NotFound;
        return;
    }
    const qsizetype slash = text.indexOf(u'/');
    SocketOwner owner;
    owner.pid = qint32(text.left(slash).toInt());
    // netstat keeps 19 characters of "PID/NAME": a long name arrives cut.
    owner.program = text.mid(slash + 1).toString();
    r.ownerStatus = OwnerStatus::Process;
    r.owners = {owner};
}

QString NetstatParser::parseTail(QList<QStringView> tail, SocketRecord &r) const
{
    const bool looksTimed = tail.size() >= 2 && tail.last().startsWith(u'(') && tail.last().endsWith(u')');
    if (m_columns.known ? m_columns.timer : looksTimed) {
        if (tail.size() < 2 || !tail.last().endsWith(u')'))
            return QStringLiteral("expected a Timer column (-o) at the end, as the header has");
        if (!applyTimer(tail[tail.size() - 2], tail.last(), r)) {
            return QStringLiteral("bad timer '%1 %2': expected off, on, keepalive, timewait or probe, then "
                                  "(SECONDS/RETRANSMITS/PROBES)")
                .arg(tail[tail.size() - 2], tail.last());
        }
        tail.resize(tail.size() - 2);
    }

    const auto isProgram = [](QStringView word) {
        const qsizetype slash = word.indexOf(u'/');
        return word == QLatin1String("-") || (slash > 0 && isDigits(word.left(slash)));
    };
    const bool looksExtended = tail.size() >= 2 && isDigits(tail[1]) && (tail.size() == 2 || isProgram(tail[2]));
    if (m_columns.known ? m_columns.user : looksExtended) {
        if (tail.size() < 2)
            return QStringLiteral("expected User and Inode columns (-e)");
        const std::optional<quint64> inode = parseUnsigned(tail[1]);
        if (!inode)
            return QStringLiteral("Inode %1 is not a number").arg(tail[1]);
        if (const std::optional<quint64> uid = parseUnsigned(tail[0]); uid && *uid <= 0xffffffffu)
            r.uid = quint32(*uid);
        else
            r.details.insert(QStringLiteral("user"), tail[0].toString()); // netstat -e without -n
        r.inode = *inode;
        tail.remove(0, 2);
    }

    if (m_columns.known && m_columns.context && !tail.isEmpty())
        r.details.insert(QStringLiteral("security_context"), tail.takeLast().toString());

    if (m_columns.known ? m_columns.program : !tail.isEmpty()) {
        if (tail.isEmpty())
            return QStringLiteral("expected a PID/Program name column (-p)");
        // A program name may hold spaces ("nginx: master pro"): everything up to the timer.
        QString program = tail.first().toString();
        for (qsizetype i = 1; i < tail.size(); ++i)
            program += QLatin1Char(' ') + tail[i].toString();
        if (!isProgram(tail.first()))
            return QStringLiteral("PID/Program name '%1' is neither PID/NAME nor -").arg(program);
        const qsizetype slash = program.indexOf(u'/');
        if (slash > 0 && (program.left(slash).size() > 9 || program.left(slash).toInt() <= 0))
            return QStringLiteral("PID/Program name '%1' has no valid process id").arg(program);
        applyProgram(program, r);
    } else if (!tail.isEmpty()) {
        return QStringLiteral("unexpected text after the state: '%1'").arg(tail.first());
    }
    return QString();
}

QString NetstatParser::parseRow(const QList<QStringView> &tokens, SocketRecord &r) const
{
    if (tokens.size() < 6)
        return QStringLiteral("expected Proto, Recv-Q, Send-Q, Local Address, Foreign Address and State");
    r.family = tokens[0] == QLatin1String("tcp6") ? AddressFamily::IPv6 : AddressFamily::IPv4;

    const std::optional<quint64> recvQ = parseUnsigned(tokens[1]);
    const std::optional<quint64> sendQ = parseUnsigned(tokens[2]);
    if (!recvQ || !sendQ || *recvQ > 0xffffffffu || *sendQ > 0xffffffffu)
        return QStringLiteral("Recv-Q and Send-Q must be numbers");
    // For a listener, /proc's rx_queue is the accept queue; netstat's Send-Q is /proc's
    // tx_queue, 0 for a listener: not the backlog ss shows there.
    r.rxQueue = quint32(*recvQ);
    r.txQueue = quint32(*sendQ);

    const std::optional<Endpoint> local = parseEndpoint(tokens[3], r.family);
    if (!local)
        return addressProblem(QStringLiteral("local"), tokens[3], r.family);
    const std::optional<Endpoint> remote = parseEndpoint(tokens[4], r.family);
    if (!remote)
        return addressProblem(QStringLiteral("foreign"), tokens[4], r.family);
    r.local = *local;
    r.remote = *remote;

    const std::optional<TcpState> state = parseTcpState(tokens[5]);
    if (!state || isDigits(tokens[5]))
        return QStringLiteral("unknown state %1").arg(tokens[5]);
    r.state = *state;

    return parseTail(tokens.mid(6), r);
}

NetstatParser::Result NetstatParser::parse(QByteArrayView text, const QString &origin, int firstLine)
{
    Result result;
    const QString decoded = QString::fromUtf8(text);
    const QList<QStringView> lines = QStringView(decoded).split(u'\n');
    int lineNumber = firstLine - 1;
    for (qsizetype index = 0; index < lines.size(); ++index) {
        QStringView line = lines[index];
        if (index == lines.size() - 1 && line.isEmpty())
            break; // what follows the last newline: not a line
        ++lineNumber;
        const QStringView trimmed = line.trimmed();
        if (trimmed.isEmpty()) {
            result.skipped.add(SkippedLines::Kind::Blank, lineNumber);
            continue;
        }
        const QList<QStringView> tokens = words(trimmed);
        const QStringView first = tokens.first();

        if (first == QLatin1String("Active")) {
            // "Active Internet connections (servers and established)", or the banner of another
            // section (UNIX domain sockets, Bluetooth) whose rows are skipped by their protocol.
            if (trimmed.startsWith(QLatin1String("Active Internet connections"))) {
                if (trimmed.contains(QLatin1String("(only servers)")))
                    result.listing = Listing::ServersOnly;
                else if (trimmed.contains(QLatin1String("(w/o servers)")))
                    result.listing = Listing::WithoutServers;
                else
                    result.listing = Listing::All;
            }
            continue;
        }
        if (first == QLatin1String("Proto")) {
            // Only the Internet section's header has Recv-Q; the UNIX section's has RefCnt.
            if (trimmed.contains(QLatin1String("Recv-Q"))) {
                m_columns.known = true;
                m_columns.user = trimmed.contains(QLatin1String(" User ")) || trimmed.contains(QLatin1String("Inode"));
                m_columns.program = trimmed.contains(QLatin1String("PID/Program name"));
                m_columns.context = trimmed.contains(QLatin1String("Security Context"));
                m_columns.timer = trimmed.endsWith(QLatin1String("Timer"));
            }
            continue;
        }
        if (isProcessNotice(trimmed)) {
            m_processesHidden = true;
            result.skipped.add(SkippedLines::Kind::Notice, lineNumber);
            continue;
        }
        if (first == QLatin1String("tcp") || first == QLatin1String("tcp6")) {
            if (tokens.size() >= 6 && tokens[5] == QLatin1String("UNKNOWN")) {
                result.unknownStateLines.append(lineNumber);
                continue;
            }
            SocketRecord record;
            const QString problem = parseRow(tokens, record);
            if (!problem.isEmpty()) {
                result.issues.append(makeIssue(origin, lineNumber, problem, line));
                continue;
            }
            if (record.family == AddressFamily::IPv6
                && (tokens[3].size() == netstatAddressWidth || tokens[4].size() == netstatAddressWidth))
                result.possiblyCutLines.append(lineNumber);
            result.records.append(std::move(record));
            continue;
        }
        if (isOtherProtocol(first)) {
            result.skipped.add(SkippedLines::Kind::OtherProtocol, lineNumber, first.toString());
            continue;
        }
        if (const std::optional<SkippedLines::Kind> kind = SkippedLines::classify(trimmed)) {
            result.skipped.add(*kind, lineNumber);
            continue;
        }
        result.issues.append(makeIssue(origin, lineNumber,
                                       QStringLiteral("not a netstat row: expected tcp or tcp6, Recv-Q, Send-Q, "
                                                      "Local Address, Foreign Address and State"),
                                       line));
    }
    return result;
}

} // namespace sockscope
