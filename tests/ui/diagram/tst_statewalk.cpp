// SPDX-License-Identifier: GPL-3.0-or-later
// From the states polls saw to the way through the diagram: what was observed, and what the
// RFC path says was passed in between without any poll seeing it.
#include "ui/diagram/statewalk.h"

#include "historybuilder.h"

#include <QTest>

using namespace sockscope;
using namespace sockscope::test;
using S = TcpState;

namespace {

QList<StateWalk::Step> steps(std::initializer_list<std::tuple<S, S, bool>> list)
{
    QList<StateWalk::Step> out;
    for (const auto &[from, to, observed] : list)
        out.append({edgeOf(from, to), observed});
    return out;
}

} // namespace

class TestStateWalk : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldImplySynSentBeforeAClientFirstSeenEstablished();
    void shouldImplySynRecvBeforeAServerEndFirstSeenEstablished();
    void shouldImplyWhatLiesBetweenEstablishedAndTimeWait();
    void shouldCountDirectTransitionsAsObserved();
    void shouldEndInClosedAfterTheConnectionVanished();
    void shouldImplyNothingForAListenerSeenListening();
    void shouldListEachPassedStateOnceAndNeverAnObservedOne();
    void shouldWalkThroughTheStatesInOrder();
};

void TestStateWalk::shouldImplySynSentBeforeAClientFirstSeenEstablished()
{
    const StateWalk walk = StateWalk::of(historyOf(1, {S::Established}), true);
    QCOMPARE(walk.start, S::Close);
    QCOMPARE(walk.current, S::Established);
    QCOMPARE(walk.observed, QList<S>{S::Established});
    QCOMPARE(walk.passedNotObserved, (QList<S>{S::Close, S::SynSent}));
    QCOMPARE(walk.steps, steps({{S::Close, S::SynSent, false}, {S::SynSent, S::Established, false}}));
}

void TestStateWalk::shouldImplySynRecvBeforeAServerEndFirstSeenEstablished()
{
    const StateWalk walk = StateWalk::of(historyOf(1, {S::Established}), false);
    QCOMPARE(walk.start, S::Listen);
    QCOMPARE(walk.passedNotObserved, (QList<S>{S::Listen, S::SynRecv}));
    QCOMPARE(walk.steps, steps({{S::Listen, S::SynRecv, false}, {S::SynRecv, S::Established, false}}));
}

void TestStateWalk::shouldImplyWhatLiesBetweenEstablishedAndTimeWait()
{
    const StateWalk walk = StateWalk::of(historyOf(1, {S::SynSent, S::Established, S::TimeWait}), true);
    QCOMPARE(walk.observed, (QList<S>{S::SynSent, S::Established, S::TimeWait}));
    // the shortest RFC way is the one its note 2 describes: FIN and ACK of FIN together
    QCOMPARE(walk.passedNotObserved, (QList<S>{S::Close, S::FinWait1}));
    QCOMPARE(walk.steps.mid(2),
             steps({{S::Established, S::FinWait1, false}, {S::FinWait1, S::TimeWait, false}}));
    QCOMPARE(walk.current, S::TimeWait);
}

void TestStateWalk::shouldCountDirectTransitionsAsObserved()
{
    const StateWalk walk = StateWalk::of(historyOf(1, {S::SynSent, S::Established, S::FinWait1, S::FinWait2}), true);
    QCOMPARE(walk.passedNotObserved, QList<S>{S::Close}); // only where it began
    QCOMPARE(walk.steps, steps({{S::Close, S::SynSent, false},
                                {S::SynSent, S::Established, true},
                                {S::Established, S::FinWait1, true},
                                {S::FinWait1, S::FinWait2, true}}));
}

void TestStateWalk::shouldEndInClosedAfterTheConnectionVanished()
{
    const StateWalk timeWait = StateWalk::of(historyOf(1, {S::Established, S::TimeWait}, false), true);
    QCOMPARE(timeWait.current, S::Close);
    QCOMPARE(timeWait.steps.last(), steps({{S::TimeWait, S::Close, false}}).first());
    QVERIFY(timeWait.passedNotObserved.contains(S::Close));
    QVERIFY(!timeWait.observed.contains(S::Close));

    // a server end that vanished from CLOSE_WAIT: closed, sent its FIN, got the ACK
    const StateWalk closeWait = StateWalk::of(historyOf(2, {S::Established, S::CloseWait}, false), false);
    QCOMPARE(closeWait.current, S::Close);
    QCOMPARE(closeWait.passedNotObserved, (QList<S>{S::Listen, S::SynRecv, S::LastAck, S::Close}));
}

void TestStateWalk::shouldImplyNothingForAListenerSeenListening()
{
    const StateWalk walk = StateWalk::of(historyOf(1, {S::Listen}), false);
    QCOMPARE(walk.start, S::Listen);
    QCOMPARE(walk.current, S::Listen);
    QVERIFY(walk.steps.isEmpty());
    QVERIFY(walk.passedNotObserved.isEmpty());
    QCOMPARE(walk.observed, QList<S>{S::Listen});
}

void TestStateWalk::shouldListEachPassedStateOnceAndNeverAnObservedOne()
{
    // Begins in CLOSED (implied) and ends there after vanishing: CLOSED is listed once.
    const StateWalk walk = StateWalk::of(historyOf(1, {S::Listen}, false), true);
    QCOMPARE(walk.passedNotObserved, QList<S>{S::Close});
    QCOMPARE(walk.steps, steps({{S::Close, S::Listen, false}, {S::Listen, S::Close, false}}));

    // SYN_SENT was seen, so the way back through it after a simultaneous open is not "passed"
    const StateWalk again = StateWalk::of(historyOf(2, {S::SynSent, S::SynRecv, S::Established}), true);
    for (S s : again.passedNotObserved)
        QVERIFY(!again.observed.contains(s));
}

void TestStateWalk::shouldWalkThroughTheStatesInOrder()
{
    const StateWalk walk = StateWalk::of(historyOf(1, {S::Established, S::FinWait2}), true);
    QCOMPARE(walk.visited(), (QList<S>{S::Close, S::SynSent, S::Established, S::FinWait1, S::FinWait2}));
    QVERIFY(StateWalk::of(ConnectionHistory(), true).steps.isEmpty());
}

QTEST_GUILESS_MAIN(TestStateWalk)
#include "tst_statewalk.moc"
