// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/tcp/tcpstate.h"

#include <QTest>

using namespace sockscope;

class TestTcpState : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldUseTheKernelNumbering_data();
    void shouldUseTheKernelNumbering();
    void shouldRejectNumbersOutsideTheKernelRange();
    void shouldTakeOnlyPlainDigitsForAKernelNumber_data();
    void shouldTakeOnlyPlainDigitsForAKernelNumber();
    void shouldParseEverySpelling_data();
    void shouldParseEverySpelling();
    void shouldRoundTripAllNames();
};

void TestTcpState::shouldUseTheKernelNumbering_data()
{
    QTest::addColumn<int>("number");
    QTest::addColumn<QString>("kernel");
    QTest::addColumn<QString>("ss");
    QTest::addColumn<QString>("rfc");
    // include/net/tcp_states.h and ss.c's sstate_name[]
    QTest::newRow("1") << 1 << "ESTABLISHED" << "ESTAB" << "ESTABLISHED";
    QTest::newRow("2") << 2 << "SYN_SENT" << "SYN-SENT" << "SYN-SENT";
    QTest::newRow("3") << 3 << "SYN_RECV" << "SYN-RECV" << "SYN-RECEIVED";
    QTest::newRow("4") << 4 << "FIN_WAIT1" << "FIN-WAIT-1" << "FIN-WAIT-1";
    QTest::newRow("5") << 5 << "FIN_WAIT2" << "FIN-WAIT-2" << "FIN-WAIT-2";
    QTest::newRow("6") << 6 << "TIME_WAIT" << "TIME-WAIT" << "TIME-WAIT";
    QTest::newRow("7") << 7 << "CLOSE" << "UNCONN" << "CLOSED";
    QTest::newRow("8") << 8 << "CLOSE_WAIT" << "CLOSE-WAIT" << "CLOSE-WAIT";
    QTest::newRow("9") << 9 << "LAST_ACK" << "LAST-ACK" << "LAST-ACK";
    QTest::newRow("10") << 10 << "LISTEN" << "LISTEN" << "LISTEN";
    QTest::newRow("11") << 11 << "CLOSING" << "CLOSING" << "CLOSING";
}

void TestTcpState::shouldUseTheKernelNumbering()
{
    QFETCH(int, number);
    QFETCH(QString, kernel);
    QFETCH(QString, ss);
    QFETCH(QString, rfc);
    const std::optional<TcpState> state = tcpStateFromKernelNumber(number);
    QVERIFY(state.has_value());
    QCOMPARE(kernelNumber(*state), number);
    QCOMPARE(kernelName(*state), kernel);
    QCOMPARE(ssName(*state), ss);
    QCOMPARE(rfcName(*state), rfc);
}

void TestTcpState::shouldRejectNumbersOutsideTheKernelRange()
{
    QVERIFY(!tcpStateFromKernelNumber(0));
    QVERIFY(!tcpStateFromKernelNumber(12)); // TCP_NEW_SYN_RECV never reaches user space tables
    QVERIFY(!tcpStateFromKernelNumber(-1));
    QVERIFY(!parseTcpState(u"13"));
    QVERIFY(!parseTcpState(u""));
    QVERIFY(!parseTcpState(u"FIN_WAIT3"));
    QVERIFY(!parseTcpState(u"ESTABLISHEDX"));
}

void TestTcpState::shouldTakeOnlyPlainDigitsForAKernelNumber_data()
{
    QTest::addColumn<QString>("text");
    // '-' separates words in a name ("fin-wait-1"), but "-1" is no kernel number: it used to be
    // squashed to "1", ESTABLISHED.
    QTest::newRow("negative") << "-1";
    QTest::newRow("negative ten") << "-10";
    QTest::newRow("plus") << "+1";
    QTest::newRow("hex") << "0x1";
    QTest::newRow("decimal point") << "1.0";
    QTest::newRow("exponent") << "1e0";
    QTest::newRow("underscore") << "1_0";
    QTest::newRow("spaced digits") << "1 0";
    QTest::newRow("zero") << "0";
    QTest::newRow("overflow") << "4294967297";
    QTest::newRow("arabic-indic digit") << QString(QChar(0x0661));
}

void TestTcpState::shouldTakeOnlyPlainDigitsForAKernelNumber()
{
    QFETCH(QString, text);
    const std::optional<TcpState> state = parseTcpState(text);
    QVERIFY2(!state, state ? qPrintable(kernelName(*state)) : "");
}

void TestTcpState::shouldParseEverySpelling_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<int>("number");
    QTest::newRow("kernel") << "FIN_WAIT1" << 4;
    QTest::newRow("ss") << "FIN-WAIT-1" << 4;
    QTest::newRow("lower") << "fin-wait-1" << 4;
    QTest::newRow("camel") << "FinWait1" << 4;
    QTest::newRow("estab") << "ESTAB" << 1;
    QTest::newRow("established lower") << "established" << 1;
    QTest::newRow("syn received") << "SYN-RECEIVED" << 3;
    QTest::newRow("syn rcvd") << "SYN_RCVD" << 3;
    QTest::newRow("unconn") << "UNCONN" << 7;
    QTest::newRow("closed") << "CLOSED" << 7;
    QTest::newRow("time wait spaced") << "time wait" << 6;
    QTest::newRow("listening") << "LISTENING" << 10;
    QTest::newRow("number") << "11" << 11;
    QTest::newRow("number with spaces") << " 4 " << 4;
    QTest::newRow("number with a leading zero") << "04" << 4;
}

void TestTcpState::shouldParseEverySpelling()
{
    QFETCH(QString, text);
    QFETCH(int, number);
    const std::optional<TcpState> state = parseTcpState(text);
    QVERIFY(state.has_value());
    QCOMPARE(kernelNumber(*state), number);
}

void TestTcpState::shouldRoundTripAllNames()
{
    QCOMPARE(int(allTcpStates().size()), 11);
    for (TcpState s : allTcpStates()) {
        QCOMPARE(parseTcpState(kernelName(s)), std::optional<TcpState>(s));
        QCOMPARE(parseTcpState(ssName(s)), std::optional<TcpState>(s));
        QCOMPARE(parseTcpState(rfcName(s)), std::optional<TcpState>(s));
    }
}

QTEST_GUILESS_MAIN(TestTcpState)
#include "tst_tcpstate.moc"
