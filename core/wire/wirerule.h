// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QMetaType>
#include <QString>
#include <QStringList>

namespace sockscope {

struct Segment;

// A wire rule: which segments on the lab's private loopback to lose or refuse, as data.
//
// The grammar, one rule:
//     rule      = action kind [direction]
//     action    = "drop" | "drop next" | "drop" N "%" | "reject"      (N from 1 to 99)
//     kind      = "syn" | "synack" | "ack" | "handshake-ack" | "fin" | "fin-ack"
//               | "data" | "rst" | "any"
//     direction = "from client" | "from server"
// Several rules are separated by ';' (or given as several texts); words are separated by
// spaces, and case does not matter. Examples: "drop synack", "drop next fin from server",
// "drop 25% data from client", "reject syn".
//
// What each kind matches (the server is the side of the listener's port, the client the other):
//   syn            SYN without ACK
//   synack         SYN with ACK
//   ack            a pure ACK: ACK set, no SYN, FIN or RST, and no data
//   handshake-ack  the first segment with ACK the client sends after a SYN,ACK from the server
//                  has arrived (its pure ACK completing the handshake). Exactly "a pure ACK
//                  whose ack is the server's ISN+1" needs the ISN, which nftables does not
//                  keep; the connection's conntrack mark does instead: the SYN,ACK sets a bit,
//                  the client's next ACK clears it. A retransmitted SYN,ACK arms it again, so
//                  the client's duplicate ACK counts too.
//   fin            any segment with FIN
//   fin-ack        the first segment with ACK the other side sends after a FIN has arrived:
//                  the ACK of that FIN (a pure ACK, or the peer's own FIN,ACK when it closes at
//                  once; in the rare case it is sending data just then, that data segment,
//                  which also acknowledges the FIN). Matched with a conntrack mark like
//                  handshake-ack; a retransmitted FIN arms it again.
//   data           a segment carrying payload (length > 0): its IP length against its headers'
//                  lengths, as the lab's TCP sends IPv4 without options and IPv6 without
//                  extension headers
//   rst            any segment with RST
//   any            every TCP segment
// handshake-ack and fin-ack turn on connection tracking in the lab's namespace; no other kind
// needs it.
//
// Without a direction, a rule takes segments either way and of every connection on the lab's
// wire, whatever its port (handshake-ack and fin-ack still use the server's port to tell the
// sides apart; handshake-ack is always the client's). "drop next" acts once and then is spent;
// "reject" answers the segment with a TCP reset instead of passing it on (a reset is never
// answered with one, so "reject rst" is refused). A percentage is the chance each matching
// segment is dropped.
class WireRule
{
public:
    enum class Action : quint8 { Drop, DropNext, DropPercent, Reject };
    enum class Kind : quint8 { Syn, SynAck, Ack, HandshakeAck, Fin, FinAck, Data, Rst, Any };
    enum class Direction : quint8 { Both, FromClient, FromServer };

    // The NFLOG group the rules report to, in the lab's own namespace (where it is free).
    static constexpr int defaultLogGroup = 7;

    Action action = Action::Drop;
    int percent = 100; // DropPercent's chance, 1 to 99
    Kind kind = Kind::Any;
    Direction direction = Direction::Both;

    // The rules in `text`, or none with `error` naming the word that is wrong.
    static QList<WireRule> parse(const QString &text, QString *error = nullptr);
    static QList<WireRule> parse(const QStringList &texts, QString *error = nullptr);

    // The rule in the grammar, canonical ("drop 25% data from client").
    QString text() const;
    // In plain words: "drop every SYN,ACK from the server".
    QString describe() const;
    // The nft rule lines (one, or two for a fin-ack either way) for the input hook, with a
    // counter and `log group G prefix "sockscope rule N"` before the verdict. They assume the
    // table that nftTable() builds around them: its payload classification and its marks.
    QString toNft(int number, quint16 serverPort, int logGroup = defaultLogGroup) const;

    // The whole `table inet sockscope`, rebuilt from nothing: deleting any earlier one and
    // creating it again is one nft transaction. Rule N is rules[N - 1]; `spent` rules (a
    // "drop next" that has acted) keep their numbers and are left out.
    static QString nftTable(const QList<WireRule> &rules, quint16 serverPort, int logGroup = defaultLogGroup,
                            const QList<bool> &spent = {});
    // Removes the table (and nothing else); fine when there is none.
    static QString nftClear();
    static QString tableName() { return QStringLiteral("sockscope"); }
    // The set that makes rule N, a "drop next", act once in the kernel ("once_3").
    static QString onceSetName(int number);

    // Whether a kind is told from one segment's header alone: every kind but handshake-ack and
    // fin-ack, which are "the first ACK after ..." and need what came before on the connection.
    static bool isStateless(Kind kind);
    // Whether `segment` is of this kind, judged as the nft rules judge it but from the captured
    // segment (its flags and payload length); false for the kinds that are not stateless.
    static bool matchesAlone(Kind kind, const Segment &segment);

    static QString kindName(Kind kind); // "synack"
    static QString actionName(Action action, int percent = 100); // "drop next", "drop 25%"

    friend bool operator==(const WireRule &a, const WireRule &b)
    {
        return a.action == b.action && a.percent == b.percent && a.kind == b.kind && a.direction == b.direction;
    }
    friend bool operator!=(const WireRule &a, const WireRule &b) { return !(a == b); }
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::WireRule)
