// SPDX-License-Identifier: GPL-3.0-or-later
// The wire rules' grammar: what each text means, in words and as nft rules, and where a wrong
// text is wrong.
#include "core/capture/segment.h"
#include "core/wire/wirerule.h"

#include <QTest>

using namespace sockscope;

using Action = WireRule::Action;
using Kind = WireRule::Kind;
using Direction = WireRule::Direction;

namespace {

WireRule rule(Action action, Kind kind, Direction direction = Direction::Both, int percent = 100)
{
    WireRule r;
    r.action = action;
    r.kind = kind;
    r.direction = direction;
    r.percent = percent;
    return r;
}

const QString logTail = QStringLiteral(" counter log group 7 prefix \"sockscope rule 1\" ");

} // namespace

class TestWireRule : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldReadARule_data();
    void shouldReadARule();
    void shouldReadSeveralRules();
    void shouldNameTheWrongWord_data();
    void shouldNameTheWrongWord();
    void shouldClassifyPayloadOnlyWhereARuleNeedsIt();
    void shouldRememberHandshakesAndFinsOnTheConnectionsMark();
    void shouldLeaveSpentRulesOutAndKeepTheOthersNumbers();
    void shouldTellAStatelessKindFromOneSegment_data();
    void shouldTellAStatelessKindFromOneSegment();
};

void TestWireRule::shouldReadARule_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<WireRule>("expected");
    QTest::addColumn<QString>("canonical");
    QTest::addColumn<QString>("words");
    QTest::addColumn<QString>("nft");

    QTest::newRow("drop synack") << "drop synack" << rule(Action::Drop, Kind::SynAck) << "drop synack"
                                 << "drop every SYN,ACK"
                                 << "tcp flags & (syn | ack) == syn | ack" + logTail + "drop";
    QTest::newRow("from server") << "drop synack from server" << rule(Action::Drop, Kind::SynAck, Direction::FromServer)
                                 << "drop synack from server" << "drop every SYN,ACK from the server"
                                 << "tcp sport 8000 tcp flags & (syn | ack) == syn | ack" + logTail + "drop";
    QTest::newRow("drop next") << "drop next fin from server"
                               << rule(Action::DropNext, Kind::Fin, Direction::FromServer)
                               << "drop next fin from server" << "drop the next FIN from the server"
                               << "tcp sport 8000 tcp flags & fin == fin meta l4proto != @once_1 add @once_1 { meta l4proto }"
            + logTail + "drop";
    QTest::newRow("percent") << "drop 25% data from client"
                             << rule(Action::DropPercent, Kind::Data, Direction::FromClient, 25)
                             << "drop 25% data from client" << "drop 25% of data segments from the client"
                             << "tcp dport 8000 meta l4proto tcp meta mark 0x1 numgen random mod 100 < 25" + logTail
            + "drop";
    QTest::newRow("reject") << "reject syn" << rule(Action::Reject, Kind::Syn) << "reject syn"
                            << "answer every SYN with a reset, instead of delivering it"
                            << "tcp flags & (syn | ack) == syn" + logTail + "reject with tcp reset";
    QTest::newRow("pure ack") << "drop ack from client" << rule(Action::Drop, Kind::Ack, Direction::FromClient)
                              << "drop ack from client" << "drop every pure ACK from the client"
                              << "tcp dport 8000 tcp flags & (syn | ack | fin | rst) == ack meta mark 0x0" + logTail
            + "drop";
    QTest::newRow("handshake-ack is the client's")
        << "  DROP   Handshake-ACK " << rule(Action::Drop, Kind::HandshakeAck, Direction::FromClient)
        << "drop handshake-ack from client" << "drop every final ACK of a handshake from the client"
        << "tcp dport 8000 tcp flags & (syn | ack | rst) == ack ct mark & 0x4 == 0x4" + logTail + "drop";
    QTest::newRow("fin-ack from server") << "drop next fin-ack from server"
                                         << rule(Action::DropNext, Kind::FinAck, Direction::FromServer)
                                         << "drop next fin-ack from server" << "drop the next ACK of a FIN from the server"
                                         << "tcp sport 8000 tcp flags & (syn | ack | rst) == ack ct mark & 0x1 == 0x1"
                                            " meta l4proto != @once_1 add @once_1 { meta l4proto }"
            + logTail + "drop";
    QTest::newRow("fin-ack either way") << "drop fin-ack" << rule(Action::Drop, Kind::FinAck) << "drop fin-ack"
                                        << "drop every ACK of a FIN"
                                        << "tcp sport 8000 tcp flags & (syn | ack | rst) == ack ct mark & 0x1 == 0x1"
            + logTail + "drop\n" + "tcp dport 8000 tcp flags & (syn | ack | rst) == ack ct mark & 0x2 == 0x2" + logTail
            + "drop";
    QTest::newRow("rst") << "drop rst from server" << rule(Action::Drop, Kind::Rst, Direction::FromServer)
                         << "drop rst from server" << "drop every RST from the server"
                         << "tcp sport 8000 tcp flags & rst == rst" + logTail + "drop";
    QTest::newRow("any") << "reject any from client" << rule(Action::Reject, Kind::Any, Direction::FromClient)
                         << "reject any from client"
                         << "answer every segment with a reset from the client, instead of delivering it"
                         << "tcp dport 8000 meta l4proto tcp" + logTail + "reject with tcp reset";
}

