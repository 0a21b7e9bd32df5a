// SPDX-License-Identifier: GPL-3.0-or-later
#include "wirerule.h"

#include "core/capture/segment.h"

namespace sockscope {

namespace {

constexpr WireRule::Kind allKinds[] = {WireRule::Kind::Syn,  WireRule::Kind::SynAck, WireRule::Kind::Ack,
                                       WireRule::Kind::HandshakeAck, WireRule::Kind::Fin,
                                       WireRule::Kind::FinAck, WireRule::Kind::Data, WireRule::Kind::Rst,
                                       WireRule::Kind::Any};

QString kindList()
{
    QStringList names;
    for (WireRule::Kind kind : allKinds)
        names.append(WireRule::kindName(kind));
    return names.join(QStringLiteral(", "));
}

// The marks the table keeps. The packet's own mark (meta mark) says whether it carries data,
// set by the classification at the top of the chain; the connection's mark (ct mark) remembers
// what has arrived, for the kinds that are "the first ACK after ...".
constexpr quint32 finFromClientBit = 0x1;
constexpr quint32 finFromServerBit = 0x2;
constexpr quint32 synAckBit = 0x4;

// A rule line's match for one kind and one direction (FromClient or FromServer, or Both where
// the kind allows it).
QString matchFor(WireRule::Kind kind, WireRule::Direction direction, quint16 serverPort)
{
    QString port;
    if (direction == WireRule::Direction::FromClient)
        port = QStringLiteral("tcp dport %1 ").arg(serverPort);
    else if (direction == WireRule::Direction::FromServer)
        port = QStringLiteral("tcp sport %1 ").arg(serverPort);
    const QString firstAck = QStringLiteral("tcp flags & (syn | ack | rst) == ack ct mark & 0x%1 == 0x%1");
    switch (kind) {
    case WireRule::Kind::Syn:
        return port + QStringLiteral("tcp flags & (syn | ack) == syn");
    case WireRule::Kind::SynAck:
        return port + QStringLiteral("tcp flags & (syn | ack) == syn | ack");
    case WireRule::Kind::Ack:
        return port + QStringLiteral("tcp flags & (syn | ack | fin | rst) == ack meta mark 0x0");
    case WireRule::Kind::HandshakeAck:
        return port + firstAck.arg(synAckBit, 0, 16);
    case WireRule::Kind::Fin:
        return port + QStringLiteral("tcp flags & fin == fin");
    case WireRule::Kind::FinAck:
        // The ACK of the client's FIN comes from the server, and the other way round.
        return port
            + firstAck.arg(direction == WireRule::Direction::FromServer ? finFromClientBit : finFromServerBit, 0, 16);
    case WireRule::Kind::Data:
        return port + QStringLiteral("meta l4proto tcp meta mark 0x1");
    case WireRule::Kind::Rst:
        return port + QStringLiteral("tcp flags & rst == rst");
    case WireRule::Kind::Any:
        return port + QStringLiteral("meta l4proto tcp");
    }
    return QString();
}

struct Noun
{
    const char *one;
    const char *many;
};

Noun nounOf(WireRule::Kind kind)
{
    switch (kind) {
    case WireRule::Kind::Syn:
        return {"SYN", "SYNs"};
    case WireRule::Kind::SynAck:
        return {"SYN,ACK", "SYN,ACKs"};
    case WireRule::Kind::Ack:
        return {"pure ACK", "pure ACKs"};
    case WireRule::Kind::HandshakeAck:
        return {"final ACK of a handshake", "final ACKs of handshakes"};
    case WireRule::Kind::Fin:
        return {"FIN", "FINs"};
    case WireRule::Kind::FinAck:
        return {"ACK of a FIN", "ACKs of FINs"};
    case WireRule::Kind::Data:
        return {"data segment", "data segments"};
    case WireRule::Kind::Rst:
        return {"RST", "RSTs"};
    case WireRule::Kind::Any:
        return {"segment", "segments"};
    }
    return {"", ""};
}

// Reads one rule's words; a problem names the word.
class RuleReader
{
public:
    explicit RuleReader(const QString &text) : m_text(text)
    {
        m_words = text.simplified().toLower().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    }

