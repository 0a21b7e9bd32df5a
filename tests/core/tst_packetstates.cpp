// SPDX-License-Identifier: GPL-3.0-or-later
// The state changes segments prove, first on real frames captured on a private loopback
// (tests/data/capture: handshakes, closes from either side, a reset, a refused connect, a SACK
// after a dropped segment), then on segments built by hand for what those do not show: lost
// and retransmitted segments, crossing FINs, sequence numbers wrapping at 2^32, a missing
// handshake, a self-connected socket.
#include "core/capture/packetstates.h"

#include "../common/capturedsegments.h"

#include <QTest>

#include <utility>

using namespace sockscope;
using namespace sockscope::test;

namespace {

const QString ipv4File = QStringLiteral("capture/lo-ipv4.txt");
const QString ipv6File = QStringLiteral("capture/lo-ipv6.txt");

// "7 snd ESTABLISHED->FIN_WAIT1": the causing segment's index, whether the end sent or received
// it, the states; " RST" when a reset caused it.
QString textOf(const PacketTransition &t)
{
    return QString::number(t.segment) + (t.sent ? QStringLiteral(" snd ") : QStringLiteral(" rcv "))
        + kernelName(t.from) + QStringLiteral("->") + kernelName(t.to)
        + (t.byReset ? QStringLiteral(" RST") : QString());
}

QStringList textOf(const QList<PacketTransition> &transitions)
{
    QStringList lines;
    for (const PacketTransition &t : transitions)
        lines.append(textOf(t));
    return lines;
}

QStringList transitionsOf(const QList<Segment> &segments, const Endpoint &end, TcpState start)
{
    return textOf(PacketStates::of(segments, end, start));
}

Endpoint endpoint(const char *address, quint16 port)
{
    return {*IpAddress::fromString(QString::fromLatin1(address)), port, QString()};
}

const SegmentFlags syn = SegmentFlag::Syn;
const SegmentFlags synAck = SegmentFlag::Syn | SegmentFlag::Ack;
const SegmentFlags ack = SegmentFlag::Ack;
const SegmentFlags data = SegmentFlag::Psh | SegmentFlag::Ack;
const SegmentFlags finAck = SegmentFlag::Fin | SegmentFlag::Ack;
const SegmentFlags rst = SegmentFlag::Rst;
const SegmentFlags rstAck = SegmentFlag::Rst | SegmentFlag::Ack;

// A conversation built by hand between a client and a listener's port, one segment a
// millisecond.
class Wire
{
public:
    Endpoint client = endpoint("127.0.0.1", 40000);
    Endpoint server = endpoint("127.0.0.1", 8000);
    QList<Segment> segments;

    Wire &fromClient(SegmentFlags flags, quint32 seq, quint32 ackNumber = 0, quint32 length = 0)
    {
        return add(client, server, flags, seq, ackNumber, length);
    }
    Wire &fromServer(SegmentFlags flags, quint32 seq, quint32 ackNumber = 0, quint32 length = 0)
    {
        return add(server, client, flags, seq, ackNumber, length);
    }
    Wire &add(const Endpoint &from, const Endpoint &to, SegmentFlags flags, quint32 seq, quint32 ackNumber = 0,
              quint32 length = 0)
    {
        Segment s;
        s.timestampNs = 1'700'000'000'000'000'000 + 1'000'000 * segments.size();
        s.packetType = 4;
        s.source = from;
        s.destination = to;
        s.seq = seq;
        s.ack = ackNumber;
        s.flags = flags;
        s.payloadLength = length;
        s.capturedPayloadLength = length;
        segments.append(s);
        return *this;
    }

    QStringList ofClient(TcpState start = TcpState::Close) const { return transitionsOf(segments, client, start); }
    QStringList ofServer(TcpState start = TcpState::Listen) const { return transitionsOf(segments, server, start); }
};

// The client's ISN is 1000 and the server's 5000 in the conversations below.
Wire handshake()
{
    Wire w;
    w.fromClient(syn, 1000).fromServer(synAck, 5000, 1001).fromClient(ack, 1001, 5001);
    return w;
}

} // namespace

