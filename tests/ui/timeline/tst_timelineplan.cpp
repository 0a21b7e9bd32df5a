// SPDX-License-Identifier: GPL-3.0-or-later
// What the timeline derives from histories: state intervals between polls, and the segments
// that observed transitions imply, in causal order and in the window they must lie in; and
// the segments captured on the wire, which replace the implied ones where there are any.
#include "core/timeline/timelineplan.h"

#include "timelinefixtures.h"
#include "wirefixtures.h"

#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

const QString client = QStringLiteral("client #1");
const QString server = QStringLiteral("accepted #1");

QString arrow(const QString &from, const QString &to, const QString &flags)
{
    return from + QStringLiteral(" -> ") + to + QStringLiteral(": ") + flags;
}

} // namespace

class TestTimelinePlan : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldEndEachIntervalWhereTheNextStateWasFirstSeen();
    void shouldEndAVanishedConnectionAtTheFirstPollWithoutIt();
    void shouldExtendTheOpenSpanOfALiveConnectionToNow();
    void shouldEstimateThePollIntervalFromGapsBetweenObservations();
    void shouldImplyTheHandshakeWhenBothEndsAreFirstSeenEstablished();
    void shouldImplyFinAndAckWhenTheClientClosesFirst();
    void shouldImplyTheRestOfTheCloseWhenTheServerEndVanishes();
    void shouldStartAServerEndFromListen();
    void shouldPlaceSegmentsInTheWindowOfTheirChange();
    void shouldNotLetTheServerAnswerBeforeTheClientAsked();
    void shouldImplyNothingWithOneLane();
    void shouldStartTimeAtTheEarliestThingShown();
    void shouldShowCapturedSegmentsInsteadOfImpliedOnes();
    void shouldSendEachCapturedSegmentFromTheLaneOfItsSender();
    void shouldLabelCapturedSegmentsWithRelativeNumbersAndTheirData();
    void shouldImplySegmentsWhereNothingWasCaptured();
    void shouldImplyOnlyWhatHappenedBeforeACaptureThatBeganLate();
    void shouldTimeByPacketTheStatesNoPollSaw();
};

void TestTimelinePlan::shouldEndEachIntervalWhereTheNextStateWasFirstSeen()
{
    const ConnectionHistory h = history(1, {span(TcpState::Established, 100, 1100), span(TcpState::FinWait2, 1600, 2600)},
                                        3100);
    const QList<TimelinePlan::Interval> in = TimelinePlan::intervalsOf(h, ms(99999));
    QCOMPARE(in.size(), 2);
    QCOMPARE(in[0].state, TcpState::Established);
    QCOMPARE(in[0].startNs, ms(100));
    QCOMPARE(in[0].endNs, ms(1600));
    QCOMPARE(in[0].durationNs(), ms(1500));
    QCOMPARE(in[0].polls, 3);
    // the change happened between the last poll in ESTABLISHED and the first in FIN_WAIT2
    QCOMPARE(in[1].enteredAfterNs, ms(1100));
    QCOMPARE(in[1].startNs, ms(1600));
    QVERIFY(!in[0].live && !in[1].live);
}

void TestTimelinePlan::shouldEndAVanishedConnectionAtTheFirstPollWithoutIt()
{
    const ConnectionHistory h = history(1, {span(TcpState::Established, 100, 1100), span(TcpState::TimeWait, 1600, 61600)},
                                        62100);
    const QList<TimelinePlan::Interval> in = TimelinePlan::intervalsOf(h, ms(99999));
    QCOMPARE(in.last().endNs, ms(62100));
    QCOMPARE(in.last().durationNs(), ms(60500));
    QVERIFY(!in.last().live);
}

void TestTimelinePlan::shouldExtendTheOpenSpanOfALiveConnectionToNow()
{
    const ConnectionHistory h = history(1, {span(TcpState::Established, 100, 1100), span(TcpState::CloseWait, 1600, 2600)});
    QList<TimelinePlan::Interval> in = TimelinePlan::intervalsOf(h, ms(2700));
    QVERIFY(in.last().live);
    QVERIFY(!in.first().live);
    QCOMPARE(in.last().endNs, ms(2700));
    in = TimelinePlan::intervalsOf(h, ms(9000));
    QCOMPARE(in.last().endNs, ms(9000));
    QCOMPARE(in.first().endNs, ms(1600));
    // a live edge behind the last poll (a late timer) never shortens what was seen
    in = TimelinePlan::intervalsOf(h, ms(2000));
    QCOMPARE(in.last().endNs, ms(2600));
}

