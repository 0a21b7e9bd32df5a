// SPDX-License-Identifier: GPL-3.0-or-later
#include "procnettcpparser.h"

#include <array>
#include <cstring>
#include <limits>

namespace sockscope {

namespace {

// The kernel prints clock_t values, which count USER_HZ (100) ticks per second.
constexpr qint64 msPerClockTick = 10;

constexpr int maxIssueTextLength = 160;

bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

struct Token
{
    const char *begin = nullptr;
    const char *end = nullptr;

    qsizetype size() const { return end - begin; }
    QLatin1String text() const { return QLatin1String(begin, end); }
};

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool parseHex(const char *begin, const char *end, quint64 &out)
{
    if (begin == end || end - begin > 16)
        return false;
    quint64 value = 0;
    for (const char *p = begin; p != end; ++p) {
        const int digit = hexValue(*p);
        if (digit < 0)
            return false;
        value = value << 4 | quint64(digit);
    }
    out = value;
    return true;
}

bool parseUnsigned(const char *begin, const char *end, quint64 &out)
{
    if (begin == end || end - begin > 20)
        return false;
    quint64 value = 0;
    for (const char *p = begin; p != end; ++p) {
        if (*p < '0' || *p > '9')
            return false;
        const quint64 next = value * 10 + quint64(*p - '0');
        if (next / 10 != value)
            return false;
        value = next;
    }
    out = value;
    return true;
}

bool parseSigned(const char *begin, const char *end, qint64 &out)
{
    const bool negative = begin != end && *begin == '-';
    quint64 magnitude = 0;
    if (!parseUnsigned(begin + (negative ? 1 : 0), end, magnitude)
        || magnitude > quint64(std::numeric_limits<qint64>::max()))
        return false;
    out = negative ? -qint64(magnitude) : qint64(magnitude);
    return true;
}

// "HEX:HEX" split at its only colon.
bool splitPair(const Token &t, Token &first, Token &second)
{
    for (const char *p = t.begin; p != t.end; ++p) {
        if (*p == ':') {
            first = {t.begin, p};
            second = {p + 1, t.end};
            return first.size() > 0 && second.size() > 0;
        }
    }
    return false;
}

class LineParser
{
public:
    LineParser(QSysInfo::Endian wordOrder) : m_wordOrder(wordOrder) { }

    // Returns an empty string on success, or why the line was rejected.
    QString parse(const Token *tokens, int count, SocketRecord &record) const;

private:
    bool parseEndpoint(const Token &token, Endpoint &endpoint, AddressFamily &family) const;
    void storeWord(quint32 word, quint8 *out) const;

