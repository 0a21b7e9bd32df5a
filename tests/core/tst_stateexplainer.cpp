// SPDX-License-Identifier: GPL-3.0-or-later
// The explanation of a state cites the facts of the kernel's own row: real rows from
// tests/data/proc-net-tcp.txt (tests/data/README.md says what each one holds).
#include "core/parsers/procnettcpparser.h"
#include "core/tcp/stateexplainer.h"

#include "../common/fixtures.h"

#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

class TestStateExplainer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldCiteTheListenersAcceptQueue();
    void shouldSayAnEmptyAcceptQueueIsEmpty();
    void shouldCiteTheTimeWaitCountdown();
    void shouldCiteTheZeroWindowProbeAndTheQueuedFin();
    void shouldTellAnOrphanedFinWait2FromAHalfClosedOne();
    void shouldSayAnUnacceptedConnectionWaitsForAccept();
    void shouldCiteTheSynRetransmissions();
    void shouldCiteTheKeepaliveTimer();
    void shouldCiteUnreadBytesInCloseWait();
    void shouldStartWithTheKernelNameOfEveryState();
    void shouldGiveEveryStateADistinctMeaning();
    void shouldFormatDurations_data();
    void shouldFormatDurations();

private:
    SocketRecord row(const QString &local, const QString &remote = QString());

    QList<SocketRecord> m_records;
};

void TestStateExplainer::initTestCase()
{
    const ProcNetTcpParser::Result parsed = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    QVERIFY(parsed.issues.isEmpty());
    QCOMPARE(parsed.records.size(), 43);
    m_records = parsed.records;
}

SocketRecord TestStateExplainer::row(const QString &local, const QString &remote)
{
    const SocketRecord *r = findRecord(m_records, local, remote);
    if (!r) {
        QTest::qFail(qPrintable(QStringLiteral("no single row %1 %2").arg(local, remote)), __FILE__, __LINE__);
        return SocketRecord();
    }
    return *r;
}

