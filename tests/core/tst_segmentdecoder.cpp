// SPDX-License-Identifier: GPL-3.0-or-later
// Runs on real frames captured on the loopback of a private network namespace by
// `tests/data/capture/capture-frames.py` (its header says how, and what each scenario does):
// handshakes, data both ways, a FIN from each side, RST by SO_LINGER {1, 0}, a refused connect,
// ECN, IPv4 options, IPv6 extension headers, and a SACK after a segment dropped on input.
// Damaged frames are made by cutting or patching copies of those real frames.
#include "core/capture/segmentdecoder.h"
#include "core/capture/segmenttext.h"
#include "core/capture/sequencenumbering.h"

#include "../common/fixtures.h"

#include <QTest>

#include <cstring>
#include <memory>

using namespace sockscope;
using namespace sockscope::test;

using Problem = SegmentDecoder::Problem;

namespace {

const QString ipv4File = QStringLiteral("capture/lo-ipv4.txt");
const QString ipv6File = QStringLiteral("capture/lo-ipv6.txt");

constexpr quint8 packetHost = 0;     // PACKET_HOST
constexpr quint8 packetOutgoing = 4; // PACKET_OUTGOING
constexpr quint16 clientBase = 40000; // scenario i: client port 40000 + i, listener 8000 + i
constexpr quint16 listenerBase = 8000;

struct Frame
{
    QString scenario;
    quint8 packetType = 0;
    qint64 timestampNs = 0;
    QByteArray bytes;
};

struct Scenario
{
    QString name;
    int frames = 0; // as the capture counted them
};

// The frames of a capture file in order, and the scenarios with the frame counts their
// comment lines give.
QList<Frame> framesOf(const QString &file, QList<Scenario> *scenarios = nullptr)
{
    QList<Frame> frames;
    QString scenario;
    const QList<QByteArray> lines = readFixture(file).split('\n');
    for (const QByteArray &line : lines) {
        if (line.startsWith("# scenario ")) {
            scenario = QString::fromLatin1(line.mid(11, line.indexOf(':') - 11));
            if (scenarios) {
                const qsizetype open = line.lastIndexOf('(');
                scenarios->append({scenario, line.mid(open + 1, line.indexOf(' ', open) - open - 1).toInt()});
            }
            continue;
        }
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() != 3) {
            QTest::qFail("a frame line without three fields", __FILE__, __LINE__);
            return frames;
        }
        frames.append({scenario, quint8(fields[0].toUInt()), fields[1].toLongLong(), QByteArray::fromHex(fields[2])});
    }
    return frames;
}

// Decodes from a heap block of exactly the frame's size, so that a sanitizer build reports any
// read past the end (a QByteArray has a terminating NUL and maybe spare room behind its data).
SegmentDecoder::Result decodeExactly(const QByteArray &bytes, quint8 packetType = packetOutgoing, qint64 ns = 0)
{
    const std::unique_ptr<char[]> copy(new char[size_t(qMax<qsizetype>(bytes.size(), 1))]);
    if (!bytes.isEmpty())
        std::memcpy(copy.get(), bytes.constData(), size_t(bytes.size()));
    return SegmentDecoder::decode(QByteArrayView(copy.get(), bytes.size()), packetType, ns);
}

Segment decoded(const Frame &frame)
{
    const auto result = decodeExactly(frame.bytes, frame.packetType, frame.timestampNs);
    if (!result.ok()) {
        QTest::qFail(qPrintable(result.reason), __FILE__, __LINE__);
        return Segment();
    }
    return *result.segment;
}

// One copy of each segment of a scenario: the one the kernel handed over as it left.
QList<Segment> outgoingOf(const QString &file, const QString &scenario)
{
    QList<Segment> segments;
    for (const Frame &f : framesOf(file)) {
        if (f.scenario == scenario && f.packetType == packetOutgoing)
            segments.append(decoded(f));
    }
    return segments;
}

// A segment with the bases it is shown with.
struct Numbered
{
    Segment segment;
    SequenceBases bases;

    quint32 seq() const { return bases.relativeSeq(segment); }
    quint32 ack() const { return bases.relativeAck(segment); }
    bool fromClient() const { return segment.source.port >= clientBase; }
};

QList<Numbered> numbered(const QList<Segment> &segments)
{
    SequenceNumbering numbering;
    QList<Numbered> out;
    for (const Segment &s : segments)
        out.append({s, numbering.take(s)});
    return out;
}

QList<Numbered> conversation(const QString &file, const QString &scenario)
{
    return numbered(outgoingOf(file, scenario));
}

// The bytes of the n-th outgoing frame of a scenario.
QByteArray realFrame(const QString &file, const QString &scenario, int n)
{
    int seen = 0;
    for (const Frame &f : framesOf(file)) {
        if (f.scenario == scenario && f.packetType == packetOutgoing && seen++ == n)
            return f.bytes;
    }
    QTest::qFail("no such frame", __FILE__, __LINE__);
    return QByteArray();
}

QByteArray patched(QByteArray bytes, qsizetype at, std::initializer_list<quint8> values)
{
    for (const quint8 v : values)
        bytes[at++] = char(v);
    return bytes;
}

QByteArray withBe16(const QByteArray &bytes, qsizetype at, quint16 value)
{
    return patched(bytes, at, {quint8(value >> 8), quint8(value)});
}

QList<quint8> kindsOf(const TcpOptions &options)
{
    QList<quint8> kinds;
    for (int i = 0; i < options.count; ++i)
        kinds.append(options.entries[size_t(i)].kind);
    return kinds;
}

QString lineOf(const Numbered &n, SegmentText::Form form = SegmentText::Form::Short)
{
    return QStringLiteral("%1>%2 ").arg(n.segment.source.port).arg(n.segment.destination.port)
        + SegmentText::line(n.segment, n.bases, form);
}

QStringList linesOf(const QList<Numbered> &segments)
{
    QStringList lines;
    for (const Numbered &n : segments)
        lines.append(lineOf(n));
    return lines;
}

// Offsets in the real frames: Ethernet 14, IPv4 20 (32 with Record Route), IPv6 40 (80 with
// hop-by-hop 8, routing 24 and destination options 8); a SYN's TCP header is 40 bytes, the
// others' 32 (timestamps).
constexpr qsizetype ipAt = 14;
constexpr qsizetype tcp4At = 34;
constexpr qsizetype tcp6At = 54;

} // namespace

class TestSegmentDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldDecodeEveryCapturedFrame_data();
    void shouldDecodeEveryCapturedFrame();
    void shouldSeeEverySegmentTwiceOnLoopbackAndKeepTheOutgoingCopy_data();
    void shouldSeeEverySegmentTwiceOnLoopbackAndKeepTheOutgoingCopy();
    void shouldReadTheHandshake_data();
    void shouldReadTheHandshake();
    void shouldAckEveryByteAndEachFin_data();
    void shouldAckEveryByteAndEachFin();
    void shouldReadTheListenersFinFirst_data();
    void shouldReadTheListenersFinFirst();
    void shouldReadTheResets_data();
    void shouldReadTheResets();
    void shouldReadEcnInTheHandshake();
    void shouldSkipIPv4Options();
    void shouldWalkIPv6ExtensionHeaders();
    void shouldReadSackBlocksAndTheRetransmission_data();
    void shouldReadSackBlocksAndTheRetransmission();
    void shouldListConversationsAsWiresharkNumbersThem_data();
    void shouldListConversationsAsWiresharkNumbersThem();
    void shouldFormatTheLongFormAsTcpdump();
    void shouldNumberFromTheFirstSegmentSeenWithoutTheHandshake();
    void shouldGiveBothCopiesTheSameNumbers();
    void shouldStartOverWhenTheFourTupleIsOpenedAgain();
    void shouldNumberASelfConnectedSocketInOneSpace();
    void shouldRejectDamagedFrames_data();
    void shouldRejectDamagedFrames();
    void shouldRejectEveryCutThroughTheHeaders_data();
    void shouldRejectEveryCutThroughTheHeaders();
    void shouldAcceptOddButValidFrames();
    void shouldReadABareIpPacketAsItsFrame_data();
    void shouldReadABareIpPacketAsItsFrame();
    void shouldSayWhyABareIpPacketCannotBeRead();
};