class TestPacketStates : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldTimeEveryCapturedScenarioBySegment_data();
    void shouldTimeEveryCapturedScenarioBySegment();
    void shouldFindNoListenerWhereTheSynWasRefused_data();
    void shouldFindNoListenerWhereTheSynWasRefused();
    void shouldLabelTransitionsWithTheRfcArrows();
    void shouldMatchAnIpv4MappedEndToIpv4Frames();
    void shouldIgnoreSegmentsOfOtherConnections();
    void shouldProveNothingWithoutTheHandshakeUnlessTheStartIsKnown();
    void shouldNotMoveTwiceOnARetransmittedSyn();
    void shouldTimeTheListenerByTheSynThatArrived();
    void shouldCloseOnlyOnAResetThatAcksTheSyn();
    void shouldStayInSynSentAfterASynAckWithTheWrongAck();
    void shouldGoStraightToTimeWaitOnAFinThatAcksTheFin();
    void shouldPassThroughClosingWhenTheFinsCross();
    void shouldCompareSequenceNumbersAcrossTheWrap();
    void shouldCloseLastAckOnlyOnTheAckThatArrived();
    void shouldNotMoveTheReceiverOfAStoppedSegment();
    void shouldTakeAFinAfterAGapWhenTheGapIsFilled();
    void shouldWaitForTheAckADeferringListenerTakes();
    void shouldDropTheRequestSocketOnAReset();
    void shouldIgnoreAResetTheEndAnswers();
    void shouldEndTimeWaitOnAReset();
    void shouldStopWhereItCannotTellClosingFromTimeWait();
    void shouldOpenAndCloseASelfConnectedSocketWithItself();
    void shouldEndAtCloseWhenTheFourTupleIsOpenedAgain();
};

