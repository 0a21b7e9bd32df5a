// SPDX-License-Identifier: GPL-3.0-or-later
// Retransmissions and duplicate ACKs, judged from the capture alone, on real frames
// (tests/data/capture: capture-frames.py), and on hand-made segments for what loopback rarely
// shows: a SYN tried again at growing intervals, a FIN answered twice, a 4-tuple reused.
#include "core/capture/segmentrepeats.h"

#include "../common/capturedsegments.h"

#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

struct Seen
{
    Segment segment;
    SegmentRepeat repeat;
};

QList<Seen> followed(const QList<Segment> &segments)
{
    SegmentRepeats repeats;
    QList<Seen> out;
    for (const Segment &s : segments)
        out.append({s, repeats.take(s, s.timestampNs)});
    return out;
}

Segment made(quint16 from, quint16 to, SegmentFlags flags, quint32 seq, quint32 ack, quint32 length, qint64 atNs)
{
    Segment s;
    s.family = AddressFamily::IPv4;
    s.source = {*IpAddress::fromString(QStringLiteral("127.0.0.1")), from, QString()};
    s.destination = {*IpAddress::fromString(QStringLiteral("127.0.0.1")), to, QString()};
    s.flags = flags;
    s.seq = seq;
    s.ack = ack;
    s.payloadLength = length;
    s.window = 512;
    s.timestampNs = atNs;
    return s;
}

constexpr qint64 s1 = 1'000'000'000;

} // namespace

class TestSegmentRepeats : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldFindNoRepeatOnALosslessWire_data();
    void shouldFindNoRepeatOnALosslessWire();
    void shouldFindTheLostSegmentsRetransmissionAndTheDuplicateAcks();
    void shouldCountASynTriedAgainAndTheGapsBetween();
    void shouldCallAFinAnsweredTwiceADuplicateAck();
    void shouldStartOverOnANewConnectionOnTheSameTuple();
    void shouldWordARepeat();
};

void TestSegmentRepeats::shouldFindNoRepeatOnALosslessWire_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<QString>("scenario");
    for (const QString &file : {QStringLiteral("capture/lo-ipv4.txt"), QStringLiteral("capture/lo-ipv6.txt")}) {
        for (const CapturedScenario &s : capturedScenarios(file)) {
            if (s.name != QLatin1String("sack"))
                QTest::newRow(qPrintable(file + QLatin1Char(' ') + s.name)) << file << s.name;
        }
    }
}

void TestSegmentRepeats::shouldFindNoRepeatOnALosslessWire()
{
    QFETCH(QString, file);
    QFETCH(QString, scenario);
    for (const Seen &seen : followed(capturedSegments(file, scenario)))
        QVERIFY2(!seen.repeat.isRepeat(), qPrintable(seen.repeat.text()));
}

void TestSegmentRepeats::shouldFindTheLostSegmentsRetransmissionAndTheDuplicateAcks()
{
    // The client sent "a", "b", "c" (100 bytes each); the first "b" was dropped on input once.
    const QList<Seen> seen = followed(capturedSegments(QStringLiteral("capture/lo-ipv4.txt"), QStringLiteral("sack")));
    QVERIFY(!seen.isEmpty());
    const Endpoint client = seen.first().segment.source;
    QList<qsizetype> retransmissions;
    QList<qsizetype> duplicates;
    for (qsizetype i = 0; i < seen.size(); ++i) {
        if (seen[i].repeat.retransmission > 0)
            retransmissions << i;
        if (seen[i].repeat.duplicateAck > 0)
            duplicates << i;
    }
    QCOMPARE(retransmissions.size(), 1);
    const Seen &again = seen[retransmissions.first()];
    QCOMPARE(again.segment.source, client);
    QCOMPARE(again.segment.payloadLength, 100u);
    QCOMPARE(again.repeat.retransmission, 1);
    // The first "b": the earlier client segment with the same seq, and the gap is the time between.
    qsizetype first = -1;
    for (qsizetype i = 0; i < retransmissions.first(); ++i) {
        if (seen[i].segment.source == client && seen[i].segment.seq == again.segment.seq && seen[i].segment.payloadLength == 100)
            first = i;
    }
    QVERIFY(first >= 0);
    QCOMPARE(again.repeat.sincePreviousNs, again.segment.timestampNs - seen[first].segment.timestampNs);
    QVERIFY(again.repeat.sincePreviousNs > 0);
    // The listener said again what it had: "c" came out of order (with a SACK block).
    QVERIFY(!duplicates.isEmpty());
    for (qsizetype i : duplicates) {
        QVERIFY(seen[i].segment.source != client);
        QCOMPARE(seen[i].segment.payloadLength, 0u);
    }
    QCOMPARE(seen[duplicates.first()].repeat.duplicateAck, 1);
}