void TestTimelinePlan::shouldEstimateThePollIntervalFromGapsBetweenObservations()
{
    const ConnectionHistory a = history(1, {span(TcpState::Established, 100, 1100, 250), span(TcpState::FinWait2, 1350, 2100, 250)},
                                        2350);
    QCOMPARE(TimelinePlan::estimatePollIntervalNs({a}), ms(250));
    // one slow poll does not move the median
    ConnectionHistory b = a;
    b.spans[1].firstSeenNs = ms(3100);
    b.spans[1].lastSeenNs = ms(3600);
    b.spans[1].polls = 3;
    QCOMPARE(TimelinePlan::estimatePollIntervalNs({a, b}), ms(250));
    // nothing to go by: a connection seen by one poll
    QCOMPARE(TimelinePlan::estimatePollIntervalNs({history(3, {span(TcpState::Established, 100, 100)})}), 0);
}

void TestTimelinePlan::shouldImplyTheHandshakeWhenBothEndsAreFirstSeenEstablished()
{
    const TimelinePlan plan = TimelinePlan::build(
        {lane(client, history(1, {span(TcpState::Established, 500, 1500)}), true),
         lane(server, history(2, {span(TcpState::Established, 500, 1500)}), false)},
        ms(1600));
    QCOMPARE(plan.segmentTexts(), (QStringList{arrow(client, server, QStringLiteral("SYN")),
                                               arrow(server, client, QStringLiteral("SYN,ACK")),
                                               arrow(client, server, QStringLiteral("ACK"))}));
    const QList<TimelinePlan::Segment> &s = plan.segments();
    QCOMPARE(s[0].fromLane, 0);
    QCOMPARE(s[0].toLane, 1);
    QCOMPARE(s[1].fromLane, 1);
    QCOMPARE(s[0].transition.from, TcpState::Close);
    QCOMPARE(s[0].transition.to, TcpState::SynSent);
    QCOMPARE(s[1].transition.from, TcpState::Listen);
    QCOMPARE(s[2].change.to, TcpState::Established);
    QVERIFY(s[0].change.impliedStart);
    // one exchange, in order
    QCOMPARE(plan.exchanges().size(), 1);
    QCOMPARE(plan.exchanges()[0].segmentCount, 3);
    QCOMPARE(s[2].indexInExchange, 2);
}

void TestTimelinePlan::shouldImplyFinAndAckWhenTheClientClosesFirst()
{
    const TimelinePlan plan = TimelinePlan::build(
        {lane(client, history(1, {span(TcpState::Established, 500, 1500), span(TcpState::FinWait2, 2000, 3000)}), true),
         lane(server, history(2, {span(TcpState::Established, 500, 1500), span(TcpState::CloseWait, 2000, 3000)}), false)},
        ms(3100));
    const QStringList all = plan.segmentTexts();
    QCOMPARE(all.size(), 5);
    QCOMPARE(all.mid(3), (QStringList{arrow(client, server, QStringLiteral("FIN")), arrow(server, client, QStringLiteral("ACK"))}));
    const TimelinePlan::Segment &fin = plan.segments()[3];
    QCOMPARE(fin.change.from, TcpState::Established);
    QCOMPARE(fin.change.to, TcpState::FinWait2);
    QCOMPARE(fin.transition.event, QStringLiteral("CLOSE"));
    QCOMPARE(fin.flags, TcpFlags(TcpFlag::Fin));
    QVERIFY(!fin.transition.isReceive());
    QCOMPARE(plan.segments()[4].transition.received, TcpFlags(TcpFlag::Fin));
    QCOMPARE(plan.segments()[4].flags, TcpFlags(TcpFlag::Ack));
    QCOMPARE(plan.exchanges().size(), 2);
}

void TestTimelinePlan::shouldImplyTheRestOfTheCloseWhenTheServerEndVanishes()
{
    const QList<TimelineLane> lanes = closedConnection();
    const TimelinePlan plan = TimelinePlan::build(lanes, ms(70000));
    QCOMPARE(plan.segmentTexts().mid(5), (QStringList{arrow(server, client, QStringLiteral("FIN")),
                                                      arrow(client, server, QStringLiteral("ACK"))}));
    const TimelinePlan::Segment &lastFin = plan.segments()[5];
    QCOMPARE(lastFin.change.from, TcpState::CloseWait);
    QCOMPARE(lastFin.change.to, TcpState::Close);
    QVERIFY(lastFin.change.impliedEnd);
    // TIME_WAIT ending sends nothing: three exchanges, the last of two segments
    QCOMPARE(plan.exchanges().size(), 3);
    QCOMPARE(plan.exchanges().last().segmentCount, 2);
}

