// SPDX-License-Identifier: GPL-3.0-or-later
// From the states polls saw to the way through the RFC 9293 diagram: what was observed, what the
// RFC path says was passed in between without any poll seeing it, and the segments each step
// sends and receives. The state diagram and the timeline both draw this one walk.
#include "core/tcp/statewalk.h"

#include <QTest>

using namespace sockscope;
using S = TcpState;
using F = TcpFlag;
using Leg = StateWalk::Leg;

namespace {

// The index of the transition from -> to in TcpStateMachine::transitions(), or -1.
int edgeOf(S from, S to)
{
    const QList<TcpTransition> &all = TcpStateMachine::transitions();
    for (int i = 0; i < all.size(); ++i) {
        if (all[i].from == from && all[i].to == to)
            return i;
    }
    return -1;
}

QList<StateWalk::Step> steps(std::initializer_list<std::tuple<S, S, bool>> list)
{
    QList<StateWalk::Step> out;
    for (const auto &[from, to, observed] : list)
        out.append({edgeOf(from, to), observed});
    return out;
}

// A walk of one end that is still in the table (alive) unless said otherwise.
StateWalk walkOf(std::initializer_list<S> seen, bool clientSide, bool vanished = false)
{
    return StateWalk::of(QList<S>(seen), vanished, clientSide);
}

// What a leg's steps send, in order ("SYN", "ACK", ...), and what they wait to receive.
QStringList sent(const StateWalk &walk, const Leg &leg)
{
    QStringList out;
    for (const TcpTransition &t : walk.transitionsOf(leg)) {
        if (t.sends())
            out << tcpFlagsText(t.sent);
    }
    return out;
}

QStringList received(const StateWalk &walk, const Leg &leg)
{
    QStringList out;
    for (const TcpTransition &t : walk.transitionsOf(leg)) {
        if (t.isReceive())
            out << tcpFlagsText(t.received);
    }
    return out;
}

struct Span
{
    S state;
};

struct History
{
    QList<Span> spans;
    bool alive = true;
};

} // namespace

class TestStateWalk : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldStartAClientInClosedAndAServerEndInListen();
    void shouldImplySynSentBeforeAClientFirstSeenEstablished();
    void shouldImplySynRecvBeforeAServerEndFirstSeenEstablished();
    void shouldImplyWhatLiesBetweenEstablishedAndTimeWait();
    void shouldCountDirectTransitionsAsObserved();
    void shouldEndInClosedAfterTheConnectionVanished();
    void shouldImplyNothingForAListenerSeenListening();
    void shouldListEachPassedStateOnceAndNeverAnObservedOne();
    void shouldWalkThroughTheStatesInOrder();
    void shouldKeepOneLegPerChangeWithItsObservations();
    void shouldSayWhatEachLegSendsAndReceives();
    void shouldWalkAHistoryAsItsStates();
    void shouldTimeByPacketWhatTheSegmentsProve();
    void shouldTakeTheWayTheSegmentsTookOverTheShortestOne();
    void shouldKeepGuessingWhereTheSegmentsSayNothing();
};

void TestStateWalk::shouldStartAClientInClosedAndAServerEndInListen()
{
    QCOMPARE(StateWalk::impliedStart(true), S::Close);
    QCOMPARE(StateWalk::impliedStart(false), S::Listen);
}

void TestStateWalk::shouldImplySynSentBeforeAClientFirstSeenEstablished()
{
    const StateWalk walk = walkOf({S::Established}, true);
    QCOMPARE(walk.start, S::Close);
    QCOMPARE(walk.current, S::Established);
    QCOMPARE(walk.observed, QList<S>{S::Established});
    QCOMPARE(walk.passedNotObserved, (QList<S>{S::Close, S::SynSent}));
    QCOMPARE(walk.steps, steps({{S::Close, S::SynSent, false}, {S::SynSent, S::Established, false}}));
}

void TestStateWalk::shouldImplySynRecvBeforeAServerEndFirstSeenEstablished()
{
    const StateWalk walk = walkOf({S::Established}, false);
    QCOMPARE(walk.start, S::Listen);
    QCOMPARE(walk.passedNotObserved, (QList<S>{S::Listen, S::SynRecv}));
    QCOMPARE(walk.steps, steps({{S::Listen, S::SynRecv, false}, {S::SynRecv, S::Established, false}}));
}