void TestStateExplainer::shouldCiteTheListenersAcceptQueue()
{
    const SocketRecord listener = row(QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"));
    QCOMPARE(listener.state, TcpState::Listen);
    const QString text = StateExplainer::explain(listener);
    QVERIFY2(text.startsWith(QStringLiteral("LISTEN: ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("accept queue holds 2 connections")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("accept()")), qPrintable(text));

    const QString one = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18004"), QStringLiteral("0.0.0.0:*")));
    QVERIFY2(one.contains(QStringLiteral("holds 1 connection ")), qPrintable(one));
}

void TestStateExplainer::shouldSayAnEmptyAcceptQueueIsEmpty()
{
    const QString text = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18028"), QStringLiteral("0.0.0.0:*")));
    QVERIFY2(text.contains(QStringLiteral("accept queue is empty")), qPrintable(text));
}

void TestStateExplainer::shouldCiteTheTimeWaitCountdown()
{
    const SocketRecord tw = row(QStringLiteral("127.0.0.1:18029"));
    QCOMPARE(tw.state, TcpState::TimeWait);
    const QString text = StateExplainer::explain(tw);
    QCOMPARE(text, QStringLiteral("TIME_WAIT: this end closed first. The kernel keeps the connection for 2MSL so late "
                                  "segments cannot be mistaken for a new connection: 59.7 s left."));
}

void TestStateExplainer::shouldCiteTheZeroWindowProbeAndTheQueuedFin()
{
    const SocketRecord fw1 = row(QStringLiteral("127.0.0.1:18013"));
    QCOMPARE(fw1.state, TcpState::FinWait1);
    const QString text = StateExplainer::explain(fw1);
    QVERIFY2(text.startsWith(QStringLiteral("FIN_WAIT1: ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("8193 bytes to send, the FIN counting as one")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("zero-window probes (next in 0.5 s)")), qPrintable(text));
    // the send queue is cited once, with the FIN
    QCOMPARE(text.count(QStringLiteral("8193")), 1);
}

void TestStateExplainer::shouldTellAnOrphanedFinWait2FromAHalfClosedOne()
{
    const QString orphan = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18021")));
    QVERIFY2(orphan.contains(QStringLiteral("closed the socket")), qPrintable(orphan));
    QVERIFY2(orphan.contains(QStringLiteral("57.5 s more")), qPrintable(orphan));
    QVERIFY2(orphan.contains(QStringLiteral("tcp_fin_timeout")), qPrintable(orphan));

    const QString halfClosed = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18025")));
    QVERIFY2(halfClosed.contains(QStringLiteral("can still receive")), qPrintable(halfClosed));
    QVERIFY2(halfClosed.contains(QStringLiteral("5120 bytes received and not yet read")), qPrintable(halfClosed));
    QVERIFY2(!halfClosed.contains(QStringLiteral("tcp_fin_timeout")), qPrintable(halfClosed));
}

void TestStateExplainer::shouldSayAnUnacceptedConnectionWaitsForAccept()
{
    const QString queued = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18000"), QStringLiteral("127.0.0.1:18002")));
    QVERIFY2(queued.contains(QStringLiteral("accept queue until accept()")), qPrintable(queued));
    const QString accepted = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18000"), QStringLiteral("127.0.0.1:18001")));
    QVERIFY2(!accepted.contains(QStringLiteral("accept queue")), qPrintable(accepted));
}

void TestStateExplainer::shouldCiteTheSynRetransmissions()
{
    const QString synSent = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18006")));
    QVERIFY2(synSent.startsWith(QStringLiteral("SYN_SENT: ")), qPrintable(synSent));
    QVERIFY2(synSent.contains(QStringLiteral("next try in 0.3 s (2 retransmissions unanswered so far)")), qPrintable(synSent));

    const QString synRecv = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18008"), QStringLiteral("127.0.0.1:18009")));
    QVERIFY2(synRecv.contains(QStringLiteral("The SYN,ACK is sent again")), qPrintable(synRecv));
    QVERIFY2(synRecv.contains(QStringLiteral("(1 retransmission unanswered so far)")), qPrintable(synRecv));
}

void TestStateExplainer::shouldCiteTheKeepaliveTimer()
{
    const QString text = StateExplainer::explain(row(QStringLiteral("127.0.0.1:18041")));
    QVERIFY2(text.contains(QStringLiteral("next probe of an idle peer is due in 3.4 s")), qPrintable(text));
}

void TestStateExplainer::shouldCiteUnreadBytesInCloseWait()
{
    const SocketRecord cw = row(QStringLiteral("127.0.0.1:18016"), QStringLiteral("127.0.0.1:18017"));
    QCOMPARE(cw.state, TcpState::CloseWait);
    QVERIFY(StateExplainer::explain(cw).contains(QStringLiteral("close()")));

    SocketRecord unread = cw;
    unread.rxQueue = 300;
    QVERIFY(StateExplainer::explain(unread).contains(QStringLiteral("300 bytes received and not yet read")));
}

void TestStateExplainer::shouldStartWithTheKernelNameOfEveryState()
{
    for (TcpState state : allTcpStates()) {
        SocketRecord r;
        r.state = state;
        const QString text = StateExplainer::explain(r);
        QVERIFY2(text.startsWith(kernelName(state) + QStringLiteral(": ")), qPrintable(text));
        QVERIFY2(text.endsWith(u'.'), qPrintable(text));
    }
}

void TestStateExplainer::shouldGiveEveryStateADistinctMeaning()
{
    QSet<QString> seen;
    for (TcpState state : allTcpStates()) {
        const QString m = StateExplainer::meaning(state);
        QVERIFY(!m.isEmpty());
        QVERIFY(!m.contains(u'\n'));
        seen.insert(m);
    }
    QCOMPARE(seen.size(), tcpStateCount);
}

void TestStateExplainer::shouldFormatDurations_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("text");
    QTest::newRow("time-wait") << qint64(59680) << QStringLiteral("59.7 s");
    QTest::newRow("short") << qint64(270) << QStringLiteral("0.3 s");
    QTest::newRow("zero") << qint64(0) << QStringLiteral("0.0 s");
    QTest::newRow("expired") << qint64(-20) << QStringLiteral("0.0 s");
    QTest::newRow("long") << qint64(133400) << QStringLiteral("133 s");
}

void TestStateExplainer::shouldFormatDurations()
{
    QFETCH(qint64, ms);
    QFETCH(QString, text);
    QCOMPARE(StateExplainer::formatDuration(ms), text);
}

QTEST_GUILESS_MAIN(TestStateExplainer)
#include "tst_stateexplainer.moc"