void TestPacketStates::shouldTimeEveryCapturedScenarioBySegment_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QString>("address");
    QTest::addColumn<int>("port"); // capture-frames.py: client 40000 + port, listener 8000 + port
    QTest::addColumn<QStringList>("clientTransitions");
    QTest::addColumn<QStringList>("serverTransitions");

    struct Expected
    {
        int port;
        QStringList client;
        QStringList server;
    };
    // The client's segment 0 is its SYN, 1 the SYN,ACK, 2 the ACK; then each scenario's own.
    const QHash<QString, Expected> expected = {
        // Client shutdown(SHUT_WR) first (FIN 7), the listener's delayed ACK of it (8), then
        // its own FIN once it has read EOF and closed (9), and the client's last ACK (10).
        {QStringLiteral("transfer"),
         {1,
          {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED", "7 snd ESTABLISHED->FIN_WAIT1",
           "8 rcv FIN_WAIT1->FIN_WAIT2", "9 rcv FIN_WAIT2->TIME_WAIT"},
          {"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED", "7 rcv ESTABLISHED->CLOSE_WAIT",
           "9 snd CLOSE_WAIT->LAST_ACK", "10 rcv LAST_ACK->CLOSE"}}},
        // The listener's end closes first (3), the client acks (4) and closes (5).
        {QStringLiteral("server-close"),
         {2,
          {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED", "3 rcv ESTABLISHED->CLOSE_WAIT",
           "5 snd CLOSE_WAIT->LAST_ACK", "6 rcv LAST_ACK->CLOSE"},
          {"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED", "3 snd ESTABLISHED->FIN_WAIT1",
           "4 rcv FIN_WAIT1->FIN_WAIT2", "5 rcv FIN_WAIT2->TIME_WAIT"}}},
        // SO_LINGER {1, 0}: the client's close() sends RST,ACK (3) and both ends are gone.
        {QStringLiteral("linger-reset"),
         {3,
          {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED", "3 snd ESTABLISHED->CLOSE RST"},
          {"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED", "3 rcv ESTABLISHED->CLOSE RST"}}},
        // Nothing listens: the kernel answers the SYN with RST,ACK (1). The port's end has no
        // socket at all (see shouldFindNoListenerWhereTheSynWasRefused).
        {QStringLiteral("refused"),
         {4, {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->CLOSE RST"}, {}}},
        // ECE and CWR on the SYN change nothing; the client closes first (3..6).
        {QStringLiteral("ecn"),
         {5,
          {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED", "3 snd ESTABLISHED->FIN_WAIT1",
           "4 rcv FIN_WAIT1->FIN_WAIT2", "5 rcv FIN_WAIT2->TIME_WAIT"},
          {"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED", "3 rcv ESTABLISHED->CLOSE_WAIT",
           "5 snd CLOSE_WAIT->LAST_ACK", "6 rcv LAST_ACK->CLOSE"}}},
        // 50 bytes (3, acked by 4), then the client closes first (5..8).
        {QStringLiteral("ip-options"),
         {6,
          {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED", "5 snd ESTABLISHED->FIN_WAIT1",
           "6 rcv FIN_WAIT1->FIN_WAIT2", "7 rcv FIN_WAIT2->TIME_WAIT"},
          {"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED", "5 rcv ESTABLISHED->CLOSE_WAIT",
           "7 snd CLOSE_WAIT->LAST_ACK", "8 rcv LAST_ACK->CLOSE"}}},
        {QStringLiteral("ext-headers"),
         {7,
          {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED", "5 snd ESTABLISHED->FIN_WAIT1",
           "6 rcv FIN_WAIT1->FIN_WAIT2", "7 rcv FIN_WAIT2->TIME_WAIT"},
          {"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED", "5 rcv ESTABLISHED->CLOSE_WAIT",
           "7 snd CLOSE_WAIT->LAST_ACK", "8 rcv LAST_ACK->CLOSE"}}},
        // The dropped "b" (5), SACKed (7) and sent again (8), changes no state; the client
        // closes first (10..13).
        {QStringLiteral("sack"),
         {8,
          {"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED", "10 snd ESTABLISHED->FIN_WAIT1",
           "11 rcv FIN_WAIT1->FIN_WAIT2", "12 rcv FIN_WAIT2->TIME_WAIT"},
          {"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED", "10 rcv ESTABLISHED->CLOSE_WAIT",
           "12 snd CLOSE_WAIT->LAST_ACK", "13 rcv LAST_ACK->CLOSE"}}},
    };

    for (const QString &file : {ipv4File, ipv6File}) {
        const QList<CapturedScenario> scenarios = capturedScenarios(file);
        QVERIFY(scenarios.size() >= 6);
        const char *address = file == ipv4File ? "127.0.0.1" : "::1";
        for (const CapturedScenario &scenario : scenarios) {
            // A scenario added to the captures needs its transitions written down here.
            QVERIFY2(expected.contains(scenario.name), qPrintable(file + QStringLiteral(": ") + scenario.name));
            const Expected &e = expected[scenario.name];
            QTest::addRow("%s %s", address, qPrintable(scenario.name))
                << file << scenario.name << QString::fromLatin1(address) << e.port << e.client << e.server;
        }
    }
}

void TestPacketStates::shouldTimeEveryCapturedScenarioBySegment()
{
    QFETCH(QString, file);
    QFETCH(QString, scenario);
    QFETCH(QString, address);
    QFETCH(int, port);
    QFETCH(QStringList, clientTransitions);
    QFETCH(QStringList, serverTransitions);
    const QList<Segment> segments = capturedSegments(file, scenario);
    const Endpoint client = endpoint(qPrintable(address), quint16(40000 + port));
    const Endpoint server = endpoint(qPrintable(address), quint16(8000 + port));
    QVERIFY(!segments.isEmpty());
    QCOMPARE(segments.first().source, client);
    QCOMPARE(segments.first().flags & ~(SegmentFlag::Ece | SegmentFlag::Cwr), syn);

    const QList<PacketTransition> ofClient = PacketStates::of(segments, client, TcpState::Close);
    const QList<PacketTransition> ofServer = PacketStates::of(segments, server, TcpState::Listen);
    QCOMPARE(textOf(ofClient), clientTransitions);
    QCOMPARE(textOf(ofServer), serverTransitions);

    for (const QList<PacketTransition> *list : {&ofClient, &ofServer}) {
        for (qsizetype n = 0; n < list->size(); ++n) {
            const PacketTransition &t = list->at(n);
            // Timed by its segment, one after another, each from where the last one left.
            QCOMPARE(t.atNs, segments[t.segment].timestampNs);
            QCOMPARE(t.byReset, segments[t.segment].has(SegmentFlag::Rst));
            if (n > 0) {
                QCOMPARE(t.from, list->at(n - 1).to);
                QVERIFY(t.atNs >= list->at(n - 1).atNs);
            }
            // Every change but a reset follows an arrow of the RFC's diagram.
            QCOMPARE(PacketStates::arrowOf(t).has_value(), !t.byReset);
        }
    }
}

void TestPacketStates::shouldFindNoListenerWhereTheSynWasRefused_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("address");
    QTest::newRow("ipv4") << ipv4File << "127.0.0.1";
    QTest::newRow("ipv6") << ipv6File << "::1";
}

void TestPacketStates::shouldFindNoListenerWhereTheSynWasRefused()
{
    QFETCH(QString, file);
    QFETCH(QString, address);
    const QList<Segment> segments = capturedSegments(file, QStringLiteral("refused"));
    QCOMPARE(segments.size(), 2);
    const Endpoint port = endpoint(qPrintable(address), 8004);
    // Even a caller that assumed a listener there learns from the RST,ACK answer that none was.
    QCOMPARE(transitionsOf(segments, port, TcpState::Listen), QStringList());
    QCOMPARE(transitionsOf(segments, port, TcpState::Close), QStringList());
}

void TestPacketStates::shouldLabelTransitionsWithTheRfcArrows()
{
    const QList<Segment> segments = capturedSegments(ipv4File, QStringLiteral("transfer"));
    const auto labels = [&](const Endpoint &end, TcpState start) {
        QStringList out;
        for (const PacketTransition &t : PacketStates::of(segments, end, start))
            out.append(PacketStates::arrowOf(t)->label());
        return out;
    };
    QCOMPARE(labels(endpoint("127.0.0.1", 40001), TcpState::Close),
             (QStringList{"active OPEN / snd SYN", "rcv SYN,ACK / snd ACK", "CLOSE / snd FIN", "rcv ACK of FIN",
                          "rcv FIN / snd ACK"}));
    QCOMPARE(labels(endpoint("127.0.0.1", 8001), TcpState::Listen),
             (QStringList{"rcv SYN / snd SYN,ACK", "rcv ACK of SYN", "rcv FIN / snd ACK", "CLOSE / snd FIN",
                          "rcv ACK of FIN"}));

    // FIN and the ACK of our FIN together: the arrow RFC 9293 adds in a note.
    const auto shortcut = PacketStates::arrowOf({TcpState::FinWait1, TcpState::TimeWait, 0, 0, false, false});
    QVERIFY(shortcut);
    QVERIFY(!shortcut->inFigure);
    // A reset is drawn nowhere, not even where an ACK takes the same states.
    QVERIFY(!PacketStates::arrowOf({TcpState::LastAck, TcpState::Close, 0, 0, false, true}));
    QCOMPARE(PacketStates::arrowOf({TcpState::LastAck, TcpState::Close, 0, 0, false, false})->label(),
             QStringLiteral("rcv ACK of FIN"));
}

void TestPacketStates::shouldMatchAnIpv4MappedEndToIpv4Frames()
{
    // A dual-stack listener's rows show its IPv4 peers as ::ffff:127.0.0.1.
    const QList<Segment> segments = capturedSegments(ipv4File, QStringLiteral("transfer"));
    const QStringList direct = transitionsOf(segments, endpoint("127.0.0.1", 8001), TcpState::Listen);
    QCOMPARE(direct.size(), 5);
    QCOMPARE(transitionsOf(segments, endpoint("::ffff:127.0.0.1", 8001), TcpState::Listen), direct);
    // The same port on another address is another end.
    QCOMPARE(transitionsOf(segments, endpoint("127.0.0.2", 8001), TcpState::Listen), QStringList());
}

void TestPacketStates::shouldIgnoreSegmentsOfOtherConnections()
{
    const QList<Segment> transfer = capturedSegments(ipv4File, QStringLiteral("transfer"));
    const QList<Segment> other = capturedSegments(ipv4File, QStringLiteral("server-close"));
    QVERIFY(transfer.size() >= other.size());
    // The other connection twice: as it was (another listener's port, no end in common), and
    // moved onto the listener's port 8001 (another child of the same listener: one end in
    // common, another peer). The first segment seen fixes the peer.
    QList<Segment> mixed;
    QList<qsizetype> at; // where each transfer segment went
    for (qsizetype i = 0; i < transfer.size(); ++i) {
        at.append(mixed.size());
        mixed.append(transfer[i]);
        if (i < other.size()) {
            Segment sibling = other[i];
            (sibling.source.port == 8002 ? sibling.source : sibling.destination).port = 8001;
            mixed.append(other[i]);
            mixed.append(sibling);
        }
    }
    for (const auto &[end, start] : {std::pair{endpoint("127.0.0.1", 40001), TcpState::Close},
                                     std::pair{endpoint("127.0.0.1", 8001), TcpState::Listen}}) {
        QList<PacketTransition> expected = PacketStates::of(transfer, end, start);
        QCOMPARE(expected.size(), 5);
        for (PacketTransition &t : expected)
            t.segment = at[t.segment];
        QCOMPARE(PacketStates::of(mixed, end, start), expected);
    }
}

void TestPacketStates::shouldProveNothingWithoutTheHandshakeUnlessTheStartIsKnown()
{
    // The capture began after the handshake: from the client's 300 bytes on.
    const QList<Segment> late = capturedSegments(ipv4File, QStringLiteral("transfer")).mid(3);
    const Endpoint client = endpoint("127.0.0.1", 40001);
    const Endpoint server = endpoint("127.0.0.1", 8001);
    // Data, ACKs and FINs from CLOSE or LISTEN prove nothing: the state they found is unknown.
    QCOMPARE(transitionsOf(late, client, TcpState::Close), QStringList());
    QCOMPARE(transitionsOf(late, server, TcpState::Listen), QStringList());
    // A caller that knows (a poll saw ESTABLISHED) gets the rest.
    QCOMPARE(transitionsOf(late, client, TcpState::Established),
             (QStringList{"4 snd ESTABLISHED->FIN_WAIT1", "5 rcv FIN_WAIT1->FIN_WAIT2", "6 rcv FIN_WAIT2->TIME_WAIT"}));
    QCOMPARE(transitionsOf(late, server, TcpState::Established),
             (QStringList{"4 rcv ESTABLISHED->CLOSE_WAIT", "6 snd CLOSE_WAIT->LAST_ACK", "7 rcv LAST_ACK->CLOSE"}));
    // From a state a poll saw later on, with the segments after that poll.
    QCOMPARE(transitionsOf(late.mid(5), client, TcpState::FinWait2), QStringList{"1 rcv FIN_WAIT2->TIME_WAIT"});
}

void TestPacketStates::shouldNotMoveTwiceOnARetransmittedSyn()
{
    // The SYN,ACK (1) was dropped on the client's input: the client sends its SYN again (2),
    // which finds the request socket in SYN_RECV, and the listener its SYN,ACK again (3), which
    // is the one the client takes and acks.
    Wire w;
    w.fromClient(syn, 1000)
        .fromServer(synAck, 5000, 1001)
        .fromClient(syn, 1000)
        .fromServer(synAck, 5000, 1001)
        .fromClient(ack, 1001, 5001);
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "3 rcv SYN_SENT->ESTABLISHED"}));
    QCOMPARE(w.ofServer(), (QStringList{"0 rcv LISTEN->SYN_RECV", "4 rcv SYN_RECV->ESTABLISHED"}));
}