void TestSegmentDecoder::shouldDecodeEveryCapturedFrame_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<AddressFamily>("family");
    QTest::addColumn<int>("frameCount");
    QTest::addColumn<QStringList>("scenarioNames");
    QTest::newRow("ipv4") << ipv4File << AddressFamily::IPv4 << 108
                          << QStringList{"transfer", "server-close", "linger-reset", "refused", "ecn", "ip-options", "sack"};
    QTest::newRow("ipv6") << ipv6File << AddressFamily::IPv6 << 94
                          << QStringList{"transfer", "server-close", "linger-reset", "refused", "ext-headers", "sack"};
}

void TestSegmentDecoder::shouldDecodeEveryCapturedFrame()
{
    QFETCH(QString, file);
    QFETCH(AddressFamily, family);
    QFETCH(int, frameCount);
    QFETCH(QStringList, scenarioNames);
    QList<Scenario> scenarios;
    const QList<Frame> frames = framesOf(file, &scenarios);
    QCOMPARE(frames.size(), frameCount);
    QStringList names;
    int counted = 0;
    for (const Scenario &s : scenarios) {
        names.append(s.name);
        counted += s.frames;
    }
    QCOMPARE(names, scenarioNames);
    QCOMPARE(counted, frameCount);

    qint64 lastNs = 0;
    for (const Frame &f : frames) {
        const auto result = decodeExactly(f.bytes, f.packetType, f.timestampNs);
        QVERIFY2(result.ok(), qPrintable(result.reason));
        QCOMPARE(result.problem, Problem::None);
        QVERIFY(result.reason.isEmpty());
        const Segment &s = *result.segment;
        QCOMPARE(s.family, family);
        QVERIFY(s.source.address.isLoopback());
        QVERIFY(s.destination.address.isLoopback());
        QVERIFY(s.direction() == LinkDirection::Outgoing || s.direction() == LinkDirection::Incoming);
        QCOMPARE(s.packetType, f.packetType);
        QCOMPARE(s.timestampNs, f.timestampNs);
        QVERIFY(s.timestampNs >= lastNs); // SO_TIMESTAMPNS, in the order received
        lastNs = s.timestampNs;
        // One end is the scenario's listener port, the other its client's.
        const int scenario = int(scenarioNames.indexOf(f.scenario));
        QVERIFY(scenario >= 0);
        const quint16 offset = s.source.port >= clientBase ? s.source.port - clientBase : s.destination.port - clientBase;
        QVERIFY(offset >= 1 && offset <= 8);
        QCOMPARE(quint16(s.source.port + s.destination.port), quint16(clientBase + listenerBase + 2 * offset));
        QCOMPARE(s.capturedPayloadLength, s.payloadLength); // nothing cut on lo
        QCOMPARE(qsizetype(14 + s.ipHeaderLength + s.tcpHeaderLength + s.payloadLength), f.bytes.size());
    }
}

void TestSegmentDecoder::shouldSeeEverySegmentTwiceOnLoopbackAndKeepTheOutgoingCopy_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("ipv4") << ipv4File;
    QTest::newRow("ipv6") << ipv6File;
}

void TestSegmentDecoder::shouldSeeEverySegmentTwiceOnLoopbackAndKeepTheOutgoingCopy()
{
    QFETCH(QString, file);
    const QList<Frame> frames = framesOf(file);
    // Each incoming frame is the same bytes as an outgoing one received before it.
    QList<QByteArray> waiting;
    int outgoing = 0;
    int incoming = 0;
    for (const Frame &f : frames) {
        if (f.packetType == packetOutgoing) {
            ++outgoing;
            waiting.append(f.bytes);
        } else {
            QCOMPARE(f.packetType, packetHost);
            ++incoming;
            QVERIFY2(waiting.removeOne(f.bytes), "an incoming copy without its outgoing one before it");
        }
    }
    QVERIFY(waiting.isEmpty());
    QCOMPARE(incoming, outgoing);

    // A caller that keeps only the outgoing copies keeps one of each segment, the same segment
    // as the incoming copy apart from direction and time.
    QList<Segment> kept;
    QList<Segment> arrived;
    for (const Frame &f : frames) {
        const Segment s = decoded(f);
        (s.isOutgoing() ? kept : arrived).append(s);
    }
    QCOMPARE(kept.size(), frames.size() / 2);
    QCOMPARE(arrived.size(), kept.size());
    for (qsizetype i = 0; i < kept.size(); ++i) {
        QCOMPARE(kept[i].direction(), LinkDirection::Outgoing);
        QCOMPARE(arrived[i].direction(), LinkDirection::Incoming);
        Segment same = arrived[i];
        same.packetType = kept[i].packetType;
        same.timestampNs = kept[i].timestampNs;
        QVERIFY(same == kept[i]);
        QVERIFY(arrived[i] != kept[i]);
        QVERIFY(arrived[i].timestampNs >= kept[i].timestampNs);
    }
}

void TestSegmentDecoder::shouldReadTheHandshake_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("address");
    QTest::addColumn<quint16>("mss");
    QTest::addColumn<quint16>("synWindow");
    QTest::addColumn<quint16>("synAckWindow");
    // The MSS is lo's MTU 65536 less the IP and TCP headers; the windows as the kernel sent them.
    QTest::newRow("ipv4") << ipv4File << "127.0.0.1" << quint16(65495) << quint16(65495) << quint16(65483);
    QTest::newRow("ipv6") << ipv6File << "::1" << quint16(65476) << quint16(65476) << quint16(65464);
}