void TestStateWalk::shouldImplyWhatLiesBetweenEstablishedAndTimeWait()
{
    const StateWalk walk = walkOf({S::SynSent, S::Established, S::TimeWait}, true);
    QCOMPARE(walk.observed, (QList<S>{S::SynSent, S::Established, S::TimeWait}));
    // the shortest RFC way is the one its note 2 describes: FIN and ACK of FIN together
    QCOMPARE(walk.passedNotObserved, (QList<S>{S::Close, S::FinWait1}));
    QCOMPARE(walk.steps.mid(2), steps({{S::Established, S::FinWait1, false}, {S::FinWait1, S::TimeWait, false}}));
    QCOMPARE(walk.current, S::TimeWait);
}

void TestStateWalk::shouldCountDirectTransitionsAsObserved()
{
    const StateWalk walk = walkOf({S::SynSent, S::Established, S::FinWait1, S::FinWait2}, true);
    QCOMPARE(walk.passedNotObserved, QList<S>{S::Close}); // only where it began
    QCOMPARE(walk.steps, steps({{S::Close, S::SynSent, false},
                                {S::SynSent, S::Established, true},
                                {S::Established, S::FinWait1, true},
                                {S::FinWait1, S::FinWait2, true}}));
}

void TestStateWalk::shouldEndInClosedAfterTheConnectionVanished()
{
    const StateWalk timeWait = walkOf({S::Established, S::TimeWait}, true, true);
    QCOMPARE(timeWait.current, S::Close);
    QCOMPARE(timeWait.steps.last(), steps({{S::TimeWait, S::Close, false}}).first());
    QVERIFY(timeWait.passedNotObserved.contains(S::Close));
    QVERIFY(!timeWait.observed.contains(S::Close));

    // a server end that vanished from CLOSE_WAIT: closed, sent its FIN, got the ACK
    const StateWalk closeWait = walkOf({S::Established, S::CloseWait}, false, true);
    QCOMPARE(closeWait.current, S::Close);
    QCOMPARE(closeWait.passedNotObserved, (QList<S>{S::Listen, S::SynRecv, S::LastAck, S::Close}));

    // one that vanished from CLOSED itself ends there, with nothing implied after it
    const StateWalk closed = walkOf({S::Established, S::Close}, true, true);
    QCOMPARE(closed.legs.last().kind, Leg::Kind::Observed);
}

void TestStateWalk::shouldImplyNothingForAListenerSeenListening()
{
    const StateWalk walk = walkOf({S::Listen}, false);
    QCOMPARE(walk.start, S::Listen);
    QCOMPARE(walk.current, S::Listen);
    QVERIFY(walk.steps.isEmpty());
    QVERIFY(walk.legs.isEmpty());
    QVERIFY(walk.passedNotObserved.isEmpty());
    QCOMPARE(walk.observed, QList<S>{S::Listen});
}

void TestStateWalk::shouldListEachPassedStateOnceAndNeverAnObservedOne()
{
    // Begins in CLOSED (implied) and ends there after vanishing: CLOSED is listed once.
    const StateWalk walk = walkOf({S::Listen}, true, true);
    QCOMPARE(walk.passedNotObserved, QList<S>{S::Close});
    QCOMPARE(walk.steps, steps({{S::Close, S::Listen, false}, {S::Listen, S::Close, false}}));

    // SYN_SENT was seen, so the way back through it after a simultaneous open is not "passed"
    const StateWalk again = walkOf({S::SynSent, S::SynRecv, S::Established}, true);
    for (S s : again.passedNotObserved)
        QVERIFY(!again.observed.contains(s));
}

void TestStateWalk::shouldWalkThroughTheStatesInOrder()
{
    const StateWalk walk = walkOf({S::Established, S::FinWait2}, true);
    QCOMPARE(walk.visited(), (QList<S>{S::Close, S::SynSent, S::Established, S::FinWait1, S::FinWait2}));
    QVERIFY(StateWalk::of({}, false, true).steps.isEmpty());
    QVERIFY(StateWalk::of({}, true, true).legs.isEmpty());
}