void TestPacketStates::shouldTimeTheListenerByTheSynThatArrived()
{
    // The first SYN was dropped on the listener's input (the capture saw it leave): only the
    // one sent again a second later made the request socket.
    Wire w;
    w.fromClient(syn, 1000).fromClient(syn, 1000).fromServer(synAck, 5000, 1001).fromClient(ack, 1001, 5001);
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "2 rcv SYN_SENT->ESTABLISHED"}));
    QCOMPARE(w.ofServer(), (QStringList{"1 rcv LISTEN->SYN_RECV", "3 rcv SYN_RECV->ESTABLISHED"}));

    // A SYN the listener never answers (its queue full, the client giving up) made nothing.
    Wire unanswered;
    unanswered.fromClient(syn, 1000).fromClient(syn, 1000).fromClient(syn, 1000);
    QCOMPARE(unanswered.ofServer(), QStringList());
    QCOMPARE(unanswered.ofClient(), QStringList{"0 snd CLOSE->SYN_SENT"});
}

void TestPacketStates::shouldCloseOnlyOnAResetThatAcksTheSyn()
{
    // RFC 9293 3.10.7.3: in SYN-SENT a RST without ACK, or acking another number, is dropped.
    Wire w;
    w.fromClient(syn, 1000).fromServer(rst, 0).fromServer(rstAck, 0, 1005).fromServer(rstAck, 0, 1001);
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "3 rcv SYN_SENT->CLOSE RST"}));
    QCOMPARE(w.ofServer(), QStringList());
}