void TestSegmentDecoder::shouldReadTheHandshake()
{
    QFETCH(QString, file);
    QFETCH(QString, address);
    QFETCH(quint16, mss);
    QFETCH(quint16, synWindow);
    QFETCH(quint16, synAckWindow);
    const QList<Numbered> c = conversation(file, QStringLiteral("transfer"));
    QVERIFY(c.size() >= 3);
    const Segment &syn = c[0].segment;
    const Segment &synAck = c[1].segment;
    const Segment &ack = c[2].segment;

    QCOMPARE(syn.flags, SegmentFlags(SegmentFlag::Syn));
    QCOMPARE(synAck.flags, SegmentFlag::Syn | SegmentFlag::Ack);
    QCOMPARE(ack.flags, SegmentFlags(SegmentFlag::Ack));
    QCOMPARE(syn.flagsText(), QStringLiteral("SYN"));
    QCOMPARE(synAck.flagsText(), QStringLiteral("SYN,ACK"));
    QCOMPARE(ack.flagsText(), QStringLiteral("ACK"));
    QCOMPARE(syn.stateFlags(), TcpFlags(TcpFlag::Syn));
    QCOMPARE(synAck.stateFlags(), TcpFlag::Syn | TcpFlag::Ack);

    // Who talks to whom: the client's fixed port to the listener's, and back.
    QCOMPARE(syn.source.address, *IpAddress::fromString(address));
    QCOMPARE(syn.source.port, quint16(40001));
    QCOMPARE(syn.destination.address, syn.source.address);
    QCOMPARE(syn.destination.port, quint16(8001));
    QCOMPARE(synAck.source, syn.destination);
    QCOMPARE(synAck.destination, syn.source);
    QCOMPARE(ack.source, syn.source);
    QCOMPARE(syn.senderKey(), synAck.receiverKey());
    QCOMPARE(syn.senderKey().local, syn.source);
    QCOMPARE(syn.receiverKey().local, syn.destination);

    // Absolute: each side acks the other's initial sequence number plus one.
    QCOMPARE(synAck.ack, syn.seq + 1);
    QCOMPARE(ack.seq, syn.seq + 1);
    QCOMPARE(ack.ack, synAck.seq + 1);
    QCOMPARE(syn.sequenceLength(), 1u);
    QCOMPARE(ack.sequenceLength(), 0u);
    // Relative, as Wireshark shows them: 0; 0, 1; 1, 1.
    QCOMPARE(c[0].seq(), 0u);
    QCOMPARE(c[1].seq(), 0u);
    QCOMPARE(c[1].ack(), 1u);
    QCOMPARE(c[2].seq(), 1u);
    QCOMPARE(c[2].ack(), 1u);
    QCOMPARE(c[0].bases, (SequenceBases{syn.seq, 0}));
    QCOMPARE(c[1].bases, (SequenceBases{synAck.seq, syn.seq}));

    // The options Linux puts on a SYN and a SYN,ACK, in its order: MSS, SACK permitted,
    // timestamps, NOP, window scale.
    const QList<quint8> synKinds{TcpOptions::MaxSegmentSize, TcpOptions::SackPermitted, TcpOptions::Timestamps,
                                 TcpOptions::NoOperation, TcpOptions::WindowScale};
    for (const Segment *s : {&syn, &synAck}) {
        QCOMPARE(s->tcpHeaderLength, quint8(40));
        QCOMPARE(s->payloadLength, 0u);
        QCOMPARE(kindsOf(s->options), synKinds);
        QCOMPARE(s->options.mss, std::optional<quint16>(mss));
        QCOMPARE(s->options.windowScale, std::optional<quint8>(10));
        QVERIFY(s->options.sackPermitted);
        QVERIFY(s->options.timestamps.has_value());
        QCOMPARE(s->options.sackBlockCount, quint8(0));
        QCOMPARE(s->options.unknownCount, quint8(0));
    }
    QCOMPARE(syn.window, synWindow);
    QCOMPARE(synAck.window, synAckWindow);
    QVERIFY(syn.options.timestamps->value != 0);
    QCOMPARE(syn.options.timestamps->echoReply, 0u);
    QCOMPARE(synAck.options.timestamps->echoReply, syn.options.timestamps->value);

    // After the handshake: NOP, NOP, timestamps; the window is scaled from here on (64 << 10).
    QCOMPARE(ack.tcpHeaderLength, quint8(32));
    QCOMPARE(kindsOf(ack.options),
             (QList<quint8>{TcpOptions::NoOperation, TcpOptions::NoOperation, TcpOptions::Timestamps}));
    QVERIFY(!ack.options.mss && !ack.options.windowScale && !ack.options.sackPermitted);
    QCOMPARE(ack.options.timestamps->echoReply, synAck.options.timestamps->value);
    QCOMPARE(ack.window, quint16(64));
}

void TestSegmentDecoder::shouldAckEveryByteAndEachFin_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("ipv4") << ipv4File;
    QTest::newRow("ipv6") << ipv6File;
}

void TestSegmentDecoder::shouldAckEveryByteAndEachFin()
{
    QFETCH(QString, file);
    const QList<Numbered> c = conversation(file, QStringLiteral("transfer"));
    QCOMPARE(c.size(), 11);
    // The client's 300 bytes, the listener's ack of them, its 200 bytes, the client's ack.
    const Numbered &request = c[3];
    QVERIFY(request.fromClient());
    QCOMPARE(request.segment.flags, SegmentFlag::Psh | SegmentFlag::Ack);
    QCOMPARE(request.segment.payloadLength, 300u);
    QCOMPARE(request.seq(), 1u);
    const Numbered &requestAcked = c[4];
    QVERIFY(!requestAcked.fromClient());
    QCOMPARE(requestAcked.segment.flags, SegmentFlags(SegmentFlag::Ack));
    QCOMPARE(requestAcked.ack(), 301u); // bytes received + 1
    QCOMPARE(requestAcked.segment.ack, request.segment.seq + request.segment.sequenceLength());
    const Numbered &reply = c[5];
    QVERIFY(!reply.fromClient());
    QCOMPARE(reply.segment.flags, SegmentFlag::Psh | SegmentFlag::Ack);
    QCOMPARE(reply.segment.payloadLength, 200u);
    QCOMPARE(reply.seq(), 1u);
    QCOMPARE(reply.ack(), 301u);
    const Numbered &replyAcked = c[6];
    QVERIFY(replyAcked.fromClient());
    QCOMPARE(replyAcked.seq(), 301u);
    QCOMPARE(replyAcked.ack(), 201u);

    // The client's FIN after its 300 bytes, then the listener's after its 200; each FIN takes
    // one sequence number, so the acks answering them read 302 and 202.
    const Numbered &clientFin = c[7];
    QVERIFY(clientFin.fromClient());
    QCOMPARE(clientFin.segment.flagsText(), QStringLiteral("FIN,ACK"));
    QCOMPARE(clientFin.seq(), 301u);
    QCOMPARE(clientFin.ack(), 201u);
    QCOMPARE(clientFin.segment.sequenceLength(), 1u);
    QCOMPARE(c[8].segment.flagsText(), QStringLiteral("ACK"));
    QCOMPARE(c[8].ack(), 302u);
    const Numbered &listenerFin = c[9];
    QVERIFY(!listenerFin.fromClient());
    QCOMPARE(listenerFin.segment.flagsText(), QStringLiteral("FIN,ACK"));
    QCOMPARE(listenerFin.seq(), 201u);
    QCOMPARE(listenerFin.ack(), 302u);
    QCOMPARE(c[10].segment.flagsText(), QStringLiteral("ACK"));
    QCOMPARE(c[10].seq(), 302u);
    QCOMPARE(c[10].ack(), 202u);

    // Every ack in the conversation is what the other side had sent by then, plus one.
    quint32 sent[2] = {0, 0}; // relative next sequence number of client, listener
    for (const Numbered &n : c) {
        const int me = n.fromClient() ? 0 : 1;
        QCOMPARE(n.seq(), sent[me]);
        if (n.segment.has(SegmentFlag::Ack))
            QCOMPARE(n.ack(), sent[1 - me]);
        sent[me] = n.seq() + n.segment.sequenceLength();
    }
    QCOMPARE(sent[0], 302u);
    QCOMPARE(sent[1], 202u);
}

void TestSegmentDecoder::shouldReadTheListenersFinFirst_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("ipv4") << ipv4File;
    QTest::newRow("ipv6") << ipv6File;
}

void TestSegmentDecoder::shouldReadTheListenersFinFirst()
{
    QFETCH(QString, file);
    const QList<Numbered> c = conversation(file, QStringLiteral("server-close"));
    QCOMPARE(linesOf(c.mid(3)), (QStringList{
                                    "8002>40002 FIN,ACK seq=1 ack=1 win=64 <TS>",
                                    "40002>8002 ACK seq=1 ack=2 win=64 <TS>",
                                    "40002>8002 FIN,ACK seq=1 ack=2 win=64 <TS>",
                                    "8002>40002 ACK seq=2 ack=2 win=64 <TS>",
                                }));
}

void TestSegmentDecoder::shouldReadTheResets_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("ipv4") << ipv4File;
    QTest::newRow("ipv6") << ipv6File;
}

void TestSegmentDecoder::shouldReadTheResets()
{
    QFETCH(QString, file);
    // close() with SO_LINGER {1, 0} after the handshake: RST,ACK where a FIN would be.
    const QList<Numbered> linger = conversation(file, QStringLiteral("linger-reset"));
    QCOMPARE(linger.size(), 4);
    const Numbered &reset = linger[3];
    QVERIFY(reset.fromClient());
    QCOMPARE(reset.segment.flags, SegmentFlag::Rst | SegmentFlag::Ack);
    QCOMPARE(reset.segment.flagsText(), QStringLiteral("RST,ACK"));
    QCOMPARE(reset.segment.stateFlags(), TcpFlag::Rst | TcpFlag::Ack);
    QCOMPARE(reset.seq(), 1u);
    QCOMPARE(reset.ack(), 1u);
    QCOMPARE(reset.segment.sequenceLength(), 0u);

    // A connect to a port nobody listens on: the SYN, and the kernel's RST,ACK for it, which
    // has sequence number 0, window 0 and no options, and acks the SYN.
    const QList<Numbered> refused = conversation(file, QStringLiteral("refused"));
    QCOMPARE(refused.size(), 2);
    const Segment &syn = refused[0].segment;
    const Segment &rst = refused[1].segment;
    QCOMPARE(syn.flagsText(), QStringLiteral("SYN"));
    QCOMPARE(syn.destination.port, quint16(8004));
    QCOMPARE(rst.flagsText(), QStringLiteral("RST,ACK"));
    QCOMPARE(rst.source, syn.destination);
    QCOMPARE(rst.seq, 0u);
    QCOMPARE(rst.ack, syn.seq + 1);
    QCOMPARE(rst.window, quint16(0));
    QVERIFY(rst.options.isEmpty());
    QCOMPARE(rst.tcpHeaderLength, quint8(20));
    // The listener's side never had a SYN: its first segment counts from 1, as in Wireshark.
    QCOMPARE(refused[1].seq(), 1u);
    QCOMPARE(refused[1].ack(), 1u);
}