void TestSegmentRepeats::shouldCountASynTriedAgainAndTheGapsBetween()
{
    // A SYN,ACK dropped every time: the client's SYN at 0, 1, 3, 7 s (the timer doubling).
    SegmentRepeats repeats;
    const quint32 isn = 4000000000u; // wraps past 2^32 within its data: serial arithmetic
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Syn, isn, 0, 0, 0), 0).isRepeat());
    const qint64 at[] = {1 * s1, 3 * s1, 7 * s1};
    qint64 last = 0;
    for (int n = 1; n <= 3; ++n) {
        const SegmentRepeat r = repeats.take(made(40000, 8000, SegmentFlag::Syn, isn, 0, 0, at[n - 1]), at[n - 1]);
        QCOMPARE(r.retransmission, n);
        QCOMPARE(r.sincePreviousNs, at[n - 1] - last);
        last = at[n - 1];
    }
    // The server's SYN,ACK each time, a new one at first, then tried again itself.
    QCOMPARE(repeats.take(made(8000, 40000, SegmentFlag::Syn | SegmentFlag::Ack, 77, isn + 1, 0, 8 * s1), 8 * s1).retransmission, 0);
    QCOMPARE(repeats.take(made(8000, 40000, SegmentFlag::Syn | SegmentFlag::Ack, 77, isn + 1, 0, 9 * s1), 9 * s1).retransmission, 1);
    // Data past the wrap is new, and sending part of it again from another start is a retransmission.
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Ack, isn + 1, 78, 1000000000, 10 * s1), 10 * s1).isRepeat());
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Ack, isn + 1 + 1000000000, 78, 100, 11 * s1), 11 * s1).isRepeat());
    QCOMPARE(repeats.take(made(40000, 8000, SegmentFlag::Ack, isn + 1 + 500, 78, 100, 12 * s1), 12 * s1).retransmission, 1);
}

void TestSegmentRepeats::shouldCallAFinAnsweredTwiceADuplicateAck()
{
    // The passive closer's FIN, its ACK lost: the FIN again, and the end in TIME_WAIT answers
    // with the same ACK once more.
    SegmentRepeats repeats;
    const auto ackFlags = SegmentFlags(SegmentFlag::Ack);
    const auto finFlags = SegmentFlag::Fin | SegmentFlag::Ack;
    QVERIFY(!repeats.take(made(40000, 8000, finFlags, 101, 201, 0, 0), 0).isRepeat());
    QVERIFY(!repeats.take(made(8000, 40000, ackFlags, 201, 102, 0, 10), 10).isRepeat());
    QVERIFY(!repeats.take(made(8000, 40000, finFlags, 201, 102, 0, 20), 20).isRepeat());
    QVERIFY(!repeats.take(made(40000, 8000, ackFlags, 102, 202, 0, 30), 30).isRepeat());
    const SegmentRepeat fin = repeats.take(made(8000, 40000, finFlags, 201, 102, 0, 230), 230);
    QCOMPARE(fin.retransmission, 1);
    QCOMPARE(fin.sincePreviousNs, 210);
    const SegmentRepeat ack = repeats.take(made(40000, 8000, ackFlags, 102, 202, 0, 231), 231);
    QCOMPARE(ack.duplicateAck, 1);
    QCOMPARE(ack.retransmission, 0);
    // A RST is an answer, never a repeat.
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Rst, 102, 0, 0, 240), 240).isRepeat());
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Rst, 102, 0, 0, 250), 250).isRepeat());
}

void TestSegmentRepeats::shouldStartOverOnANewConnectionOnTheSameTuple()
{
    SegmentRepeats repeats;
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Syn, 1000, 0, 0, 0), 0).isRepeat());
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Ack, 1001, 5, 50, 1), 1).isRepeat());
    // The same 4-tuple again after TIME_WAIT: another ISN, nothing repeated.
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Syn, 900000, 0, 0, 2), 2).isRepeat());
    QVERIFY(!repeats.take(made(40000, 8000, SegmentFlag::Ack, 900001, 5, 50, 3), 3).isRepeat());
    // Bounded: far more directions than it keeps, and it still judges the newest.
    for (quint16 port = 1; port < SegmentRepeats::maxFlows + 10; ++port)
        repeats.take(made(port, 8000, SegmentFlag::Syn, 7, 0, 0, 4), 4);
    QCOMPARE(repeats.take(made(quint16(SegmentRepeats::maxFlows + 9), 8000, SegmentFlag::Syn, 7, 0, 0, 5), 5).retransmission, 1);
}

void TestSegmentRepeats::shouldWordARepeat()
{
    QCOMPARE((SegmentRepeat{1, 1'000'000'000, 0}).text(), QStringLiteral("retransmission, 1.00 s after the last"));
    QCOMPARE((SegmentRepeat{3, 204'000'000, 0}).text(), QStringLiteral("retransmission 3, 204.0 ms after the last"));
    QCOMPARE((SegmentRepeat{1, 650'000, 0}).shortText(), QStringLiteral("retransmission +650 µs"));
    QCOMPARE((SegmentRepeat{0, 0, 2}).text(), QStringLiteral("duplicate ACK 2"));
    QCOMPARE((SegmentRepeat{0, 0, 2}).shortText(), QStringLiteral("dup ACK 2"));
    QVERIFY(SegmentRepeat().text().isEmpty());
}

QTEST_GUILESS_MAIN(TestSegmentRepeats)
#include "tst_segmentrepeats.moc"