    bool read(WireRule &rule)
    {
        if (!readAction(rule) || !readKind(rule) || !readDirection(rule))
            return false;
        if (m_at < m_words.size())
            return fail(QStringLiteral("'%1' is not expected after the rule").arg(m_words[m_at]));
        if (rule.kind == WireRule::Kind::HandshakeAck) {
            if (rule.direction == WireRule::Direction::FromServer)
                return fail(QStringLiteral("'server': the final ACK of a handshake is the client's"));
            rule.direction = WireRule::Direction::FromClient;
        }
        if (rule.action == WireRule::Action::Reject && rule.kind == WireRule::Kind::Rst)
            return fail(QStringLiteral("'rst' cannot be rejected: the kernel never answers a reset with one"));
        return true;
    }

    QString error() const { return m_error; }

private:
    bool fail(const QString &what)
    {
        m_error = QStringLiteral("%1 in '%2'").arg(what, m_text.simplified());
        return false;
    }

    QString next() { return m_at < m_words.size() ? m_words[m_at++] : QString(); }
    QString peek() const { return m_at < m_words.size() ? m_words[m_at] : QString(); }

    bool readAction(WireRule &rule)
    {
        const QString word = next();
        if (word == QLatin1String("reject")) {
            rule.action = WireRule::Action::Reject;
            return true;
        }
        if (word != QLatin1String("drop")) {
            return fail(QStringLiteral("'%1' is not an action (drop, drop next, drop N%, reject)").arg(word));
        }
        rule.action = WireRule::Action::Drop;
        const QString more = peek();
        if (more == QLatin1String("next")) {
            ++m_at;
            rule.action = WireRule::Action::DropNext;
        } else if (more.endsWith(QLatin1Char('%'))) {
            ++m_at;
            bool number = false;
            const int percent = more.chopped(1).toInt(&number);
            if (!number || percent < 1 || percent > 99) {
                return fail(QStringLiteral("'%1' is not a percentage from 1% to 99% (for every segment, say 'drop')")
                                .arg(more));
            }
            rule.action = WireRule::Action::DropPercent;
            rule.percent = percent;
        }
        return true;
    }

    bool readKind(WireRule &rule)
    {
        const QString word = next();
        if (word.isEmpty()) {
            return fail(QStringLiteral("'%1' needs a segment kind (%2)")
                            .arg(m_words.join(QLatin1Char(' ')), kindList()));
        }
        for (WireRule::Kind kind : allKinds) {
            if (word == WireRule::kindName(kind)) {
                rule.kind = kind;
                return true;
            }
        }
        return fail(QStringLiteral("'%1' is not a segment kind (%2)").arg(word, kindList()));
    }

    bool readDirection(WireRule &rule)
    {
        const QString word = next();
        if (word.isEmpty()) {
            rule.direction = WireRule::Direction::Both;
            return true;
        }
        if (word != QLatin1String("from"))
            return fail(QStringLiteral("'%1' is not a direction (from client, from server)").arg(word));
        const QString side = next();
        if (side == QLatin1String("client")) {
            rule.direction = WireRule::Direction::FromClient;
        } else if (side == QLatin1String("server")) {
            rule.direction = WireRule::Direction::FromServer;
        } else if (side.isEmpty()) {
            return fail(QStringLiteral("'from' needs a side (client, server)"));
        } else {
            return fail(QStringLiteral("'%1' is not a side (client, server)").arg(side));
        }
        return true;
    }