void TestStateWalk::shouldKeepOneLegPerChangeWithItsObservations()
{
    // seen: ESTABLISHED, ESTABLISHED again (a dropped span between), FIN_WAIT2; then gone
    const StateWalk walk = walkOf({S::Established, S::Established, S::FinWait2}, true, true);
    QCOMPARE(walk.legs.size(), 4);
    const Leg &start = walk.legs[0];
    QCOMPARE(start.kind, Leg::Kind::ImpliedStart);
    QCOMPARE(start.from, S::Close);
    QCOMPARE(start.to, S::Established);
    QCOMPARE(start.fromIndex, -1);
    QCOMPARE(start.toIndex, 0);
    QCOMPARE(start.stepCount, 2);
    const Leg &same = walk.legs[1];
    QCOMPARE(same.kind, Leg::Kind::Observed);
    QCOMPARE(same.fromIndex, 0);
    QCOMPARE(same.toIndex, 1);
    QCOMPARE(same.stepCount, 0);
    const Leg &close = walk.legs[2];
    QCOMPARE(close.fromIndex, 1);
    QCOMPARE(close.toIndex, 2);
    QCOMPARE(walk.transitionsOf(close).size(), 2); // via FIN_WAIT1
    const Leg &end = walk.legs[3];
    QCOMPARE(end.kind, Leg::Kind::ImpliedEnd);
    QCOMPARE(end.fromIndex, 2);
    QCOMPARE(end.toIndex, -1);
    QCOMPARE(end.to, S::Close);
    // the legs' steps, in order, are the walk's steps
    qsizetype next = 0;
    for (const Leg &leg : walk.legs) {
        QCOMPARE(leg.firstStep, next);
        next += leg.stepCount;
    }
    QCOMPARE(next, walk.steps.size());
}

void TestStateWalk::shouldSayWhatEachLegSendsAndReceives()
{
    // The client's handshake: it sends SYN, waits for SYN,ACK, answers ACK.
    const StateWalk client = walkOf({S::Established, S::FinWait2}, true);
    QCOMPARE(sent(client, client.legs[0]), (QStringList{QStringLiteral("SYN"), QStringLiteral("ACK")}));
    QCOMPARE(received(client, client.legs[0]), QStringList{QStringLiteral("SYN,ACK")});
    // its close: FIN out, the ACK of it back
    QCOMPARE(sent(client, client.legs[1]), QStringList{QStringLiteral("FIN")});
    QCOMPARE(received(client, client.legs[1]), QStringList{QStringLiteral("ACK")});
    // the typed flags themselves
    const QList<TcpTransition> handshake = client.transitionsOf(client.legs[0]);
    QCOMPARE(handshake[0].sent, TcpFlags(F::Syn));
    QVERIFY(!handshake[0].isReceive());
    QCOMPARE(handshake[1].received, F::Syn | F::Ack);
    QCOMPARE(handshake[1].sent, TcpFlags(F::Ack));

    // The server end: SYN in, SYN,ACK out, ACK in; then the peer's FIN, answered with ACK.
    const StateWalk server = walkOf({S::Established, S::CloseWait}, false, true);
    QCOMPARE(received(server, server.legs[0]), (QStringList{QStringLiteral("SYN"), QStringLiteral("ACK")}));
    QCOMPARE(sent(server, server.legs[0]), QStringList{QStringLiteral("SYN,ACK")});
    QCOMPARE(received(server, server.legs[1]), QStringList{QStringLiteral("FIN")});
    QCOMPARE(sent(server, server.legs[1]), QStringList{QStringLiteral("ACK")});
    // vanished from CLOSE_WAIT: its own FIN, and the last ACK
    QCOMPARE(sent(server, server.legs[2]), QStringList{QStringLiteral("FIN")});
    QCOMPARE(received(server, server.legs[2]), QStringList{QStringLiteral("ACK")});

    // TIME_WAIT ending sends and receives nothing
    const StateWalk timeWait = walkOf({S::TimeWait}, true, true);
    QVERIFY(sent(timeWait, timeWait.legs.last()).isEmpty());
    QVERIFY(received(timeWait, timeWait.legs.last()).isEmpty());
}