void TestTimelinePlan::shouldStartAServerEndFromListen()
{
    // a poll caught both ends mid-handshake (TCP_DEFER_ACCEPT holds the server in SYN_RECV)
    const TimelinePlan plan = TimelinePlan::build(
        {lane(client, history(1, {span(TcpState::Established, 500, 500)}), true),
         lane(server, history(2, {span(TcpState::SynRecv, 500, 500)}), false)},
        ms(600));
    QCOMPARE(plan.segmentTexts(), (QStringList{arrow(client, server, QStringLiteral("SYN")),
                                               arrow(server, client, QStringLiteral("SYN,ACK")),
                                               arrow(client, server, QStringLiteral("ACK"))}));
    // the server end's changes are its StateWalk's legs, from LISTEN
    const TimelinePlan::Change &serverStart = plan.changes()[1];
    QCOMPARE(serverStart.lane, 1);
    QCOMPARE(serverStart.from, TcpState::Listen);
    QVERIFY(serverStart.impliedStart);
    QCOMPARE(serverStart.path.size(), 1);
    QCOMPARE(serverStart.path.first().received, TcpFlags(TcpFlag::Syn));
    QCOMPARE(serverStart.path.first().sent, TcpFlag::Syn | TcpFlag::Ack);
}

void TestTimelinePlan::shouldPlaceSegmentsInTheWindowOfTheirChange()
{
    const TimelinePlan plan = TimelinePlan::build(
        {lane(client, history(1, {span(TcpState::Established, 500, 1500), span(TcpState::FinWait2, 2000, 3000)}), true),
         lane(server, history(2, {span(TcpState::Established, 500, 1500), span(TcpState::CloseWait, 2000, 3000)}), false)},
        ms(3100));
    const TimelinePlan::Segment &fin = plan.segments()[3];
    QCOMPARE(fin.change.windowStartNs, ms(1500));
    QCOMPARE(fin.change.windowEndNs, ms(2000));
    const TimelinePlan::Exchange &close = plan.exchanges()[1];
    QCOMPARE(close.windowStartNs, ms(1500));
    QCOMPARE(close.windowEndNs, ms(2000));
    // the handshake: one poll interval (500 ms) before both ends were first seen
    QCOMPARE(plan.exchanges()[0].windowStartNs, ms(0));
    QCOMPARE(plan.exchanges()[0].windowEndNs, ms(500));
    // and the first states are drawn as begun somewhere in that window
    QCOMPARE(plan.lanes()[0].intervals[0].enteredAfterNs, ms(0));
}

void TestTimelinePlan::shouldNotLetTheServerAnswerBeforeTheClientAsked()
{
    // The client's connect() bounds its window; the server's guess may not reach before it.
    const TimelinePlan plan = TimelinePlan::build(
        {lane(client, history(1, {span(TcpState::Established, 500, 1500)}), true, {call(300, 1, LabCall::Kind::Connect, 0, EINPROGRESS)}),
         lane(server, history(2, {span(TcpState::Established, 500, 1500)}), false)},
        ms(1600));
    for (const TimelinePlan::Segment &s : plan.segments())
        QCOMPARE(s.change.windowStartNs, ms(300));
    QCOMPARE(plan.exchanges()[0].windowStartNs, ms(300));
}

void TestTimelinePlan::shouldImplyNothingWithOneLane()
{
    const TimelinePlan plan = TimelinePlan::build(
        {lane(client, history(1, {span(TcpState::Established, 500, 1500), span(TcpState::TimeWait, 2000, 3000)}), true)},
        ms(3100));
    QVERIFY(plan.segments().isEmpty());
    QVERIFY(plan.exchanges().isEmpty());
    QCOMPARE(plan.lanes().size(), 1);
    // the changes are still known, for the diagram and tooltips
    QCOMPARE(plan.changes().size(), 2);
}

void TestTimelinePlan::shouldStartTimeAtTheEarliestThingShown()
{
    const TimelinePlan plan = TimelinePlan::build(closedConnection(), ms(70000));
    QCOMPARE(plan.originNs(), ms(0));     // the client's socket() call
    QCOMPARE(plan.endNs(), ms(64310));    // TIME_WAIT ended
    QVERIFY(!plan.isLive());
    const TimelinePlan live = TimelinePlan::build(closedConnection(-1), ms(20000));
    QVERIFY(live.isLive());
    QCOMPARE(live.endNs(), ms(20000));
}