void TestPacketStates::shouldStayInSynSentAfterASynAckWithTheWrongAck()
{
    // Linux answers a SYN,ACK that acks the wrong number with a RST and keeps waiting.
    Wire w;
    w.fromClient(syn, 1000)
        .fromServer(synAck, 7000, 1234)
        .fromClient(rst, 1234)
        .fromServer(synAck, 5000, 1001)
        .fromClient(ack, 1001, 5001);
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "3 rcv SYN_SENT->ESTABLISHED"}));
}

void TestPacketStates::shouldGoStraightToTimeWaitOnAFinThatAcksTheFin()
{
    // The listener's end had read everything and closed: its FIN also acks the client's FIN.
    Wire w = handshake();
    w.fromClient(finAck, 1001, 5001).fromServer(finAck, 5001, 1002).fromClient(ack, 1002, 5002);
    QCOMPARE(w.ofClient().mid(2), (QStringList{"3 snd ESTABLISHED->FIN_WAIT1", "4 rcv FIN_WAIT1->TIME_WAIT"}));
    QCOMPARE(w.ofServer().mid(2), (QStringList{"3 rcv ESTABLISHED->CLOSE_WAIT", "4 snd CLOSE_WAIT->LAST_ACK",
                                               "5 rcv LAST_ACK->CLOSE"}));
    // And with the FIN and its ACK in two segments, through FIN_WAIT2.
    Wire apart = handshake();
    apart.fromClient(finAck, 1001, 5001)
        .fromServer(ack, 5001, 1002)
        .fromServer(finAck, 5001, 1002)
        .fromClient(ack, 1002, 5002);
    QCOMPARE(apart.ofClient().mid(2), (QStringList{"3 snd ESTABLISHED->FIN_WAIT1", "4 rcv FIN_WAIT1->FIN_WAIT2",
                                                   "5 rcv FIN_WAIT2->TIME_WAIT"}));
}