void TestSegmentDecoder::shouldReadEcnInTheHandshake()
{
    // net.ipv4.tcp_ecn=1: the client asks with ECE and CWR on its SYN, the listener agrees
    // with ECE on its SYN,ACK; neither flag appears after.
    const QList<Numbered> c = conversation(ipv4File, QStringLiteral("ecn"));
    QCOMPARE(c.size(), 7);
    QCOMPARE(c[0].segment.flags, SegmentFlag::Syn | SegmentFlag::Ece | SegmentFlag::Cwr);
    QCOMPARE(c[0].segment.flagsText(), QStringLiteral("SYN,ECE,CWR"));
    QCOMPARE(c[0].segment.stateFlags(), TcpFlags(TcpFlag::Syn));
    QCOMPARE(c[1].segment.flagsText(), QStringLiteral("SYN,ACK,ECE"));
    for (const Numbered &n : c.mid(2)) {
        QVERIFY(!n.segment.has(SegmentFlag::Ece));
        QVERIFY(!n.segment.has(SegmentFlag::Cwr));
    }
    QCOMPARE(lineOf(c[0]), QStringLiteral("40005>8005 SYN,ECE,CWR seq=0 win=65495 <mss 65495,sackOK,TS,wscale 10>"));
}

void TestSegmentDecoder::shouldSkipIPv4Options()
{
    // The client set IP_OPTIONS Record Route (12 bytes); the listener echoes it back, so both
    // directions carry a 32-byte IPv4 header and the TCP header starts behind it.
    const QList<Numbered> c = conversation(ipv4File, QStringLiteral("ip-options"));
    QCOMPARE(c.size(), 9);
    for (const Numbered &n : c)
        QCOMPARE(n.segment.ipHeaderLength, quint16(32));
    QCOMPARE(linesOf(c), (QStringList{
                             "40006>8006 SYN seq=0 win=65495 <mss 65495,sackOK,TS,wscale 10>",
                             "8006>40006 SYN,ACK seq=0 ack=1 win=65483 <mss 65495,sackOK,TS,wscale 10>",
                             "40006>8006 ACK seq=1 ack=1 win=64 <TS>",
                             "40006>8006 PSH,ACK seq=1 ack=1 win=64 len=50 <TS>",
                             "8006>40006 ACK seq=1 ack=51 win=64 <TS>",
                             "40006>8006 FIN,ACK seq=51 ack=1 win=64 <TS>",
                             "8006>40006 ACK seq=1 ack=52 win=64 <TS>",
                             "8006>40006 FIN,ACK seq=1 ack=52 win=64 <TS>",
                             "40006>8006 ACK seq=52 ack=2 win=64 <TS>",
                         }));
}

void TestSegmentDecoder::shouldWalkIPv6ExtensionHeaders()
{
    // The client's segments carry hop-by-hop (8), routing (24) and destination options (8)
    // headers before TCP; the listener's carry none.
    const QList<Numbered> c = conversation(ipv6File, QStringLiteral("ext-headers"));
    QCOMPARE(c.size(), 9);
    for (const Numbered &n : c)
        QCOMPARE(n.segment.ipHeaderLength, quint16(n.fromClient() ? 80 : 40));
    const QByteArray syn = realFrame(ipv6File, QStringLiteral("ext-headers"), 0);
    QCOMPARE(quint8(syn[ipAt + 6]), quint8(0));   // hop-by-hop first,
    QCOMPARE(quint8(syn[tcp6At]), quint8(43));    // then routing,
    QCOMPARE(quint8(syn[tcp6At + 8]), quint8(60)); // then destination options,
    QCOMPARE(quint8(syn[tcp6At + 32]), quint8(6)); // then TCP
    QCOMPARE(linesOf(c), (QStringList{
                             "40007>8007 SYN seq=0 win=65476 <mss 65476,sackOK,TS,wscale 10>",
                             "8007>40007 SYN,ACK seq=0 ack=1 win=65464 <mss 65476,sackOK,TS,wscale 10>",
                             "40007>8007 ACK seq=1 ack=1 win=64 <TS>",
                             "40007>8007 PSH,ACK seq=1 ack=1 win=64 len=50 <TS>",
                             "8007>40007 ACK seq=1 ack=51 win=64 <TS>",
                             "40007>8007 FIN,ACK seq=51 ack=1 win=64 <TS>",
                             "8007>40007 ACK seq=1 ack=52 win=64 <TS>",
                             "8007>40007 FIN,ACK seq=1 ack=52 win=64 <TS>",
                             "40007>8007 ACK seq=52 ack=2 win=64 <TS>",
                         }));
}

void TestSegmentDecoder::shouldReadSackBlocksAndTheRetransmission_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("ipv4") << ipv4File;
    QTest::newRow("ipv6") << ipv6File;
}

void TestSegmentDecoder::shouldReadSackBlocksAndTheRetransmission()
{
    QFETCH(QString, file);
    // "a" arrives and is acked; the first "b" is dropped on the listener's input (the capture
    // still sees it: AF_PACKET takes it before netfilter), "c" arrives out of order and is
    // answered by a duplicate ack with a SACK block for it; "b" comes again and all is acked.
    const QList<Numbered> c = conversation(file, QStringLiteral("sack"));
    QCOMPARE(c.size(), 14);
    const Numbered &lostB = c[5];
    const Numbered &cArrives = c[6];
    const Numbered &dupAck = c[7];
    const Numbered &bAgain = c[8];
    QCOMPARE(lostB.seq(), 101u);
    QCOMPARE(lostB.segment.payloadLength, 100u);
    QCOMPARE(cArrives.seq(), 201u);
    QCOMPARE(cArrives.segment.payloadLength, 100u);

    QVERIFY(!dupAck.fromClient());
    QCOMPARE(dupAck.ack(), 101u); // still waiting for "b"
    QCOMPARE(dupAck.segment.options.sackBlockCount, quint8(1));
    const SackBlock block = dupAck.segment.options.sackBlocks[0];
    QCOMPARE(block.left - dupAck.bases.ack, 201u); // "c", as relative as the ack
    QCOMPARE(block.right - dupAck.bases.ack, 301u);
    QCOMPARE(block.left, cArrives.segment.seq);
    QCOMPARE(block.right, cArrives.segment.seq + cArrives.segment.payloadLength);
    QCOMPARE(kindsOf(dupAck.segment.options),
             (QList<quint8>{TcpOptions::NoOperation, TcpOptions::NoOperation, TcpOptions::Timestamps,
                            TcpOptions::NoOperation, TcpOptions::NoOperation, TcpOptions::Sack}));
    QCOMPARE(dupAck.segment.tcpHeaderLength, quint8(44));

    QCOMPARE(bAgain.segment.seq, lostB.segment.seq); // the retransmission
    QCOMPARE(bAgain.segment.payloadLength, 100u);
    QVERIFY(bAgain.segment.options.timestamps->echoReply != lostB.segment.options.timestamps->echoReply);
    QCOMPARE(c[9].ack(), 301u);
    QCOMPARE(c[9].segment.options.sackBlockCount, quint8(0));
}