void TestTimelinePlan::shouldShowCapturedSegmentsInsteadOfImpliedOnes()
{
    const QList<WireSegment> wire = transferWire();
    QCOMPARE(wire.size(), 11); // the outgoing copy of each segment of the real capture
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), wire);
    // every segment, in the order it went, from its sender to its receiver
    QCOMPARE(plan.capturedTexts(), (QStringList{
                                       arrow(client, server, QStringLiteral("SYN seq=0")),
                                       arrow(server, client, QStringLiteral("SYN,ACK seq=0 ack=1")),
                                       arrow(client, server, QStringLiteral("ACK ack=1")),
                                       arrow(client, server, QStringLiteral("PSH,ACK seq=1 ack=1 len=300")),
                                       arrow(server, client, QStringLiteral("ACK ack=301")),
                                       arrow(server, client, QStringLiteral("PSH,ACK seq=1 ack=301 len=200")),
                                       arrow(client, server, QStringLiteral("ACK ack=201")),
                                       arrow(client, server, QStringLiteral("FIN,ACK seq=301 ack=201")),
                                       arrow(server, client, QStringLiteral("ACK ack=302")),
                                       arrow(server, client, QStringLiteral("FIN,ACK seq=201 ack=302")),
                                       arrow(client, server, QStringLiteral("ACK ack=202")),
                                   }));
    for (qsizetype i = 1; i < plan.captured().size(); ++i)
        QVERIFY(plan.captured()[i - 1].steadyNs() <= plan.captured()[i].steadyNs());
    // nothing is guessed where the wire shows what went
    QVERIFY(plan.segments().isEmpty());
    QVERIFY(plan.exchanges().isEmpty());
    QCOMPARE(plan.captured().first().steadyNs(), ms(10));
    QCOMPARE(plan.originNs(), ms(9.8)); // the client's socket()

    // A poll bears the time it began: the one that first saw the handshake done may be stamped
    // before the SYN went. Still nothing is implied once the SYN is on the wire.
    const TimelinePlan skewed = TimelinePlan::build(transferLanes(), ms(400), transferWire(20.5));
    QVERIFY(skewed.segments().isEmpty());
    QCOMPARE(skewed.captured().size(), 11);
}

void TestTimelinePlan::shouldSendEachCapturedSegmentFromTheLaneOfItsSender()
{
    // the server end first: lanes are matched by their rows' keys, not by their order
    QList<TimelineLane> lanes = transferLanes();
    std::swap(lanes[0], lanes[1]);
    const TimelinePlan plan = TimelinePlan::build(lanes, ms(400), transferWire());
    QCOMPARE(plan.captured().size(), 11);
    for (const TimelinePlan::Captured &c : plan.captured()) {
        const bool fromClient = c.wire.segment.source.port == transferClientPort;
        QCOMPARE(c.fromLane, fromClient ? 1 : 0);
        QCOMPARE(c.toLane, fromClient ? 0 : 1);
        QCOMPARE(lanes[c.fromLane].history.key, c.wire.senderKey());
    }
    QCOMPARE(plan.capturedTexts().first(), arrow(client, server, QStringLiteral("SYN seq=0")));

    // a segment of another connection (another 4-tuple) has no lane to go from or to
    QList<WireSegment> other = transferWire();
    for (WireSegment &w : other) {
        (w.segment.source.port == transferClientPort ? w.segment.source : w.segment.destination).port = 40099;
    }
    QVERIFY(TimelinePlan::build(transferLanes(), ms(400), other).captured().isEmpty());
    // nor with one lane: there is no ladder
    QVERIFY(TimelinePlan::build({transferLanes().first()}, ms(400), transferWire()).captured().isEmpty());
}

void TestTimelinePlan::shouldLabelCapturedSegmentsWithRelativeNumbersAndTheirData()
{
    const QList<WireSegment> wire = transferWire();
    QCOMPARE(TimelinePlan::capturedLabels(wire[0]), (QStringList{QStringLiteral("SYN seq=0"), QStringLiteral("SYN")}));
    // a pure ACK takes no sequence space: its seq says nothing
    QCOMPARE(TimelinePlan::capturedLabels(wire[2]), (QStringList{QStringLiteral("ACK ack=1"), QStringLiteral("ACK")}));
    // data: the bytes it carries stay in the shorter labels too
    QCOMPARE(TimelinePlan::capturedLabels(wire[3]), (QStringList{QStringLiteral("PSH,ACK seq=1 ack=1 len=300"),
                                                                  QStringLiteral("PSH,ACK len=300"), QStringLiteral("len=300"),
                                                                  QStringLiteral("PSH,ACK")}));
    QCOMPARE(TimelinePlan::capturedLabel(wire[9]), QStringLiteral("FIN,ACK seq=201 ack=302"));
    // a reset keeps its seq, which is what the receiver checks it against
    WireSegment reset = wire[2];
    reset.segment.flags = SegmentFlag::Rst | SegmentFlag::Ack;
    QCOMPARE(TimelinePlan::capturedLabel(reset), QStringLiteral("RST,ACK seq=1 ack=1"));
}