void TestPacketStates::shouldPassThroughClosingWhenTheFinsCross()
{
    // The client's FIN (3) is dropped on the listener's input; the listener, not having it,
    // closes too, and its FIN acks only the client's data. The client gets a FIN that does not
    // ack its own: CLOSING. Its ACK of that FIN reaches past the missing FIN (a gap), which the
    // retransmitted FIN (6) fills.
    Wire w = handshake();
    w.fromClient(finAck, 1001, 5001)
        .fromServer(finAck, 5001, 1001)
        .fromClient(ack, 1002, 5002)
        .fromClient(finAck, 1001, 5002)
        .fromServer(ack, 5002, 1002);
    QCOMPARE(w.ofClient().mid(2), (QStringList{"3 snd ESTABLISHED->FIN_WAIT1", "4 rcv FIN_WAIT1->CLOSING",
                                               "7 rcv CLOSING->TIME_WAIT"}));
    QCOMPARE(w.ofServer().mid(2), (QStringList{"4 snd ESTABLISHED->FIN_WAIT1", "5 rcv FIN_WAIT1->FIN_WAIT2",
                                               "6 rcv FIN_WAIT2->TIME_WAIT"}));
}

void TestPacketStates::shouldCompareSequenceNumbersAcrossTheWrap()
{
    // The client's ISN is 2^32 - 1, so the ACK of its SYN is 0; the listener's data ends at
    // 2^32 - 1, so its FIN is the last number before the wrap and the ACK covering it is 0.
    Wire w;
    w.fromClient(syn, 0xffffffff)
        .fromServer(synAck, 0xffffff00, 0)
        .fromClient(ack, 0, 0xffffff01)
        .fromServer(data, 0xffffff01, 0, 0xfe)
        .fromServer(finAck, 0xffffffff, 0)
        // Crossing the FIN: acks the data, not the FIN (0xffffffff is before 0, not after).
        .fromClient(data, 0, 0xffffffff, 10)
        .fromClient(ack, 10, 0)
        .fromClient(finAck, 10, 0)
        .fromServer(ack, 0, 11);
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED",
                                        "4 rcv ESTABLISHED->CLOSE_WAIT", "7 snd CLOSE_WAIT->LAST_ACK",
                                        "8 rcv LAST_ACK->CLOSE"}));
    QCOMPARE(w.ofServer(), (QStringList{"0 rcv LISTEN->SYN_RECV", "2 rcv SYN_RECV->ESTABLISHED",
                                        "4 snd ESTABLISHED->FIN_WAIT1", "6 rcv FIN_WAIT1->FIN_WAIT2",
                                        "7 rcv FIN_WAIT2->TIME_WAIT"}));
}

void TestPacketStates::shouldCloseLastAckOnlyOnTheAckThatArrived()
{
    // The client's last ACK (5) is dropped: the listener's end sends its FIN again, and the
    // client, in TIME_WAIT, acks it again (7).
    Wire w = handshake();
    w.fromClient(finAck, 1001, 5001)
        .fromServer(finAck, 5001, 1002)
        .fromClient(ack, 1002, 5002)
        .fromServer(finAck, 5001, 1002)
        .fromClient(ack, 1002, 5002);
    QCOMPARE(w.ofServer().mid(2), (QStringList{"3 rcv ESTABLISHED->CLOSE_WAIT", "4 snd CLOSE_WAIT->LAST_ACK",
                                               "7 rcv LAST_ACK->CLOSE"}));
    QCOMPARE(w.ofClient().mid(2), (QStringList{"3 snd ESTABLISHED->FIN_WAIT1", "4 rcv FIN_WAIT1->TIME_WAIT"}));
}