void TestSegmentDecoder::shouldListConversationsAsWiresharkNumbersThem_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<QStringList>("lines");
    // Checked against Wireshark's relative numbering as its packet-tcp.c does it.
    const QStringList transfer{
        "40001>8001 SYN seq=0 win=%1 <mss %1,sackOK,TS,wscale 10>",
        "8001>40001 SYN,ACK seq=0 ack=1 win=%2 <mss %1,sackOK,TS,wscale 10>",
        "40001>8001 ACK seq=1 ack=1 win=64 <TS>",
        "40001>8001 PSH,ACK seq=1 ack=1 win=64 len=300 <TS>",
        "8001>40001 ACK seq=1 ack=301 win=64 <TS>",
        "8001>40001 PSH,ACK seq=1 ack=301 win=64 len=200 <TS>",
        "40001>8001 ACK seq=301 ack=201 win=64 <TS>",
        "40001>8001 FIN,ACK seq=301 ack=201 win=64 <TS>",
        "8001>40001 ACK seq=201 ack=302 win=64 <TS>",
        "8001>40001 FIN,ACK seq=201 ack=302 win=64 <TS>",
        "40001>8001 ACK seq=302 ack=202 win=64 <TS>",
    };
    const QStringList sack{
        "40008>8008 SYN seq=0 win=%1 <mss %1,sackOK,TS,wscale 10>",
        "8008>40008 SYN,ACK seq=0 ack=1 win=%2 <mss %1,sackOK,TS,wscale 10>",
        "40008>8008 ACK seq=1 ack=1 win=64 <TS>",
        "40008>8008 PSH,ACK seq=1 ack=1 win=64 len=100 <TS>",
        "8008>40008 ACK seq=1 ack=101 win=64 <TS>",
        "40008>8008 PSH,ACK seq=101 ack=1 win=64 len=100 <TS>",
        "40008>8008 PSH,ACK seq=201 ack=1 win=64 len=100 <TS>",
        "8008>40008 ACK seq=1 ack=101 win=64 <TS,sack 1>",
        "40008>8008 PSH,ACK seq=101 ack=1 win=64 len=100 <TS>",
        "8008>40008 ACK seq=1 ack=301 win=64 <TS>",
        "40008>8008 FIN,ACK seq=301 ack=1 win=64 <TS>",
        "8008>40008 ACK seq=1 ack=302 win=64 <TS>",
        "8008>40008 FIN,ACK seq=1 ack=302 win=64 <TS>",
        "40008>8008 ACK seq=302 ack=2 win=64 <TS>",
    };
    const QStringList refused{
        "40004>8004 SYN seq=0 win=%1 <mss %1,sackOK,TS,wscale 10>",
        "8004>40004 RST,ACK seq=1 ack=1 win=0",
    };
    const auto filled = [](const QStringList &lines, int mss, int synAckWindow) {
        QStringList out;
        for (const QString &l : lines)
            out.append(l.contains(QLatin1String("%2")) ? l.arg(mss).arg(synAckWindow)
                                                       : l.contains(QLatin1String("%1")) ? l.arg(mss) : l);
        return out;
    };
    QTest::newRow("ipv4 transfer") << ipv4File << "transfer" << filled(transfer, 65495, 65483);
    QTest::newRow("ipv6 transfer") << ipv6File << "transfer" << filled(transfer, 65476, 65464);
    QTest::newRow("ipv4 sack") << ipv4File << "sack" << filled(sack, 65495, 65483);
    QTest::newRow("ipv6 sack") << ipv6File << "sack" << filled(sack, 65476, 65464);
    QTest::newRow("ipv4 refused") << ipv4File << "refused" << filled(refused, 65495, 0);
    QTest::newRow("ipv6 refused") << ipv6File << "refused" << filled(refused, 65476, 0);
}

void TestSegmentDecoder::shouldListConversationsAsWiresharkNumbersThem()
{
    QFETCH(QString, file);
    QFETCH(QString, scenario);
    QFETCH(QStringList, lines);
    QCOMPARE(linesOf(conversation(file, scenario)), lines);
}

void TestSegmentDecoder::shouldFormatTheLongFormAsTcpdump()
{
    using Form = SegmentText::Form;
    const QList<Numbered> transfer = conversation(ipv4File, QStringLiteral("transfer"));
    const Segment &syn = transfer[0].segment;
    QCOMPARE(SegmentText::line(syn, transfer[0].bases, Form::Short),
             QStringLiteral("SYN seq=0 win=65495 <mss 65495,sackOK,TS,wscale 10>"));
    QCOMPARE(SegmentText::line(syn, transfer[0].bases, Form::Long),
             QStringLiteral("SYN seq=0 win=65495 <mss 65495,sackOK,TS val 494003396 ecr 0,nop,wscale 10>"));
    // Absolute without bases.
    QCOMPARE(SegmentText::line(syn), QStringLiteral("SYN seq=822295104 win=65495 <mss 65495,sackOK,TS,wscale 10>"));
    QCOMPARE(SegmentText::line(transfer[1].segment, transfer[1].bases, Form::Long),
             QStringLiteral("SYN,ACK seq=0 ack=1 win=65483 <mss 65495,sackOK,TS val 3180184826 ecr 494003396,nop,wscale 10>"));
    QCOMPARE(SegmentText::line(transfer[3].segment, transfer[3].bases, Form::Short),
             QStringLiteral("PSH,ACK seq=1 ack=1 win=64 len=300 <TS>"));

    const QList<Numbered> sack = conversation(ipv4File, QStringLiteral("sack"));
    QCOMPARE(SegmentText::line(sack[7].segment, sack[7].bases, Form::Long),
             QStringLiteral("ACK seq=1 ack=101 win=64 <nop,nop,TS val 1752795384 ecr 180576593,nop,nop,sack 1 {201:301}>"));
    QCOMPARE(SegmentText::options(sack[7].segment.options, 0, Form::Long),
             QStringLiteral("nop,nop,TS val 1752795384 ecr 180576593,nop,nop,sack 1 {1597024964:1597025064}"));

    const QList<Numbered> refused = conversation(ipv4File, QStringLiteral("refused"));
    QCOMPARE(SegmentText::line(refused[1].segment, refused[1].bases, Form::Long), QStringLiteral("RST,ACK seq=1 ack=1 win=0"));

    // What lo never shows: urgent data, a frame cut short, options sockscope does not read, no
    // flags at all.
    Segment odd = transfer[3].segment;
    odd.flags = SegmentFlag::Urg | SegmentFlag::Ack | SegmentFlag::Psh;
    odd.urgentPointer = 7;
    odd.capturedPayloadLength = 60;
    odd.options = TcpOptions();
    odd.options.entries[0] = {30, 12};
    odd.options.entries[1] = {TcpOptions::EndOfList, 1};
    odd.options.count = 2;
    odd.options.unknownCount = 1;
    QCOMPARE(SegmentText::line(odd, transfer[3].bases, Form::Long),
             QStringLiteral("PSH,ACK,URG seq=1 ack=1 win=64 len=300 (60 captured) urg=7 <kind 30 len 12,eol>"));
    QCOMPARE(SegmentText::line(odd, transfer[3].bases, Form::Short), QStringLiteral("PSH,ACK,URG seq=1 ack=1 win=64 len=300 <kind 30>"));
    QCOMPARE(segmentFlagsText(SegmentFlags()), QStringLiteral("none"));
    QCOMPARE(segmentFlagsText(SegmentFlags::fromInt(0xff)), QStringLiteral("FIN,SYN,RST,PSH,ACK,URG,ECE,CWR"));
}