void TestStateWalk::shouldWalkAHistoryAsItsStates()
{
    const History h{{{S::SynSent}, {S::Established}, {S::TimeWait}}, false};
    const StateWalk fromHistory = StateWalk::ofHistory(h, true);
    const StateWalk fromStates = walkOf({S::SynSent, S::Established, S::TimeWait}, true, true);
    QCOMPARE(fromHistory.steps, fromStates.steps);
    QCOMPARE(fromHistory.legs, fromStates.legs);
    QCOMPARE(fromHistory.current, S::Close);
}

QTEST_GUILESS_MAIN(TestStateWalk)
#include "tst_statewalk.moc"

void TestStateWalk::shouldTimeByPacketWhatTheSegmentsProve()
{
    // The server end first seen ESTABLISHED: the SYN it received and the ACK of its SYN,ACK
    // prove LISTEN -> SYN_RECV -> ESTABLISHED, which no poll saw.
    const QList<StateWalk::Change> packets{{S::Listen, S::SynRecv}, {S::SynRecv, S::Established}};
    const StateWalk walk = StateWalk::of({S::Established}, false, false, packets);
    QCOMPARE(walk.observed, QList<S>{S::Established});
    QCOMPARE(walk.timedByPacket, (QList<S>{S::Listen, S::SynRecv}));
    QVERIFY(walk.passedNotObserved.isEmpty());
    QCOMPARE(walk.steps.size(), 2);
    for (const StateWalk::Step &step : walk.steps) {
        QVERIFY(step.byPacket);
        QVERIFY(!step.observed);
    }
    // The passive closer seen in CLOSE_WAIT, then gone: its FIN and the ACK of it prove LAST_ACK
    // and CLOSED.
    const QList<StateWalk::Change> closing{{S::Established, S::CloseWait}, {S::CloseWait, S::LastAck}, {S::LastAck, S::Close}};
    const StateWalk closed = StateWalk::of({S::Established, S::CloseWait}, true, false, closing);
    QCOMPARE(closed.current, S::Close);
    QCOMPARE(closed.timedByPacket, (QList<S>{S::LastAck, S::Close}));
    QVERIFY(!closed.passedNotObserved.contains(S::LastAck));
    QCOMPARE(closed.passedNotObserved, (QList<S>{S::Listen, S::SynRecv})); // before the capture's first change
    QVERIFY(closed.steps[2].observed); // ESTABLISHED -> CLOSE_WAIT: seen by two polls in a row
    QVERIFY(closed.steps[2].byPacket); // and timed by the FIN
}

void TestStateWalk::shouldTakeTheWayTheSegmentsTookOverTheShortestOne()
{
    // Seen ESTABLISHED then TIME_WAIT. Without segments the shortest RFC way is guessed; the
    // segments show a simultaneous close through CLOSING.
    const StateWalk guessed = walkOf({S::Established, S::TimeWait}, true);
    QVERIFY(!guessed.visited().contains(S::Closing));
    const QList<StateWalk::Change> packets{{S::Close, S::SynSent}, {S::SynSent, S::Established},
                                           {S::Established, S::FinWait1}, {S::FinWait1, S::Closing},
                                           {S::Closing, S::TimeWait}};
    const StateWalk walk = StateWalk::of({S::Established, S::TimeWait}, false, true, packets);
    QCOMPARE(walk.visited(), (QList<S>{S::Close, S::SynSent, S::Established, S::FinWait1, S::Closing, S::TimeWait}));
    QCOMPARE(walk.timedByPacket, (QList<S>{S::Close, S::SynSent, S::FinWait1, S::Closing}));
    QVERIFY(walk.passedNotObserved.isEmpty());
}

void TestStateWalk::shouldKeepGuessingWhereTheSegmentsSayNothing()
{
    // Segments that join none of the observations (another end's, or a capture that began
    // later) change nothing: the walk is the one without them.
    const QList<StateWalk::Change> unrelated{{S::Listen, S::SynRecv}};
    const StateWalk walk = StateWalk::of({S::Established, S::FinWait2}, false, true, unrelated);
    const StateWalk plain = walkOf({S::Established, S::FinWait2}, true);
    QCOMPARE(walk.visited(), plain.visited());
    QCOMPARE(walk.passedNotObserved, plain.passedNotObserved);
    QVERIFY(walk.timedByPacket.isEmpty());
}