void TestPacketStates::shouldNotMoveTheReceiverOfAStoppedSegment()
{
    // The SYN,ACK (1) is dropped by a wire rule and nothing has been sent after it yet: only the
    // rule's word says it did not arrive. Its sender moved; its receiver did not.
    Wire w;
    w.fromClient(syn, 1000).fromServer(synAck, 5000, 1001);
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED"}));
    const QList<bool> stopped{false, true};
    QCOMPARE(textOf(PacketStates::of(w.segments, w.client, TcpState::Close, stopped)),
             QStringList{"0 snd CLOSE->SYN_SENT"});
    QCOMPARE(textOf(PacketStates::of(w.segments, w.server, TcpState::Listen, stopped)),
             QStringList{"0 rcv LISTEN->SYN_RECV"});
    // Sent again after its timer, the copy that arrives moves the client (a shorter list of
    // stopped marks leaves the rest as arrived).
    w.fromServer(synAck, 5000, 1001).fromClient(ack, 1001, 5001);
    QCOMPARE(textOf(PacketStates::of(w.segments, w.client, TcpState::Close, stopped)),
             (QStringList{"0 snd CLOSE->SYN_SENT", "2 rcv SYN_SENT->ESTABLISHED"}));
    QCOMPARE(textOf(PacketStates::of(w.segments, w.server, TcpState::Listen, stopped)),
             (QStringList{"0 rcv LISTEN->SYN_RECV", "3 rcv SYN_RECV->ESTABLISHED"}));
    // A stopped ACK leaves the listener's end in SYN_RECV.
    QCOMPARE(textOf(PacketStates::of(w.segments, w.server, TcpState::Listen, {false, true, false, true})),
             QStringList{"0 rcv LISTEN->SYN_RECV"});
}

void TestPacketStates::shouldTakeAFinAfterAGapWhenTheGapIsFilled()
{
    // The listener's 100 bytes (3) are dropped, its FIN (4) arrives after the gap and waits;
    // the client's duplicate ACK (5) asks again, and the bytes sent again (6) complete both.
    Wire w = handshake();
    w.fromServer(data, 5001, 1001, 100)
        .fromServer(finAck, 5101, 1001)
        .fromClient(ack, 1001, 5001)
        .fromServer(data, 5001, 1001, 100)
        .fromClient(ack, 1001, 5102);
    QCOMPARE(w.ofClient().mid(2), QStringList{"6 rcv ESTABLISHED->CLOSE_WAIT"});
    QCOMPARE(w.ofServer().mid(2), (QStringList{"4 snd ESTABLISHED->FIN_WAIT1", "7 rcv FIN_WAIT1->FIN_WAIT2"}));

    // Without the handshake, the first segment seen, lost or not, says where the data starts.
    const QList<Segment> late = w.segments.mid(3);
    QCOMPARE(transitionsOf(late, w.client, TcpState::Established), QStringList{"3 rcv ESTABLISHED->CLOSE_WAIT"});

    // Where the capture missed the bytes both times, the client's ACK past the FIN is the first
    // sign that the FIN took effect.
    QList<Segment> missed = w.segments;
    missed.removeAt(6);
    missed.removeAt(3);
    QCOMPARE(transitionsOf(missed, w.client, TcpState::Close).mid(2), QStringList{"5 snd ESTABLISHED->CLOSE_WAIT"});
}

void TestPacketStates::shouldWaitForTheAckADeferringListenerTakes()
{
    // TCP_DEFER_ACCEPT: the listener drops the bare ACK (2) and, at the end of the deferral,
    // sends its SYN,ACK again (3); the ACK answering that one (4) makes the connection.
    Wire w;
    w.fromClient(syn, 1000)
        .fromServer(synAck, 5000, 1001)
        .fromClient(ack, 1001, 5001)
        .fromServer(synAck, 5000, 1001)
        .fromClient(ack, 1001, 5001);
    QCOMPARE(w.ofServer(), (QStringList{"0 rcv LISTEN->SYN_RECV", "4 rcv SYN_RECV->ESTABLISHED"}));
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED"}));

    // Client data ends the deferral at once.
    Wire early;
    early.fromClient(syn, 1000)
        .fromServer(synAck, 5000, 1001)
        .fromClient(ack, 1001, 5001)
        .fromServer(synAck, 5000, 1001)
        .fromClient(data, 1001, 5001, 20);
    QCOMPARE(early.ofServer(), (QStringList{"0 rcv LISTEN->SYN_RECV", "4 rcv SYN_RECV->ESTABLISHED"}));
}

void TestPacketStates::shouldDropTheRequestSocketOnAReset()
{
    // The SYN,ACK never reached the client, which gave up on connect() and closed: its port
    // answers the SYN,ACK sent again with a RST. The request socket goes (Linux: no LISTEN
    // again for it, the listener never left LISTEN); the client's SYN_SENT ended unseen.
    Wire w;
    w.fromClient(syn, 1000).fromServer(synAck, 5000, 1001).fromServer(synAck, 5000, 1001).fromClient(rst, 1001);
    QCOMPARE(w.ofServer(), (QStringList{"0 rcv LISTEN->SYN_RECV", "3 rcv SYN_RECV->CLOSE RST"}));
    QCOMPARE(w.ofClient(), QStringList{"0 snd CLOSE->SYN_SENT"});
}