void TestSegmentDecoder::shouldNumberFromTheFirstSegmentSeenWithoutTheHandshake()
{
    // A capture that starts after the handshake reads the same numbers as one that saw it:
    // Wireshark's rule, each direction's first segment at seq=1 and the first ack at ack=1.
    const QList<Numbered> whole = conversation(ipv4File, QStringLiteral("transfer"));
    QList<Segment> late;
    for (const Numbered &n : whole.mid(3))
        late.append(n.segment);
    const QList<Numbered> fromData = numbered(late);
    QCOMPARE(linesOf(fromData), linesOf(whole.mid(3)));

    // Starting at the listener's first data segment: the client's direction is named first by
    // its ack (301 - 1 becomes the base), so the client's numbers are offset, not wrong in
    // order; the listener's are as before.
    const QList<Numbered> fromReply = numbered(late.mid(2));
    QCOMPARE(fromReply[0].seq(), 1u);
    QCOMPARE(fromReply[0].ack(), 1u);
    QCOMPARE(fromReply[1].seq(), 1u);   // the client's ack of the 200 bytes
    QCOMPARE(fromReply[1].ack(), 201u);
}

void TestSegmentDecoder::shouldGiveBothCopiesTheSameNumbers()
{
    for (const QString &file : {ipv4File, ipv6File}) {
        SequenceNumbering everyCopy;
        SequenceNumbering outgoingOnly;
        for (const Frame &f : framesOf(file)) {
            const Segment s = decoded(f);
            const SequenceBases fromAll = everyCopy.take(s);
            if (s.isOutgoing())
                QCOMPARE(outgoingOnly.take(s), fromAll);
        }
        QCOMPARE(everyCopy.connectionCount(), outgoingOnly.connectionCount());
        QCOMPARE(everyCopy.connectionCount(), file == ipv4File ? 7 : 6);
        everyCopy.clear();
        QCOMPARE(everyCopy.connectionCount(), 0);
    }
}

void TestSegmentDecoder::shouldStartOverWhenTheFourTupleIsOpenedAgain()
{
    // The same conversation twice on the same 4-tuple, the second with other initial sequence
    // numbers (as after TIME_WAIT): the second SYN starts the numbering over.
    const QList<Segment> first = outgoingOf(ipv4File, QStringLiteral("transfer"));
    QList<Segment> twice = first;
    for (Segment s : first) {
        const bool client = s.source.port == 40001;
        s.seq += client ? 0x10000000u : 0x20000000u;
        s.ack += client ? 0x20000000u : 0x10000000u;
        twice.append(s);
    }
    // A retransmitted SYN (the same sequence number) is not a new connection.
    twice.insert(1, first[0]);
    const QList<Numbered> n = numbered(twice);
    QStringList expected = linesOf(conversation(ipv4File, QStringLiteral("transfer")));
    expected.insert(1, expected[0]);
    expected += linesOf(conversation(ipv4File, QStringLiteral("transfer")));
    QCOMPARE(linesOf(n), expected);

    // The second SYN not captured: the SYN,ACK names both initial sequence numbers anew.
    twice.removeAt(first.size() + 1);
    expected.removeAt(first.size() + 1);
    QCOMPARE(linesOf(numbered(twice)), expected);
}

void TestSegmentDecoder::shouldNumberASelfConnectedSocketInOneSpace()
{
    // A socket connected to its own address (simultaneous open): its SYN comes back to it, it
    // answers SYN,ACK with the same initial sequence number, then ACK.
    Segment syn = outgoingOf(ipv4File, QStringLiteral("transfer"))[0];
    syn.destination = syn.source;
    Segment synAck = syn;
    synAck.flags = SegmentFlag::Syn | SegmentFlag::Ack;
    synAck.ack = syn.seq + 1;
    Segment ack = syn;
    ack.flags = SegmentFlag::Ack;
    ack.seq = syn.seq + 1;
    ack.ack = syn.seq + 1;
    const QList<Numbered> n = numbered({syn, synAck, ack});
    QCOMPARE(n[0].seq(), 0u);
    QCOMPARE(n[1].seq(), 0u);
    QCOMPARE(n[1].ack(), 1u);
    QCOMPARE(n[2].seq(), 1u);
    QCOMPARE(n[2].ack(), 1u);
}