    QSysInfo::Endian m_wordOrder;
};

void LineParser::storeWord(quint32 word, quint8 *out) const
{
    // The kernel printed a network-order 32-bit word as a host integer: on a little-endian
    // writer the first address byte is the lowest hex pair.
    if (m_wordOrder == QSysInfo::LittleEndian) {
        out[0] = quint8(word);
        out[1] = quint8(word >> 8);
        out[2] = quint8(word >> 16);
        out[3] = quint8(word >> 24);
    } else {
        out[0] = quint8(word >> 24);
        out[1] = quint8(word >> 16);
        out[2] = quint8(word >> 8);
        out[3] = quint8(word);
    }
}

bool LineParser::parseEndpoint(const Token &token, Endpoint &endpoint, AddressFamily &family) const
{
    Token address, port;
    if (!splitPair(token, address, port) || port.size() > 4)
        return false;
    quint64 portValue = 0;
    if (!parseHex(port.begin, port.end, portValue))
        return false;

    std::array<quint8, 16> bytes{};
    if (address.size() == 8) {
        quint64 word = 0;
        if (!parseHex(address.begin, address.end, word))
            return false;
        storeWord(quint32(word), bytes.data());
        endpoint.address = IpAddress::fromIPv4(quint32(bytes[0]) << 24 | quint32(bytes[1]) << 16
                                               | quint32(bytes[2]) << 8 | quint32(bytes[3]));
        family = AddressFamily::IPv4;
    } else if (address.size() == 32) {
        for (int i = 0; i < 4; ++i) {
            quint64 word = 0;
            if (!parseHex(address.begin + 8 * i, address.begin + 8 * i + 8, word))
                return false;
            storeWord(quint32(word), bytes.data() + 4 * i);
        }
        endpoint.address = IpAddress::fromIPv6(bytes);
        family = AddressFamily::IPv6;
    } else {
        return false;
    }
    endpoint.port = quint16(portValue);
    return true;
}

QString LineParser::parse(const Token *t, int count, SocketRecord &r) const
{
    enum Column { Sl, Local, Remote, St, Queues, Timer, Retransmits, Uid, Probes, Inode, Fixed };
    enum Trailing { Refcount = Fixed, Pointer, Rto, Ato, QuickPingpong, Cwnd, Ssthresh };

    if (count < Fixed)
        return QStringLiteral("expected at least %1 columns, found %2").arg(int(Fixed)).arg(count);

    const Token &sl = t[Sl];
    quint64 slot = 0;
    if (sl.size() < 2 || sl.end[-1] != ':' || !parseUnsigned(sl.begin, sl.end - 1, slot))
        return QStringLiteral("first column is not a slot number followed by ':'");

    AddressFamily localFamily, remoteFamily;
    if (!parseEndpoint(t[Local], r.local, localFamily))
        return QStringLiteral("local address is not HEX:PORT");
    if (!parseEndpoint(t[Remote], r.remote, remoteFamily))
        return QStringLiteral("remote address is not HEX:PORT");
    if (localFamily != remoteFamily)
        return QStringLiteral("local and remote addresses have different widths");
    r.family = localFamily;

    quint64 value = 0;
    if (!parseHex(t[St].begin, t[St].end, value))
        return QStringLiteral("state is not hexadecimal");
    const std::optional<TcpState> state = tcpStateFromKernelNumber(int(qMin<quint64>(value, 255)));
    if (!state)
        return QStringLiteral("unknown state %1").arg(t[St].text());
    r.state = *state;

    Token first, second;
    quint64 tx = 0, rx = 0;
    if (!splitPair(t[Queues], first, second) || !parseHex(first.begin, first.end, tx)
        || !parseHex(second.begin, second.end, rx) || tx > 0xffffffffu || rx > 0xffffffffu)
        return QStringLiteral("tx_queue:rx_queue is not HEX:HEX");
    r.txQueue = quint32(tx);
    r.rxQueue = quint32(rx);

    quint64 timerKind = 0, when = 0;
    if (!splitPair(t[Timer], first, second) || !parseHex(first.begin, first.end, timerKind)
        || !parseHex(second.begin, second.end, when) || timerKind > 4)
        return QStringLiteral("tr:tm->when is not a timer kind 0-4 and a hex tick count");
    r.timer = static_cast<TimerKind>(timerKind);
    r.timerRemainingMs = r.timer == TimerKind::None ? 0 : qint64(qMin<quint64>(when, 1ULL << 40)) * msPerClockTick;

    if (!parseHex(t[Retransmits].begin, t[Retransmits].end, value) || value > 0xffffffffu)
        return QStringLiteral("retrnsmt is not hexadecimal");
    r.retransmits = quint32(value);

    if (!parseUnsigned(t[Uid].begin, t[Uid].end, value) || value > 0xffffffffu)
        return QStringLiteral("uid is not a number");
    r.uid = quint32(value);

    qint64 probes = 0;
    if (!parseSigned(t[Probes].begin, t[Probes].end, probes))
        return QStringLiteral("timeout is not a number");
    r.probes = quint32(qBound<qint64>(0, probes, 0xffffffff));

    if (!parseUnsigned(t[Inode].begin, t[Inode].end, value))
        return QStringLiteral("inode is not a number");
    r.inode = value;

    // Trailing columns: use what parses, ignore what does not; kernels differ here.
    auto unsignedAt = [&](int column) -> std::optional<quint32> {
        quint64 v = 0;
        if (column < count && parseUnsigned(t[column].begin, t[column].end, v) && v <= 0xffffffffu)
            return quint32(v);
        return std::nullopt;
    };
    if (const auto rto = unsignedAt(Rto))
        r.rtoMs = quint32(qMin<quint64>(quint64(*rto) * msPerClockTick, 0xffffffffu));
    if (const auto ato = unsignedAt(Ato))
        r.atoMs = quint32(qMin<quint64>(quint64(*ato) * msPerClockTick, 0xffffffffu));
    if (r.state != TcpState::Listen) {
        r.cwnd = unsignedAt(Cwnd);
        qint64 ss = 0;
        if (Ssthresh < count && parseSigned(t[Ssthresh].begin, t[Ssthresh].end, ss)
            && ss >= -1 && ss <= std::numeric_limits<qint32>::max())
            r.ssthresh = qint32(ss);
    }
    return QString();
}

} // namespace

ProcNetTcpParser::Result ProcNetTcpParser::parse(QByteArrayView text, const QString &origin) const
{
    Result result;
    parseInto(text, origin, result.records, result.issues);
    return result;
}

void ProcNetTcpParser::parseInto(QByteArrayView text, const QString &origin,
                                 QList<SocketRecord> &records, QList<ParseIssue> &issues) const
{
    // A kernel line is ~150 bytes; reserving avoids regrowing the list on big tables.
    records.reserve(records.size() + text.size() / 150 + 1);

    constexpr int maxTokens = 24;
    std::array<Token, maxTokens> tokens;
    const LineParser lineParser(m_wordOrder);

    const char *p = text.data();
    const char *const end = p + text.size();
    int lineNumber = 0;
    while (p < end) {
        const char *lineBegin = p;
        const char *lineEnd = static_cast<const char *>(memchr(p, '\n', size_t(end - p)));
        if (!lineEnd)
            lineEnd = end;
        p = lineEnd + 1;
        ++lineNumber;

        // Columns beyond maxTokens are trailing extras; they are allowed and ignored.
        int count = 0;
        const char *q = lineBegin;
        while (q < lineEnd) {
            while (q < lineEnd && isSpace(*q))
                ++q;
            if (q == lineEnd)
                break;
            const char *tokenBegin = q;
            while (q < lineEnd && !isSpace(*q))
                ++q;
            if (count < maxTokens)
                tokens[count++] = {tokenBegin, q};
        }

        if (count == 0)
            continue; // blank line: nothing lost
        if (tokens[0].text() == QLatin1String("sl"))
            continue; // a header line, whatever its spelling after "sl"

        SocketRecord record;
        const QString problem = lineParser.parse(tokens.data(), count, record);
        if (problem.isEmpty()) {
            records.append(std::move(record));
        } else {
            ParseIssue issue;
            issue.origin = origin;
            issue.line = lineNumber;
            issue.reason = problem;
            issue.text = QByteArray(lineBegin, qMin<qsizetype>(lineEnd - lineBegin, maxIssueTextLength));
            issues.append(std::move(issue));
        }
    }
}

} // namespace sockscope
