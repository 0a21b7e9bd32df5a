// SPDX-License-Identifier: GPL-3.0-or-later
#include "procnettcpparser.h"

#include <QtAlgorithms>

#include <array>
#include <cstring>
#include <limits>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

namespace sockscope {

namespace {

// The kernel prints clock_t values, which count USER_HZ (100) ticks per second.
constexpr qint64 msPerClockTick = 10;

constexpr int maxIssueTextLength = 160;

// Tables rather than comparisons: the tokenizer looks at every byte of the file.
constexpr std::array<bool, 256> spaceTable = [] {
    std::array<bool, 256> table{};
    for (unsigned char c : {' ', '\t', '\r', '\v', '\f'})
        table[c] = true;
    return table;
}();

constexpr std::array<qint8, 256> hexTable = [] {
    std::array<qint8, 256> table{};
    for (auto &value : table)
        value = -1;
    for (int c = '0'; c <= '9'; ++c)
        table[size_t(c)] = qint8(c - '0');
    for (int c = 'A'; c <= 'F'; ++c)
        table[size_t(c)] = table[size_t(c - 'A' + 'a')] = qint8(c - 'A' + 10);
    return table;
}();

bool isSpace(char c)
{
    return spaceTable[static_cast<unsigned char>(c)];
}

struct Token
{
    const char *begin = nullptr;
    const char *end = nullptr;

    qsizetype size() const { return end - begin; }
    QLatin1String text() const { return QLatin1String(begin, end); }
};

// Bit i set: p[i] is a space, or lies at or past lineEnd. Reads 64 bytes at once where the text
// has them, whether or not they belong to this line.
quint64 spaceMask(const char *p, const char *lineEnd, const char *textEnd)
{
    const qsizetype inLine = lineEnd - p;
    quint64 mask = 0;
#ifdef __SSE2__
    if (textEnd - p >= 64) {
        const __m128i blank = _mm_set1_epi8(' ');
        const __m128i belowTab = _mm_set1_epi8('\t' - 1);
        const __m128i aboveCr = _mm_set1_epi8('\r' + 1);
        for (int block = 0; block < 4; ++block) {
            const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i *>(p + 16 * block));
            // ' ', or \t \n \v \f \r (no \n inside a line); bytes >= 0x80 compare as negative
            const __m128i control = _mm_and_si128(_mm_cmpgt_epi8(bytes, belowTab), _mm_cmplt_epi8(bytes, aboveCr));
            const __m128i space = _mm_or_si128(_mm_cmpeq_epi8(bytes, blank), control);
            mask |= quint64(quint16(_mm_movemask_epi8(space))) << (16 * block);
        }
    } else
#endif
    {
        const qsizetype n = qMin<qsizetype>(inLine, 64);
        for (qsizetype i = 0; i < n; ++i)
            mask |= quint64(isSpace(p[i])) << i;
    }
    if (inLine < 64)
        mask |= ~quint64(0) << inLine;
    return mask;
}

// Splits [begin, end) at runs of spaces into at most maxTokens tokens; returns their number.
// 64 bytes at a time: token starts and ends are where the mask flips.
int tokenize(const char *begin, const char *end, const char *textEnd, Token *tokens, int maxTokens)
{
    int count = 0;
    quint64 inToken = 0; // 1 when the byte before the window belongs to a token
    const char *tokenBegin = nullptr;
    for (const char *base = begin; base < end; base += 64) {
        const quint64 word = ~spaceMask(base, end, textEnd);
        const quint64 previous = word << 1 | inToken;
        const quint64 starts = word & ~previous;
        for (quint64 flips = starts | (~word & previous); flips != 0; flips &= flips - 1) {
            const int at = qCountTrailingZeroBits(flips);
            if (starts >> at & 1) {
                tokenBegin = base + at;
            } else {
                tokens[count++] = {tokenBegin, base + at};
                if (count == maxTokens)
                    return count;
            }
        }
        inToken = word >> 63;
    }
    if (inToken) // the last token ends where the line does, on a window boundary
        tokens[count++] = {tokenBegin, end};
    return count;
}

int hexValue(char c)
{
    return hexTable[static_cast<unsigned char>(c)];
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

int ProcNetTcpParser::parseInto(QByteArrayView text, const QString &origin, QList<SocketRecord> &records,
                                QList<ParseIssue> &issues, int firstLine, SkippedLines *skipped) const
{
    // A kernel line is 150 bytes; reserving avoids regrowing the list on big tables. Only into
    // an empty list: QList::reserve() copies what is there, where growing by appending moves it.
    if (records.isEmpty())
        records.reserve(text.size() / 150 + 1);

    constexpr int maxTokens = 24;
    std::array<Token, maxTokens> tokens;
    const LineParser lineParser(m_wordOrder);

    const char *p = text.data();
    const char *const end = p + text.size();
    int lineNumber = firstLine - 1;
    while (p < end) {
        const char *lineBegin = p;
        const char *lineEnd = static_cast<const char *>(memchr(p, '\n', size_t(end - p)));
        if (!lineEnd)
            lineEnd = end;
        p = lineEnd + 1;
        ++lineNumber;

        // Columns beyond maxTokens are trailing extras; they are allowed and ignored.
        const int count = tokenize(lineBegin, lineEnd, end, tokens.data(), maxTokens);

        if (count == 0) {
            if (skipped)
                skipped->add(SkippedLines::Kind::Blank, lineNumber);
            continue; // blank line: nothing lost
        }
        if (tokens[0].text() == QLatin1String("sl"))
            continue; // a header line, whatever its spelling after "sl"

        // Parsed in place: a record is a few hundred bytes, not worth moving.
        const QString problem = lineParser.parse(tokens.data(), count, records.emplaceBack());
        if (!problem.isEmpty()) {
            records.removeLast();
            if (skipped) {
                const QString line = QString::fromUtf8(lineBegin, lineEnd - lineBegin);
                if (const std::optional<SkippedLines::Kind> kind = SkippedLines::classify(line)) {
                    skipped->add(*kind, lineNumber);
                    continue;
                }
            }
            ParseIssue issue;
            issue.origin = origin;
            issue.line = lineNumber;
            issue.reason = problem;
            issue.text = QByteArray(lineBegin, qMin<qsizetype>(lineEnd - lineBegin, maxIssueTextLength));
            issues.append(std::move(issue));
        }
    }
    return lineNumber + 1;
}

} // namespace sockscope
