// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tcp/tcpstatemachine.h"

#include <QTest>

using namespace sockscope;
using S = TcpState;

namespace {

QStringList names(const QList<TcpTransition> &path)
{
    QStringList out;
    if (path.isEmpty())
        return out;
    out << kernelName(path.first().from);
    for (const TcpTransition &t : path)
        out << kernelName(t.to);
    return out;
}

} // namespace

class TestTcpStateMachine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldLabelTheHandshakeEdgesLikeTheRfc();
    void shouldCarryTheSegmentsEachArrowSendsAndReceives();
    void shouldReachEveryStateFromClosed();
    void shouldFindTheShortestPath_data();
    void shouldFindTheShortestPath();
    void shouldReturnEmptyPathForSameState();
    void shouldNotPassThroughClosedWhenAsked();
    void shouldKnowWhichStatesCanFollow();
};

void TestTcpStateMachine::shouldLabelTheHandshakeEdgesLikeTheRfc()
{
    const QList<TcpTransition> fromListen = TcpStateMachine::transitionsFrom(S::Listen);
    auto it = std::find_if(fromListen.begin(), fromListen.end(),
                           [](const TcpTransition &t) { return t.to == S::SynRecv; });
    QVERIFY(it != fromListen.end());
    QCOMPARE(it->label(), QStringLiteral("rcv SYN / snd SYN,ACK"));

    const QList<TcpTransition> path = TcpStateMachine::shortestPath(S::Established, S::TimeWait);
    QCOMPARE(path.size(), 2); // via FIN_WAIT1 and the note-2 shortcut
    QCOMPARE(path.first().label(), QStringLiteral("CLOSE / snd FIN"));
    QVERIFY(TcpStateMachine::isDirectTransition(S::TimeWait, S::Close));
    QCOMPARE(TcpStateMachine::transitionsFrom(S::TimeWait).first().event, QStringLiteral("Timeout=2MSL"));

    // RFC 9293 figure 5 draws 20 arrows; note 2 adds FIN-WAIT-1 -> TIME-WAIT.
    QCOMPARE(TcpStateMachine::transitions().size(), 21);
    const auto notDrawn = std::count_if(TcpStateMachine::transitions().begin(), TcpStateMachine::transitions().end(),
                                        [](const TcpTransition &t) { return !t.inFigure; });
    QCOMPARE(notDrawn, 1);
}

void TestTcpStateMachine::shouldCarryTheSegmentsEachArrowSendsAndReceives()
{
    // The flags are the data; the RFC's words on each arrow say the same.
    for (const TcpTransition &t : TcpStateMachine::transitions()) {
        QCOMPARE(t.action, t.sends() ? QStringLiteral("snd ") + tcpFlagsText(t.sent) : QString());
        QCOMPARE(t.event.startsWith(QLatin1String("rcv ")), t.isReceive());
        if (t.isReceive())
            QVERIFY2(t.event.startsWith(QStringLiteral("rcv ") + tcpFlagsText(t.received)), qPrintable(t.label()));
    }
    const QList<TcpTransition> synSent = TcpStateMachine::transitionsFrom(S::SynSent);
    const auto established = std::find_if(synSent.begin(), synSent.end(),
                                          [](const TcpTransition &t) { return t.to == S::Established; });
    QCOMPARE(established->received, TcpFlag::Syn | TcpFlag::Ack);
    QCOMPARE(established->sent, TcpFlags(TcpFlag::Ack));
    QCOMPARE(tcpFlagsText(TcpFlag::Fin | TcpFlag::Ack), QStringLiteral("FIN,ACK"));
    QCOMPARE(tcpFlagsText(TcpFlag::Rst), QStringLiteral("RST"));
    QCOMPARE(tcpFlagsText({}), QString());
}

void TestTcpStateMachine::shouldReachEveryStateFromClosed()
{
    for (TcpState s : allTcpStates()) {
        if (s == S::Close)
            continue;
        QVERIFY2(!TcpStateMachine::shortestPath(S::Close, s).isEmpty(), qPrintable(kernelName(s)));
        QVERIFY2(!TcpStateMachine::shortestPath(s, S::Close).isEmpty(), qPrintable(kernelName(s)));
    }
}

void TestTcpStateMachine::shouldFindTheShortestPath_data()
{
    QTest::addColumn<int>("from");
    QTest::addColumn<int>("to");
    QTest::addColumn<QStringList>("expected");
    QTest::newRow("active open") << int(S::Close) << int(S::Established)
                                 << QStringList{"CLOSE", "SYN_SENT", "ESTABLISHED"};
    QTest::newRow("passive open") << int(S::Listen) << int(S::Established)
                                  << QStringList{"LISTEN", "SYN_RECV", "ESTABLISHED"};
    QTest::newRow("passive close") << int(S::Established) << int(S::Close)
                                   << QStringList{"ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"};
    QTest::newRow("half close then fin") << int(S::FinWait2) << int(S::Close)
                                         << QStringList{"FIN_WAIT2", "TIME_WAIT", "CLOSE"};
    QTest::newRow("simultaneous close") << int(S::Closing) << int(S::Close)
                                        << QStringList{"CLOSING", "TIME_WAIT", "CLOSE"};
    QTest::newRow("simultaneous open") << int(S::SynSent) << int(S::SynRecv)
                                       << QStringList{"SYN_SENT", "SYN_RECV"};
}

void TestTcpStateMachine::shouldFindTheShortestPath()
{
    QFETCH(int, from);
    QFETCH(int, to);
    QFETCH(QStringList, expected);
    const QList<TcpTransition> path = TcpStateMachine::shortestPath(TcpState(from), TcpState(to));
    QCOMPARE(names(path), expected);
    for (qsizetype i = 1; i < path.size(); ++i)
        QCOMPARE(path[i].from, path[i - 1].to);
}

void TestTcpStateMachine::shouldReturnEmptyPathForSameState()
{
    QVERIFY(TcpStateMachine::shortestPath(S::Listen, S::Listen).isEmpty());
    QVERIFY(TcpStateMachine::isReachable(S::Listen, S::Listen));
}

void TestTcpStateMachine::shouldNotPassThroughClosedWhenAsked()
{
    // TIME_WAIT can only end; a SYN_SENT on the same 4-tuple is a new connection.
    QVERIFY(!TcpStateMachine::shortestPath(S::TimeWait, S::SynSent).isEmpty());
    QVERIFY(TcpStateMachine::shortestPath(S::TimeWait, S::SynSent,
                                          TcpStateMachine::Through::NotClosed).isEmpty());
    QVERIFY(!TcpStateMachine::isReachable(S::TimeWait, S::Established));
    QVERIFY(!TcpStateMachine::isReachable(S::CloseWait, S::Established));
    QVERIFY(!TcpStateMachine::isReachable(S::Established, S::SynSent));
}

void TestTcpStateMachine::shouldKnowWhichStatesCanFollow()
{
    QVERIFY(TcpStateMachine::isReachable(S::Established, S::TimeWait));
    QVERIFY(TcpStateMachine::isReachable(S::SynRecv, S::CloseWait));
    QVERIFY(TcpStateMachine::isReachable(S::FinWait1, S::TimeWait));
    QVERIFY(!TcpStateMachine::isReachable(S::FinWait2, S::FinWait1));
    QVERIFY(!TcpStateMachine::isReachable(S::LastAck, S::CloseWait));
}

QTEST_GUILESS_MAIN(TestTcpStateMachine)
#include "tst_tcpstatemachine.moc"