    QString m_text;
    QStringList m_words;
    qsizetype m_at = 0;
    QString m_error;
};

} // namespace

bool WireRule::isStateless(Kind kind)
{
    return kind != Kind::HandshakeAck && kind != Kind::FinAck;
}

bool WireRule::matchesAlone(Kind kind, const Segment &segment)
{
    const bool syn = segment.has(SegmentFlag::Syn);
    const bool ack = segment.has(SegmentFlag::Ack);
    switch (kind) {
    case Kind::Syn:
        return syn && !ack;
    case Kind::SynAck:
        return syn && ack;
    case Kind::Ack:
        return ack && !syn && !segment.has(SegmentFlag::Fin) && !segment.has(SegmentFlag::Rst)
            && segment.payloadLength == 0;
    case Kind::Fin:
        return segment.has(SegmentFlag::Fin);
    case Kind::Data:
        return segment.payloadLength > 0;
    case Kind::Rst:
        return segment.has(SegmentFlag::Rst);
    case Kind::Any:
        return true;
    case Kind::HandshakeAck:
    case Kind::FinAck:
        return false;
    }
    return false;
}

QString WireRule::kindName(Kind kind)
{
    switch (kind) {
    case Kind::Syn:
        return QStringLiteral("syn");
    case Kind::SynAck:
        return QStringLiteral("synack");
    case Kind::Ack:
        return QStringLiteral("ack");
    case Kind::HandshakeAck:
        return QStringLiteral("handshake-ack");
    case Kind::Fin:
        return QStringLiteral("fin");
    case Kind::FinAck:
        return QStringLiteral("fin-ack");
    case Kind::Data:
        return QStringLiteral("data");
    case Kind::Rst:
        return QStringLiteral("rst");
    case Kind::Any:
        return QStringLiteral("any");
    }
    return QString();
}

QString WireRule::actionName(Action action, int percent)
{
    switch (action) {
    case Action::Drop:
        return QStringLiteral("drop");
    case Action::DropNext:
        return QStringLiteral("drop next");
    case Action::DropPercent:
        return QStringLiteral("drop %1%").arg(percent);
    case Action::Reject:
        return QStringLiteral("reject");
    }
    return QString();
}

QList<WireRule> WireRule::parse(const QString &text, QString *error)
{
    QList<WireRule> rules;
    const QStringList pieces = text.split(QLatin1Char(';'));
    for (const QString &piece : pieces) {
        if (piece.trimmed().isEmpty())
            continue; // "drop syn;" and "a;;b" are fine
        RuleReader reader(piece);
        WireRule rule;
        if (!reader.read(rule)) {
            if (error)
                *error = reader.error();
            return {};
        }
        rules.append(rule);
    }
    if (rules.isEmpty()) {
        if (error)
            *error = QStringLiteral("no rule in '%1' (for example 'drop synack')").arg(text.simplified());
        return {};
    }
    if (error)
        error->clear();
    return rules;
}

QList<WireRule> WireRule::parse(const QStringList &texts, QString *error)
{
    QList<WireRule> rules;
    for (const QString &text : texts) {
        const QList<WireRule> some = parse(text, error);
        if (some.isEmpty())
            return {};
        rules.append(some);
    }
    if (texts.isEmpty() && error)
        *error = QStringLiteral("no rule given");
    return rules;
}

QString WireRule::text() const
{
    QString out = actionName(action, percent) + QLatin1Char(' ') + kindName(kind);
    if (direction == Direction::FromClient)
        out += QStringLiteral(" from client");
    else if (direction == Direction::FromServer)
        out += QStringLiteral(" from server");
    return out;
}

QString WireRule::describe() const
{
    const Noun noun = nounOf(kind);
    QString out;
    switch (action) {
    case Action::Drop:
        out = QStringLiteral("drop every %1").arg(QLatin1String(noun.one));
        break;
    case Action::DropNext:
        out = QStringLiteral("drop the next %1").arg(QLatin1String(noun.one));
        break;
    case Action::DropPercent:
        out = QStringLiteral("drop %1% of %2").arg(percent).arg(QLatin1String(noun.many));
        break;
    case Action::Reject:
        out = QStringLiteral("answer every %1 with a reset").arg(QLatin1String(noun.one));
        break;
    }
    if (direction == Direction::FromClient)
        out += QStringLiteral(" from the client");
    else if (direction == Direction::FromServer)
        out += QStringLiteral(" from the server");
    if (action == Action::Reject)
        out += QStringLiteral(", instead of delivering it");
    return out;
}

QString WireRule::toNft(int number, quint16 serverPort, int logGroup) const
{
    QString tail;
    if (action == Action::DropPercent)
        tail += QStringLiteral(" numgen random mod 100 < %1").arg(percent);
    // Once, in the kernel: the first segment that matches puts an element in the rule's own
    // set, and no segment matches once it is there. Taking the spent rule out afterwards (the
    // filter does, when it reads the hit) comes too late for a burst of segments.
    if (action == Action::DropNext)
        tail += QStringLiteral(" meta l4proto != @%1 add @%1 { meta l4proto }").arg(onceSetName(number));
    tail += QStringLiteral(" counter log group %1 prefix \"sockscope rule %2\" %3")
                .arg(logGroup)
                .arg(number)
                .arg(action == Action::Reject ? QStringLiteral("reject with tcp reset") : QStringLiteral("drop"));
    if (kind == Kind::FinAck && direction == Direction::Both) {
        return matchFor(kind, Direction::FromServer, serverPort) + tail + QLatin1Char('\n')
            + matchFor(kind, Direction::FromClient, serverPort) + tail;
    }
    return matchFor(kind, direction, serverPort) + tail;
}

QString WireRule::onceSetName(int number)
{
    return QStringLiteral("once_%1").arg(number);
}

QString WireRule::nftClear()
{
    // Adding first makes the deletion valid whether or not the table exists.
    return QStringLiteral("add table inet sockscope\ndelete table inet sockscope\n");
}

QString WireRule::nftTable(const QList<WireRule> &rules, quint16 serverPort, int logGroup, const QList<bool> &spent)
{
    QStringList lines;
    bool needsData = false;
    bool watchesSynAck = false;
    bool watchesClientFin = false;
    bool watchesServerFin = false;
    for (qsizetype i = 0; i < rules.size(); ++i) {
        if (i < spent.size() && spent[i])
            continue;
        const WireRule &rule = rules[i];
        lines.append(rule.toNft(int(i + 1), serverPort, logGroup).split(QLatin1Char('\n')));
        needsData = needsData || rule.kind == Kind::Ack || rule.kind == Kind::Data;
        watchesSynAck = watchesSynAck || rule.kind == Kind::HandshakeAck;
        if (rule.kind == Kind::FinAck) {
            watchesClientFin = watchesClientFin || rule.direction != Direction::FromClient;
            watchesServerFin = watchesServerFin || rule.direction != Direction::FromServer;
        }
    }
    if (lines.isEmpty())
        return nftClear();

    // Whether a segment carries data is its IP length against its headers' lengths, which nft
    // cannot subtract: one line per TCP header length says it, as the packet's mark. The lab's
    // TCP sends IPv4 without options and IPv6 without extension headers.
    QStringList classify;
    if (needsData) {
        classify.append(QStringLiteral("meta l4proto tcp meta mark set 0x0"));
        for (int offset = 5; offset <= 15; ++offset) {
            classify.append(QStringLiteral("meta nfproto ipv4 tcp doff %1 meta length > %2 meta mark set 0x1")
                                .arg(offset)
                                .arg(20 + 4 * offset));
        }
        for (int offset = 5; offset <= 15; ++offset) {
            classify.append(QStringLiteral("meta nfproto ipv6 tcp doff %1 meta length > %2 meta mark set 0x1")
                                .arg(offset)
                                .arg(40 + 4 * offset));
        }
    }
    // What has arrived, on the connection's mark, after the verdicts: a dropped segment never
    // arrived. First the ACKs that answer what the marks remember clear them, then the
    // segments that are answered set them (a FIN,ACK can do both).
    const QString clearBit = QStringLiteral("%1 tcp flags & (syn | ack | rst) == ack ct mark & 0x%2 == 0x%2 "
                                            "ct mark set ct mark & 0x%3");
    const QString client = QStringLiteral("tcp dport %1").arg(serverPort);
    const QString server = QStringLiteral("tcp sport %1").arg(serverPort);
    const auto mask = [](quint32 bit) { return QString::number(~bit, 16); };
    QStringList remember;
    if (watchesSynAck)
        remember.append(clearBit.arg(client).arg(synAckBit, 0, 16).arg(mask(synAckBit)));
    if (watchesClientFin)
        remember.append(clearBit.arg(server).arg(finFromClientBit, 0, 16).arg(mask(finFromClientBit)));
    if (watchesServerFin)
        remember.append(clearBit.arg(client).arg(finFromServerBit, 0, 16).arg(mask(finFromServerBit)));
    if (watchesSynAck) {
        remember.append(QStringLiteral("%1 tcp flags & (syn | ack) == syn | ack ct mark set ct mark | 0x%2")
                            .arg(server)
                            .arg(synAckBit, 0, 16));
    }
    if (watchesClientFin) {
        remember.append(
            QStringLiteral("%1 tcp flags & fin == fin ct mark set ct mark | 0x%2").arg(client).arg(finFromClientBit, 0, 16));
    }
    if (watchesServerFin) {
        remember.append(
            QStringLiteral("%1 tcp flags & fin == fin ct mark set ct mark | 0x%2").arg(server).arg(finFromServerBit, 0, 16));
    }

    QString out = nftClear();
    out += QStringLiteral("table inet sockscope {\n");
    for (qsizetype i = 0; i < rules.size(); ++i) {
        if (rules[i].action == Action::DropNext && !(i < spent.size() && spent[i]))
            out += QStringLiteral("\tset %1 {\n\t\ttype inet_proto; size 1; flags dynamic;\n\t}\n")
                       .arg(onceSetName(int(i + 1)));
    }
    out += QStringLiteral("\tchain input {\n"
                          "\t\ttype filter hook input priority filter; policy accept;\n");
    for (const QString &line : classify + lines + remember)
        out += QStringLiteral("\t\t") + line + QLatin1Char('\n');
    out += QStringLiteral("\t}\n}\n");
    return out;
}

} // namespace sockscope