void TestPacketStates::shouldIgnoreAResetTheEndAnswers()
{
    // A RST out of the window gets a challenge ACK (RFC 5961) and changes nothing; the one at
    // the expected number ends the connection.
    Wire w = handshake();
    w.fromServer(rst, 9999).fromClient(ack, 1001, 5001).fromServer(rst, 5001);
    QCOMPARE(w.ofClient().mid(2), QStringList{"5 rcv ESTABLISHED->CLOSE RST"});
    QCOMPARE(w.ofServer().mid(2), QStringList{"3 snd ESTABLISHED->CLOSE RST"});
}

void TestPacketStates::shouldEndTimeWaitOnAReset()
{
    // From a state a poll saw: the client in FIN_WAIT2. TIME_WAIT ends by its timer, which no
    // segment shows, or by a RST (net.ipv4.tcp_rfc1337=0).
    Wire w;
    w.fromServer(finAck, 5001, 1002).fromClient(ack, 1002, 5002).fromServer(rst, 5002);
    QCOMPARE(w.ofClient(TcpState::FinWait2),
             (QStringList{"0 rcv FIN_WAIT2->TIME_WAIT", "2 rcv TIME_WAIT->CLOSE RST"}));
    Wire quiet;
    quiet.fromServer(finAck, 5001, 1002).fromClient(ack, 1002, 5002);
    QCOMPARE(quiet.ofClient(TcpState::FinWait2), QStringList{"0 rcv FIN_WAIT2->TIME_WAIT"});
}

void TestPacketStates::shouldStopWhereItCannotTellClosingFromTimeWait()
{
    // In FIN_WAIT1 by a poll, with the client's FIN before the capture: whether the listener's
    // FIN acks it is unknown, and so is everything after.
    Wire w;
    w.fromServer(finAck, 5001, 1002).fromClient(ack, 1002, 5002);
    QCOMPARE(w.ofClient(TcpState::FinWait1), QStringList());
    // Its FIN sent again names it.
    Wire again;
    again.fromClient(finAck, 1001, 5001).fromServer(finAck, 5001, 1002).fromClient(ack, 1002, 5002);
    QCOMPARE(again.ofClient(TcpState::FinWait1), QStringList{"1 rcv FIN_WAIT1->TIME_WAIT"});
}

void TestPacketStates::shouldOpenAndCloseASelfConnectedSocketWithItself()
{
    // bind 127.0.0.1:P, connect to 127.0.0.1:P: each segment leaves and comes back to the same
    // socket. Its SYN meets it in SYN_SENT (a simultaneous open), its SYN,ACK acks its SYN, its
    // FIN does not ack itself (CLOSING) and the ACK of it does.
    Wire w;
    const Endpoint self = w.client;
    w.add(self, self, syn, 1000)
        .add(self, self, synAck, 1000, 1001)
        .add(self, self, ack, 1001, 1001)
        .add(self, self, data, 1001, 1001, 5)
        .add(self, self, ack, 1006, 1006)
        .add(self, self, finAck, 1006, 1006)
        .add(self, self, ack, 1007, 1007);
    const QList<PacketTransition> transitions = PacketStates::of(w.segments, self, TcpState::Close);
    QCOMPARE(textOf(transitions), (QStringList{"0 snd CLOSE->SYN_SENT", "0 rcv SYN_SENT->SYN_RECV",
                                               "1 rcv SYN_RECV->ESTABLISHED", "5 snd ESTABLISHED->FIN_WAIT1",
                                               "5 rcv FIN_WAIT1->CLOSING", "6 rcv CLOSING->TIME_WAIT"}));
    QCOMPARE(PacketStates::arrowOf(transitions[1])->label(), QStringLiteral("rcv SYN / snd SYN,ACK"));
}

void TestPacketStates::shouldEndAtCloseWhenTheFourTupleIsOpenedAgain()
{
    // Refused, then connect() again from the same port: a new socket, another list.
    Wire w;
    w.fromClient(syn, 1000)
        .fromServer(rstAck, 0, 1001)
        .fromClient(syn, 9000)
        .fromServer(synAck, 5000, 9001)
        .fromClient(ack, 9001, 5001);
    QCOMPARE(w.ofClient(), (QStringList{"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->CLOSE RST"}));
    QCOMPARE(transitionsOf(w.segments.mid(2), w.client, TcpState::Close),
             (QStringList{"0 snd CLOSE->SYN_SENT", "1 rcv SYN_SENT->ESTABLISHED"}));
}

QTEST_GUILESS_MAIN(TestPacketStates)
#include "tst_packetstates.moc"