void TestTimelinePlan::shouldImplySegmentsWhereNothingWasCaptured()
{
    // the host's network, or a file from before sockscope captured: the same histories imply
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400));
    QVERIFY(plan.captured().isEmpty());
    QVERIFY(plan.capturedTexts().isEmpty());
    QCOMPARE(plan.segmentTexts().mid(0, 4), (QStringList{arrow(client, server, QStringLiteral("SYN")),
                                                         arrow(server, client, QStringLiteral("SYN,ACK")),
                                                         arrow(client, server, QStringLiteral("ACK")),
                                                         arrow(client, server, QStringLiteral("FIN"))}));
}

void TestTimelinePlan::shouldImplyOnlyWhatHappenedBeforeACaptureThatBeganLate()
{
    // The handshake is not on the wire (the capture began after it, or lost it to its bound):
    // the handshake the first polls imply stays, everything after it is what was captured.
    const QList<WireSegment> late = transferWire().mid(3);
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), late);
    QCOMPARE(plan.segmentTexts(), (QStringList{arrow(client, server, QStringLiteral("SYN")),
                                               arrow(server, client, QStringLiteral("SYN,ACK")),
                                               arrow(client, server, QStringLiteral("ACK"))}));
    for (const TimelinePlan::Segment &s : plan.segments())
        QVERIFY(s.change.windowEndNs < late.first().steadyNs);
    QCOMPARE(plan.captured().size(), 8);
    QCOMPARE(plan.exchanges().size(), 1);
}

void TestTimelinePlan::shouldTimeByPacketTheStatesNoPollSaw()
{
    const TimelinePlan plan = TimelinePlan::build(transferLanes(), ms(400), transferWire());
    const QList<TimelinePlan::Captured> &wire = plan.captured();
    const auto spans = [&plan](int lane) {
        QStringList out;
        for (const TimelinePlan::PacketSpan &s : plan.lanes()[lane].packetSpans)
            out << kernelName(s.state);
        return out;
    };
    // The client's SYN_SENT (SYN to SYN,ACK) and FIN_WAIT2 (the ACK of its FIN to the server's
    // FIN); the server end's SYN_RECV (the SYN to the ACK of its SYN,ACK) and LAST_ACK (its FIN
    // to the ACK of it). The states the polls saw are not repeated.
    QCOMPARE(spans(0), (QStringList{QStringLiteral("SYN_SENT"), QStringLiteral("FIN_WAIT2")}));
    QCOMPARE(spans(1), (QStringList{QStringLiteral("SYN_RECV"), QStringLiteral("LAST_ACK")}));
    const TimelinePlan::PacketSpan &synSent = plan.lanes()[0].packetSpans[0];
    QCOMPARE(synSent.startNs, wire[0].steadyNs());
    QCOMPARE(synSent.endNs, wire[1].steadyNs());
    QVERIFY2(synSent.enteredBy.startsWith(QStringLiteral("it sent SYN seq=0")), qPrintable(synSent.enteredBy));
    QVERIFY2(synSent.leftBy.startsWith(QStringLiteral("SYN,ACK seq=0 ack=1")), qPrintable(synSent.leftBy));
    QVERIFY(synSent.leftBy.endsWith(QStringLiteral(" from accepted #1")));
    const TimelinePlan::PacketSpan &synRecv = plan.lanes()[1].packetSpans[0];
    QCOMPARE(synRecv.startNs, wire[0].steadyNs());
    QCOMPARE(synRecv.endNs, wire[2].steadyNs());
    const TimelinePlan::PacketSpan &lastAck = plan.lanes()[1].packetSpans[1];
    QCOMPARE(lastAck.startNs, wire[9].steadyNs());
    QCOMPARE(lastAck.endNs, wire[10].steadyNs());

    // without a capture, nothing is timed by packet
    const TimelinePlan implied = TimelinePlan::build(transferLanes(), ms(400));
    QVERIFY(implied.lanes()[0].packetSpans.isEmpty());
    QVERIFY(implied.lanes()[1].packetSpans.isEmpty());
}

QTEST_GUILESS_MAIN(TestTimelinePlan)
#include "tst_timelineplan.moc"