void TestSegmentDecoder::shouldRejectDamagedFrames_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<Problem>("problem");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<int>("offset");

    const QByteArray syn4 = realFrame(ipv4File, QStringLiteral("transfer"), 0);      // 14 + 20 + 40
    const QByteArray data4 = realFrame(ipv4File, QStringLiteral("transfer"), 3);     // 14 + 20 + 32 + 300
    const QByteArray rr4 = realFrame(ipv4File, QStringLiteral("ip-options"), 0);     // 14 + 32 + 40
    const QByteArray syn6 = realFrame(ipv6File, QStringLiteral("transfer"), 0);      // 14 + 40 + 40
    const QByteArray ext6 = realFrame(ipv6File, QStringLiteral("ext-headers"), 0);   // 14 + 80 + 40
    const QByteArray sack4 = realFrame(ipv4File, QStringLiteral("sack"), 7);         // 14 + 20 + 44
    QCOMPARE(syn4.size(), 74);
    QCOMPARE(data4.size(), 366);
    QCOMPARE(rr4.size(), 86);
    QCOMPARE(syn6.size(), 94);
    QCOMPARE(ext6.size(), 134);
    QCOMPARE(sack4.size(), 78);
    // The real SYN's options: MSS at 54, SACK permitted at 58, timestamps at 60, NOP at 70,
    // window scale at 71, end at 74.
    constexpr int mssAt = tcp4At + 20;

    QTest::newRow("empty") << QByteArray() << Problem::TruncatedLinkHeader << "truncated Ethernet header (0 of 14 bytes)" << 0;
    QTest::newRow("ARP") << withBe16(syn4, 12, 0x0806) << Problem::NotIp << "not IP (ethertype 0x0806)" << 12;
    QTest::newRow("VLAN tag") << withBe16(syn4, 12, 0x8100) << Problem::NotIp << "not IP (ethertype 0x8100)" << 12;
    QTest::newRow("IPv4 header cut") << syn4.left(26) << Problem::TruncatedIpHeader << "truncated IPv4 header (12 of 20 bytes)" << 14;
    QTest::newRow("IPv4 options cut") << rr4.left(44) << Problem::TruncatedIpHeader << "truncated IPv4 header (30 of 32 bytes)" << 14;
    QTest::newRow("IPv6 header cut") << syn6.left(53) << Problem::TruncatedIpHeader << "truncated IPv6 header (39 of 40 bytes)" << 14;
    QTest::newRow("IPv6 under the IPv4 ethertype") << withBe16(syn6, 12, 0x0800) << Problem::WrongIpVersion
                                                   << "IP version 6 under the IPv4 ethertype" << 14;
    QTest::newRow("IPv4 under the IPv6 ethertype") << withBe16(syn4, 12, 0x86dd) << Problem::WrongIpVersion
                                                   << "IP version 4 under the IPv6 ethertype" << 14;
    QTest::newRow("IHL 3") << patched(syn4, ipAt, {0x43}) << Problem::BadIpHeaderLength << "IPv4 header length 3 is below 5" << 14;
    QTest::newRow("IHL 0") << patched(syn4, ipAt, {0x40}) << Problem::BadIpHeaderLength << "IPv4 header length 0 is below 5" << 14;
    QTest::newRow("IHL 15 past the frame") << patched(syn4.left(60), ipAt, {0x4f}) << Problem::TruncatedIpHeader
                                           << "truncated IPv4 header (46 of 60 bytes)" << 14;
    QTest::newRow("total length below the header") << withBe16(syn4, ipAt + 2, 16) << Problem::BadIpLength
                                                   << "IPv4 total length 16 is below its header length 20" << 16;
    QTest::newRow("total length without room for TCP") << withBe16(syn4, ipAt + 2, 30) << Problem::BadIpLength
                                                       << "IPv4 total length 30 leaves 10 bytes for a TCP header of 20" << 34;
    QTest::newRow("total length ending in the TCP options") << withBe16(syn4, ipAt + 2, 50) << Problem::BadIpLength
                                                            << "IPv4 total length 50 leaves 30 bytes for a TCP header of 40" << 34;
    QTest::newRow("UDP") << patched(syn4, ipAt + 9, {17}) << Problem::NotTcp << "not TCP (protocol 17)" << 23;
    QTest::newRow("ICMP") << patched(syn4, ipAt + 9, {1}) << Problem::NotTcp << "not TCP (protocol 1)" << 23;
    QTest::newRow("first IPv4 fragment") << withBe16(syn4, ipAt + 6, 0x2000) << Problem::Fragment
                                         << "IPv4 fragment (offset 0, more fragments)" << 20;
    QTest::newRow("last IPv4 fragment") << withBe16(syn4, ipAt + 6, 0x00b9) << Problem::Fragment << "IPv4 fragment (offset 1480)" << 20;
    QTest::newRow("IPv6 jumbogram") << withBe16(syn6, ipAt + 4, 0) << Problem::BadIpLength << "IPv6 payload length 0 (a jumbogram)" << 18;
    QTest::newRow("ICMPv6") << patched(syn6, ipAt + 6, {58}) << Problem::NotTcp << "not TCP (protocol 58)" << 54;
    QTest::newRow("IPv6 no next header") << patched(syn6, ipAt + 6, {59}) << Problem::NotTcp << "not TCP (protocol 59)" << 54;
    QTest::newRow("IPv6 fragment") << patched(syn6, ipAt + 6, {44}) << Problem::Fragment << "IPv6 fragment" << 54;
    QTest::newRow("IPv6 fragment after hop-by-hop") << patched(ext6, tcp6At, {44}) << Problem::Fragment << "IPv6 fragment" << 62;
    QTest::newRow("IPv6 UDP after the extension headers") << patched(ext6, tcp6At + 32, {17}) << Problem::NotTcp
                                                          << "not TCP (protocol 17)" << 94;
    QTest::newRow("IPv6 hop-by-hop cut before its length") << ext6.left(55) << Problem::TruncatedExtensionHeader
                                                           << "truncated IPv6 hop-by-hop options header (1 of 8 bytes)" << 54;
    QTest::newRow("IPv6 routing header cut") << ext6.left(72) << Problem::TruncatedExtensionHeader
                                             << "truncated IPv6 routing header (10 of 24 bytes)" << 62;
    QTest::newRow("IPv6 routing header running past the frame") << patched(ext6, tcp6At + 9, {255}) << Problem::TruncatedExtensionHeader
                                                                << "truncated IPv6 routing header (72 of 2048 bytes)" << 62;
    QTest::newRow("IPv6 destination options running past the frame") << patched(ext6, tcp6At + 33, {40}) << Problem::TruncatedExtensionHeader
                                                                      << "truncated IPv6 destination options header (48 of 328 bytes)" << 86;
    QTest::newRow("IPv6 payload length ending in the routing header") << withBe16(ext6, ipAt + 4, 20) << Problem::BadIpLength
                                                                      << "IPv6 payload length 20 ends inside the routing header" << 62;
    QTest::newRow("IPv6 payload length without room for TCP") << withBe16(syn6, ipAt + 4, 12) << Problem::BadIpLength
                                                              << "IPv6 payload length 12 leaves 12 bytes for a TCP header of 20" << 54;
    QTest::newRow("TCP header cut") << syn4.left(46) << Problem::TruncatedTcpHeader << "truncated TCP header (12 of 20 bytes)" << 34;
    QTest::newRow("TCP options cut") << syn4.left(64) << Problem::TruncatedTcpHeader << "truncated TCP header (30 of 40 bytes)" << 34;
    QTest::newRow("IPv6 TCP options cut") << ext6.left(130) << Problem::TruncatedTcpHeader << "truncated TCP header (36 of 40 bytes)" << 94;
    QTest::newRow("data offset 3") << patched(syn4, tcp4At + 12, {0x30}) << Problem::BadDataOffset << "TCP data offset 3 is below 5" << 46;
    QTest::newRow("data offset 0") << patched(syn6, tcp6At + 12, {0x00}) << Problem::BadDataOffset << "TCP data offset 0 is below 5" << 66;
    QTest::newRow("data offset 15 over the data") << patched(data4, tcp4At + 12, {0xf0}) << Problem::OptionPastHeader
                                                  << "option kind 113 of length 113 runs past the TCP header (28 bytes left)" << 66;
    QTest::newRow("MSS of length 3") << patched(syn4, mssAt + 1, {3}) << Problem::BadOption << "option MSS of length 3" << 54;
    QTest::newRow("SACK permitted of length 3") << patched(syn4, mssAt + 5, {3}) << Problem::BadOption
                                                << "option SACK permitted of length 3" << 58;
    QTest::newRow("timestamps of length 8") << patched(syn4, mssAt + 7, {8}) << Problem::BadOption << "option timestamps of length 8" << 60;
    QTest::newRow("window scale of length 4") << patched(syn4, mssAt + 18, {4}) << Problem::BadOption
                                              << "option window scale of length 4" << 71;
    QTest::newRow("SACK without blocks") << patched(syn4, mssAt + 4, {5, 2}) << Problem::BadOption << "option SACK of length 2" << 58;
    QTest::newRow("SACK of length 11") << patched(sack4, tcp4At + 35, {11}) << Problem::BadOption << "option SACK of length 11" << 68;
    QTest::newRow("unknown option of length 1") << patched(syn4, mssAt + 4, {30, 1}) << Problem::BadOption
                                                << "option kind 30 of length 1" << 58;
    // A length of 0 would never move on: a reader that trusts it loops for ever.
    QTest::newRow("unknown option of length 0") << patched(syn4, mssAt + 4, {30, 0}) << Problem::BadOption
                                                << "option kind 30 of length 0" << 58;
    QTest::newRow("option running past the header") << patched(syn4, mssAt + 6, {30, 16}) << Problem::OptionPastHeader
                                                    << "option kind 30 of length 16 runs past the TCP header (14 bytes left)" << 60;
    QTest::newRow("MSS running past the header") << patched(syn4, mssAt + 17, {1, 2, 4}) << Problem::OptionPastHeader
                                                 << "option MSS of length 4 runs past the TCP header (2 bytes left)" << 72;
    QTest::newRow("kind without its length byte") << patched(syn4, mssAt + 16, {3, 3, 7, 8}) << Problem::OptionPastHeader
                                                  << "option timestamps has no length byte before the TCP header ends" << 73;
}

void TestSegmentDecoder::shouldRejectDamagedFrames()
{
    QFETCH(QByteArray, frame);
    QFETCH(Problem, problem);
    QFETCH(QString, reason);
    QFETCH(int, offset);
    const auto result = decodeExactly(frame);
    QVERIFY(!result.ok());
    QCOMPARE(result.reason, reason);
    QCOMPARE(result.problem, problem);
    QCOMPARE(result.offset, qsizetype(offset));
}

void TestSegmentDecoder::shouldRejectEveryCutThroughTheHeaders_data()
{
    QTest::addColumn<QByteArray>("frame");
    QTest::addColumn<int>("ipEnd");  // where the fixed IP header (with IPv4's options) ends
    QTest::addColumn<int>("extEnd"); // where IPv6's extension headers end
    QTest::addColumn<int>("tcpEnd"); // where the TCP header ends
    QTest::newRow("IPv4 SYN") << realFrame(ipv4File, QStringLiteral("transfer"), 0) << 34 << 34 << 74;
    QTest::newRow("IPv4 data") << realFrame(ipv4File, QStringLiteral("transfer"), 3) << 34 << 34 << 66;
    QTest::newRow("IPv4 Record Route") << realFrame(ipv4File, QStringLiteral("ip-options"), 3) << 46 << 46 << 78;
    QTest::newRow("IPv4 RST") << realFrame(ipv4File, QStringLiteral("refused"), 1) << 34 << 34 << 54;
    QTest::newRow("IPv4 SACK") << realFrame(ipv4File, QStringLiteral("sack"), 7) << 34 << 34 << 78;
    QTest::newRow("IPv6 SYN") << realFrame(ipv6File, QStringLiteral("transfer"), 0) << 54 << 54 << 94;
    QTest::newRow("IPv6 data") << realFrame(ipv6File, QStringLiteral("transfer"), 5) << 54 << 54 << 86;
    QTest::newRow("IPv6 extension headers") << realFrame(ipv6File, QStringLiteral("ext-headers"), 3) << 54 << 94 << 126;
}