void TestWireRule::shouldReadARule()
{
    QFETCH(QString, text);
    QFETCH(WireRule, expected);
    QFETCH(QString, canonical);
    QFETCH(QString, words);
    QFETCH(QString, nft);

    QString error = QStringLiteral("not cleared");
    const QList<WireRule> rules = WireRule::parse(text, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(rules.size(), 1);
    QCOMPARE(rules[0], expected);
    QCOMPARE(rules[0].text(), canonical);
    QCOMPARE(WireRule::parse(rules[0].text()).value(0), expected);
    QCOMPARE(rules[0].describe(), words);
    QCOMPARE(rules[0].toNft(1, 8000), nft);
}

void TestWireRule::shouldReadSeveralRules()
{
    QString error;
    const QList<WireRule> rules = WireRule::parse(QStringLiteral("drop syn; drop next data from client;"), &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(rules, (QList<WireRule>{rule(Action::Drop, Kind::Syn),
                                     rule(Action::DropNext, Kind::Data, Direction::FromClient)}));

    const QList<WireRule> repeated =
        WireRule::parse(QStringList{QStringLiteral("reject syn"), QStringLiteral("drop 5% any;drop rst")}, &error);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    QCOMPARE(repeated, (QList<WireRule>{rule(Action::Reject, Kind::Syn),
                                        rule(Action::DropPercent, Kind::Any, Direction::Both, 5),
                                        rule(Action::Drop, Kind::Rst)}));
    QVERIFY(repeated[2].toNft(3, 8000).contains(QLatin1String("prefix \"sockscope rule 3\"")));
}

void TestWireRule::shouldNameTheWrongWord_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("error");

    const QString kinds = QStringLiteral("(syn, synack, ack, handshake-ack, fin, fin-ack, data, rst, any)");
    QTest::newRow("kind") << "drop synak" << "'synak' is not a segment kind " + kinds + " in 'drop synak'";
    QTest::newRow("kind in the second rule")
        << "drop syn; drop  synak from server"
        << "'synak' is not a segment kind " + kinds + " in 'drop synak from server'";
    QTest::newRow("action") << "dorp syn"
                            << "'dorp' is not an action (drop, drop next, drop N%, reject) in 'dorp syn'";
    QTest::newRow("no kind") << "drop next" << "'drop next' needs a segment kind " + kinds + " in 'drop next'";
    QTest::newRow("percentage") << "drop 150% data"
                                << "'150%' is not a percentage from 1% to 99% (for every segment, say "
                                   "'drop') in 'drop 150% data'";
    QTest::newRow("not a number") << "drop x% data"
                                  << "'x%' is not a percentage from 1% to 99% (for every segment, say "
                                     "'drop') in 'drop x% data'";
    QTest::newRow("direction") << "drop syn to server"
                               << "'to' is not a direction (from client, from server) in 'drop syn to server'";
    QTest::newRow("no side") << "drop syn from" << "'from' needs a side (client, server) in 'drop syn from'";
    QTest::newRow("side") << "drop syn from clients"
                          << "'clients' is not a side (client, server) in 'drop syn from clients'";
    QTest::newRow("extra word") << "drop syn from client now"
                                << "'now' is not expected after the rule in 'drop syn from client now'";
    QTest::newRow("reject rst") << "reject rst"
                                << "'rst' cannot be rejected: the kernel never answers a reset with one in "
                                   "'reject rst'";
    QTest::newRow("server's handshake-ack")
        << "drop handshake-ack from server"
        << "'server': the final ACK of a handshake is the client's in 'drop handshake-ack from server'";
    QTest::newRow("nothing") << " ; " << "no rule in ';' (for example 'drop synack')";
}

void TestWireRule::shouldNameTheWrongWord()
{
    QFETCH(QString, text);
    QFETCH(QString, error);
    QString said;
    QVERIFY(WireRule::parse(text, &said).isEmpty());
    QCOMPARE(said, error);
}

void TestWireRule::shouldClassifyPayloadOnlyWhereARuleNeedsIt()
{
    const QString plain = WireRule::nftTable(WireRule::parse(QStringLiteral("drop synack")), 8000);
    QVERIFY(plain.startsWith(QLatin1String("add table inet sockscope\ndelete table inet sockscope\n"
                                           "table inet sockscope {\n\tchain input {\n"
                                           "\t\ttype filter hook input priority filter; policy accept;\n")));
    QVERIFY(!plain.contains(QLatin1String("meta mark")));
    QVERIFY(!plain.contains(QLatin1String("ct mark")));

    const QString data = WireRule::nftTable(WireRule::parse(QStringLiteral("drop data")), 8000);
    // The marks are set before the rule reads them: IPv4 header 20, IPv6 40, TCP 4 * doff.
    const qsizetype classified = data.indexOf(QLatin1String("meta nfproto ipv4 tcp doff 8 meta length > 52 meta mark set 0x1"));
    QVERIFY(classified > 0);
    QVERIFY(data.contains(QLatin1String("meta nfproto ipv6 tcp doff 15 meta length > 100 meta mark set 0x1")));
    QVERIFY(data.indexOf(QLatin1String("meta mark 0x1 counter")) > classified);
}

void TestWireRule::shouldRememberHandshakesAndFinsOnTheConnectionsMark()
{
    const QString text = WireRule::nftTable(WireRule::parse(QStringLiteral("drop handshake-ack; drop fin-ack from server")), 8000);
    const qsizetype verdict = text.indexOf(QLatin1String("prefix \"sockscope rule 2\" drop"));
    const qsizetype clearSynAck = text.indexOf(
        QLatin1String("tcp dport 8000 tcp flags & (syn | ack | rst) == ack ct mark & 0x4 == 0x4 ct mark set ct mark & 0xfffffffb"));
    const qsizetype setSynAck = text.indexOf(QLatin1String("tcp sport 8000 tcp flags & (syn | ack) == syn | ack ct mark set ct mark | 0x4"));
    const qsizetype setClientFin = text.indexOf(QLatin1String("tcp dport 8000 tcp flags & fin == fin ct mark set ct mark | 0x1"));
    QVERIFY2(verdict > 0 && clearSynAck > verdict && setSynAck > clearSynAck && setClientFin > clearSynAck, qPrintable(text));
    // Only the server's ACK answers the client's FIN here: the server's FIN is not watched.
    QVERIFY(!text.contains(QLatin1String("ct mark | 0x2")));
}

void TestWireRule::shouldLeaveSpentRulesOutAndKeepTheOthersNumbers()
{
    const QList<WireRule> rules = WireRule::parse(QStringLiteral("drop next syn; drop rst"));
    const QString text = WireRule::nftTable(rules, 8000, 7, {true, false});
    QVERIFY(!text.contains(QLatin1String("sockscope rule 1")));
    QVERIFY(!text.contains(QLatin1String("once_1")));
    QVERIFY(text.contains(QLatin1String("sockscope rule 2")));
    // A "drop next" not yet spent acts once in the kernel: its own set, declared in the table.
    const QString once = WireRule::nftTable(rules, 8000, 7, {false, false});
    QVERIFY2(once.contains(QLatin1String("\tset once_1 {\n\t\ttype inet_proto; size 1; flags dynamic;\n\t}\n")),
             qPrintable(once));
    QVERIFY(once.contains(QLatin1String("meta l4proto != @once_1 add @once_1 { meta l4proto }")));
    QCOMPARE(WireRule::nftTable(rules, 8000, 7, {true, true}), WireRule::nftClear());
}

void TestWireRule::shouldTellAStatelessKindFromOneSegment_data()
{
    QTest::addColumn<int>("flags");
    QTest::addColumn<int>("payload");
    // The kinds, in allKinds' order, that the segment is: syn synack ack handshake-ack fin
    // fin-ack data rst any. handshake-ack and fin-ack never match alone.
    QTest::addColumn<QString>("matches");

    using F = SegmentFlag;
    QTest::newRow("SYN") << int(F::Syn) << 0 << "1000000 01";
    QTest::newRow("SYN,ECE,CWR") << int(F::Syn | F::Ece | F::Cwr) << 0 << "1000000 01";
    QTest::newRow("SYN,ACK") << int(F::Syn | F::Ack) << 0 << "0100000 01";
    QTest::newRow("pure ACK") << int(F::Ack) << 0 << "0010000 01";
    QTest::newRow("ACK with data") << int(F::Ack | F::Psh) << 100 << "0000001 01";
    QTest::newRow("FIN,ACK") << int(F::Fin | F::Ack) << 0 << "0000100 01";
    QTest::newRow("FIN,PSH,ACK with data") << int(F::Fin | F::Psh | F::Ack) << 10 << "0000101 01";
    QTest::newRow("RST") << int(F::Rst) << 0 << "0000000 11";
    QTest::newRow("RST,ACK") << int(F::Rst | F::Ack) << 0 << "0000000 11";
}

void TestWireRule::shouldTellAStatelessKindFromOneSegment()
{
    QFETCH(int, flags);
    QFETCH(int, payload);
    QFETCH(QString, matches);
    Segment segment;
    segment.flags = SegmentFlags(flags);
    segment.payloadLength = quint32(payload);
    const QString bits = QString(matches).remove(QLatin1Char(' '));
    const Kind kinds[] = {Kind::Syn, Kind::SynAck, Kind::Ack, Kind::HandshakeAck, Kind::Fin,
                          Kind::FinAck, Kind::Data, Kind::Rst, Kind::Any};
    QCOMPARE(bits.size(), qsizetype(std::size(kinds)));
    for (qsizetype i = 0; i < bits.size(); ++i) {
        QVERIFY2(WireRule::matchesAlone(kinds[i], segment) == (bits[i] == QLatin1Char('1')),
                 qPrintable(WireRule::kindName(kinds[i])));
    }
    QVERIFY(!WireRule::isStateless(Kind::HandshakeAck));
    QVERIFY(!WireRule::isStateless(Kind::FinAck));
    QVERIFY(WireRule::isStateless(Kind::Data));
}

QTEST_GUILESS_MAIN(TestWireRule)
#include "tst_wirerule.moc"