void TestSegmentDecoder::shouldRejectEveryCutThroughTheHeaders()
{
    QFETCH(QByteArray, frame);
    QFETCH(int, ipEnd);
    QFETCH(int, extEnd);
    QFETCH(int, tcpEnd);
    const auto whole = decodeExactly(frame);
    QVERIFY(whole.ok());
    for (int cut = 0; cut < frame.size(); ++cut) {
        const auto result = decodeExactly(frame.left(cut));
        const QByteArray at = QByteArray::number(cut);
        if (cut >= tcpEnd) {
            // The headers are whole: the segment is read, with only part of its data.
            QVERIFY2(result.ok(), at.constData());
            QCOMPARE(result.segment->payloadLength, whole.segment->payloadLength);
            QCOMPARE(result.segment->capturedPayloadLength, quint32(cut - tcpEnd));
            Segment same = *result.segment;
            same.capturedPayloadLength = whole.segment->capturedPayloadLength;
            QVERIFY2(same == *whole.segment, at.constData());
            continue;
        }
        QVERIFY2(!result.ok(), at.constData());
        QVERIFY2(!result.reason.isEmpty(), at.constData());
        const Problem expected = cut < 14 ? Problem::TruncatedLinkHeader
            : cut < ipEnd                 ? Problem::TruncatedIpHeader
            : cut < extEnd                ? Problem::TruncatedExtensionHeader
                                          : Problem::TruncatedTcpHeader;
        QVERIFY2(result.problem == expected, qPrintable(QString::number(cut) + QLatin1Char(' ') + result.reason));
    }
}

void TestSegmentDecoder::shouldAcceptOddButValidFrames()
{
    const QByteArray syn4 = realFrame(ipv4File, QStringLiteral("transfer"), 0);
    const QByteArray syn6 = realFrame(ipv6File, QStringLiteral("transfer"), 0);
    const Segment real = *decodeExactly(syn4).segment;
    constexpr int mssAt = tcp4At + 20;

    // Padding behind the IP packet (Ethernet pads short frames to 60 bytes): not data.
    const auto padded = decodeExactly(syn4 + QByteArray(6, '\0'));
    QVERIFY(padded.ok());
    QVERIFY(*padded.segment == real);

    // End of option list: what follows is padding, not options.
    const auto ended = decodeExactly(patched(syn4, mssAt + 16, {0, 0xff, 0xff, 0xff}));
    QVERIFY2(ended.ok(), qPrintable(ended.reason));
    QCOMPARE(kindsOf(ended.segment->options),
             (QList<quint8>{TcpOptions::MaxSegmentSize, TcpOptions::SackPermitted, TcpOptions::Timestamps, TcpOptions::EndOfList}));
    QVERIFY(!ended.segment->options.windowScale);

    // An option sockscope does not read is kept by kind and length and counted.
    const auto unknown = decodeExactly(patched(syn4, mssAt + 4, {30, 2}));
    QVERIFY2(unknown.ok(), qPrintable(unknown.reason));
    QCOMPARE(unknown.segment->options.unknownCount, quint8(1));
    QVERIFY(!unknown.segment->options.sackPermitted);
    QCOMPARE(unknown.segment->options.entries[1], (TcpOptions::Entry{30, 2}));
    QCOMPARE(SegmentText::options(unknown.segment->options), QStringLiteral("mss 65495,kind 30,TS,wscale 10"));

    // Four SACK blocks, the most that fit: a 60-byte TCP header with NOP, NOP, SACK of 34 bytes,
    // NOP, NOP, NOP, NOP.
    QByteArray options = QByteArray::fromHex("01010522");
    for (int i = 0; i < 8; ++i) {
        const quint32 edge = 1000u * quint32(i + 1);
        options += char(edge >> 24);
        options += char(edge >> 16);
        options += char(edge >> 8);
        options += char(edge);
    }
    options += QByteArray::fromHex("01010101");
    QCOMPARE(options.size(), 40);
    const QByteArray fourBlocks = patched(withBe16(syn4.left(mssAt), ipAt + 2, 80) + options, tcp4At + 12, {0xf0});
    const auto four = decodeExactly(fourBlocks);
    QVERIFY2(four.ok(), qPrintable(four.reason));
    QCOMPARE(four.segment->options.sackBlockCount, quint8(4));
    QCOMPARE(four.segment->options.sackBlocks[3], (SackBlock{7000, 8000}));
    QCOMPARE(SegmentText::options(four.segment->options, 500, SegmentText::Form::Long),
             QStringLiteral("nop,nop,sack 4 {500:1500} {2500:3500} {4500:5500} {6500:7500},nop,nop,nop,nop"));

    // An authentication header before TCP (IPsec): skipped like the other extension headers.
    QByteArray withAh = syn6.left(tcp6At) + QByteArray::fromHex("060100000000000100000001") + syn6.mid(tcp6At);
    withAh = patched(withBe16(withAh, ipAt + 4, 40 + 12), ipAt + 6, {51});
    const auto ah = decodeExactly(withAh);
    QVERIFY2(ah.ok(), qPrintable(ah.reason));
    QCOMPARE(ah.segment->ipHeaderLength, quint16(52));
    QCOMPARE(ah.segment->seq, decodeExactly(syn6).segment->seq);

    // Another sll_pkttype (PACKET_BROADCAST): decoded, and said to be neither copy.
    const auto broadcast = decodeExactly(syn4, 1);
    QVERIFY(broadcast.ok());
    QCOMPARE(broadcast.segment->direction(), LinkDirection::Other);
    QVERIFY(!broadcast.segment->isOutgoing());
}

void TestSegmentDecoder::shouldReadABareIpPacketAsItsFrame_data()
{
    shouldDecodeEveryCapturedFrame_data();
}

// What NFLOG hands over is the frame without its link header: the same segment.
void TestSegmentDecoder::shouldReadABareIpPacketAsItsFrame()
{
    QFETCH(QString, file);
    const QList<Frame> frames = framesOf(file);
    QVERIFY(!frames.isEmpty());
    for (const Frame &f : frames) {
        const SegmentDecoder::Result framed = SegmentDecoder::decode(f.bytes, f.packetType, f.timestampNs);
        const SegmentDecoder::Result bare =
            SegmentDecoder::decodeIpPacket(QByteArrayView(f.bytes).sliced(SegmentDecoder::linkHeaderLength), f.packetType,
                                           f.timestampNs);
        QVERIFY2(bare.ok(), qPrintable(bare.reason));
        QCOMPARE(*bare.segment, *framed.segment);
    }
}

void TestSegmentDecoder::shouldSayWhyABareIpPacketCannotBeRead()
{
    const SegmentDecoder::Result empty = SegmentDecoder::decodeIpPacket(QByteArrayView(), 0 /* PACKET_HOST */, 0);
    QCOMPARE(empty.problem, Problem::TruncatedIpHeader);
    const SegmentDecoder::Result notIp = SegmentDecoder::decodeIpPacket(QByteArray::fromHex("5500"), 0 /* PACKET_HOST */, 0);
    QCOMPARE(notIp.problem, Problem::NotIp);
    QCOMPARE(notIp.reason, QStringLiteral("not IP (version 5)"));
    // A short IPv4 header: the offset counts from the IP header, not from a link header.
    const SegmentDecoder::Result cut = SegmentDecoder::decodeIpPacket(QByteArray::fromHex("4500001400"), 0 /* PACKET_HOST */, 0);
    QCOMPARE(cut.problem, Problem::TruncatedIpHeader);
    QCOMPARE(cut.offset, 0);
    QCOMPARE(cut.reason, QStringLiteral("truncated IPv4 header (5 of 20 bytes)"));
}

QTEST_GUILESS_MAIN(TestSegmentDecoder)
#include "tst_segmentdecoder.moc"
