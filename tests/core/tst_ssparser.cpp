// SPDX-License-Identifier: GPL-3.0-or-later
// Runs on real `ss` output captured with tests/data/capture-fixtures.py at the same moment as
// the /proc fixtures (see tests/data/README.md).
#include "core/parsers/procnettcpparser.h"
#include "core/parsers/ssparser.h"

#include "../common/fixtures.h"

#include <QSet>
#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

const QMap<QString, int> expectedCounts{
    {QStringLiteral("ESTABLISHED"), 36}, {QStringLiteral("SYN_SENT"), 2}, {QStringLiteral("SYN_RECV"), 2},
    {QStringLiteral("FIN_WAIT1"), 2},    {QStringLiteral("FIN_WAIT2"), 8}, {QStringLiteral("TIME_WAIT"), 4},
    {QStringLiteral("CLOSE_WAIT"), 4},   {QStringLiteral("LAST_ACK"), 2},  {QStringLiteral("LISTEN"), 24},
    {QStringLiteral("CLOSING"), 2},
};

QSet<QString> keysAndStates(const QList<SocketRecord> &records)
{
    QSet<QString> out;
    for (const SocketRecord &r : records)
        out.insert(familyName(r.family) + QLatin1Char(' ') + r.local.toString() + QLatin1Char(' ')
                   + r.remote.toString() + QLatin1Char(' ') + kernelName(r.state));
    return out;
}

} // namespace

class TestSsParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldParseEveryFormOfRealOutput_data();
    void shouldParseEveryFormOfRealOutput();
    void shouldAgreeWithProcCapturedAtTheSameMoment();
    void shouldReadListenerQueueAndBacklog();
    void shouldReadDetailsOfTheDetailedForm();
    void shouldReadTimers_data();
    void shouldReadTimers();
    void shouldTreatMissingUidAsRootOnlyWithDetails();
    void shouldReadTcpInfoFromContinuationLines();
    void shouldReadProcessColumn();
    void shouldSkipOtherProtocols();
    void shouldReportMalformedLinesAndKeepTheRest();
    void shouldParseDurations_data();
    void shouldParseDurations();
    void shouldParseEndpoints_data();
    void shouldParseEndpoints();
    void shouldReportAContinuationLineWithoutARow();
    void shouldReadOldSsAndTellWhatItShowsOfItsVersion();
    void shouldSkipWhatWasPastedAroundATable();
};

void TestSsParser::shouldParseEveryFormOfRealOutput_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("ss -tan") << "ss-tan.txt";
    QTest::newRow("ss -tanoie") << "ss-tanoie.txt";
    QTest::newRow("ss -tanoieH (no header)") << "ss-tanoieH.txt";
    QTest::newRow("ss -tanoiep") << "ss-tanoiep.txt";
}

void TestSsParser::shouldParseEveryFormOfRealOutput()
{
    QFETCH(QString, file);
    const auto result = SsParser().parse(readFixture(file), file);
    QVERIFY2(result.issues.isEmpty(), qPrintable(result.issues.value(0).toString()));
    QCOMPARE(result.records.size(), 86);
    QCOMPARE(countByState(result.records), expectedCounts);
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.family == AddressFamily::IPv6; }), 43);
}

void TestSsParser::shouldAgreeWithProcCapturedAtTheSameMoment()
{
    const auto ss = SsParser().parse(readFixture(QStringLiteral("ss-tanoie.txt")));
    const QByteArray procText = readFixture(QStringLiteral("proc-net-tcp.txt")) + readFixture(QStringLiteral("proc-net-tcp6.txt"));
    const auto proc = ProcNetTcpParser().parse(procText);
    QCOMPARE(keysAndStates(ss.records), keysAndStates(proc.records));

    // Same uid and the same inode-0 rows from both sources.
    for (const SocketRecord &p : proc.records) {
        const SocketRecord *s = findRecord(ss.records, p.local.toString(), p.remote.toString());
        QVERIFY2(s, qPrintable(p.local.toString() + QLatin1Char(' ') + p.remote.toString()));
        QCOMPARE(s->uid, p.uid);
        QCOMPARE(s->inode, p.inode);
        QCOMPARE(s->txQueue, p.txQueue);
        QCOMPARE(s->rxQueue, p.rxQueue);
        QCOMPARE(s->timer, p.timer);
    }
}

void TestSsParser::shouldReadListenerQueueAndBacklog()
{
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-tan.txt")));
    const SocketRecord *l = findRecord(result.records, QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"));
    QVERIFY(l);
    QCOMPARE(l->rxQueue, 2u);
    QCOMPARE(l->listenBacklog, std::optional<quint32>(8));
    QCOMPARE(l->txQueue, 0u);
    const SocketRecord *zero = findRecord(result.records, QStringLiteral("[::1]:18104"), QStringLiteral("[::]:*"));
    QCOMPARE(zero->rxQueue, 1u);
    QCOMPARE(zero->listenBacklog, std::optional<quint32>(0));
    // Without -e ss says nothing about uid and inode: unknown, not zero.
    QVERIFY(!l->uid.has_value());
    QVERIFY(!l->inode.has_value());
}

void TestSsParser::shouldReadDetailsOfTheDetailedForm()
{
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-tanoie.txt")));
    const SocketRecord *dualStack = findRecord(result.records, QStringLiteral("[::]:18048"));
    QVERIFY2(dualStack, "ss prints the dual-stack listener as *:18048");
    QCOMPARE(dualStack->family, AddressFamily::IPv6);
    QCOMPARE(dualStack->details.value(QStringLiteral("v6only")), QStringLiteral("0"));

    const SocketRecord *mapped = findRecord(result.records, QStringLiteral("[::ffff:127.0.0.1]:18048"));
    QVERIFY(mapped);
    QVERIFY(mapped->local.address.isV4Mapped());

    const SocketRecord *finWait1 = findRecord(result.records, QStringLiteral("127.0.0.1:18013"));
    QCOMPARE(finWait1->state, TcpState::FinWait1);
    QCOMPARE(finWait1->txQueue, 8193u);
    QCOMPARE(finWait1->details.value(QStringLiteral("shutdown")), QStringLiteral("<--"));
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18016"), QStringLiteral("127.0.0.1:18017"))
                 ->details.value(QStringLiteral("shutdown")),
             QStringLiteral("-->"));
    QVERIFY(finWait1->cookie.has_value());
    QVERIFY(finWait1->inode.value() > 0);

    const SocketRecord *machine = findRecord(result.records, QStringLiteral("0.0.0.0:2024"));
    QCOMPARE(machine->inode, std::optional<quint64>(569));
    QCOMPARE(machine->cookie, std::optional<quint64>(1));
}

void TestSsParser::shouldReadTimers_data()
{
    QTest::addColumn<QString>("local");
    QTest::addColumn<int>("timer");
    QTest::addColumn<qint64>("remainingMs");
    QTest::addColumn<uint>("retransmits");
    QTest::addColumn<uint>("probes");
    QTest::newRow("on,256ms,2") << "127.0.0.1:18006" << 1 << qint64(256) << 2u << 0u;
    QTest::newRow("keepalive,3.412ms,0 is 3.412 s") << "127.0.0.1:18041" << 2 << qint64(3412) << 0u << 0u;
    QTest::newRow("timewait,59sec,0") << "127.0.0.1:18029" << 3 << qint64(59000) << 0u << 0u;
    QTest::newRow("persist,1.400ms,0") << "127.0.0.1:18033" << 4 << qint64(1400) << 0u << 0u;
    QTest::newRow("persist,072ms,1") << "[::1]:18113" << 4 << qint64(72) << 0u << 1u;
    QTest::newRow("no timer") << "127.0.0.1:18017" << 0 << qint64(0) << 0u << 0u;
}

void TestSsParser::shouldReadTimers()
{
    QFETCH(QString, local);
    QFETCH(int, timer);
    QFETCH(qint64, remainingMs);
    QFETCH(uint, retransmits);
    QFETCH(uint, probes);
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-tanoie.txt")));
    const SocketRecord *r = findRecord(result.records, local);
    QVERIFY(r);
    QCOMPARE(int(r->timer), timer);
    QCOMPARE(r->timerRemainingMs, remainingMs);
    QCOMPARE(r->retransmits, retransmits);
    QCOMPARE(r->probes, probes);
}

void TestSsParser::shouldTreatMissingUidAsRootOnlyWithDetails()
{
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-tanoie.txt")));
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.uid == 65534u; }), 10);
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.uid == 0u; }), 76);
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.inode == 0u; }), 18);
}

void TestSsParser::shouldReadTcpInfoFromContinuationLines()
{
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-tanoie.txt")));
    const SocketRecord *r = findRecord(result.records, QStringLiteral("127.0.0.1:18001"));
    QVERIFY(r->rtoMs.has_value());
    QVERIFY(*r->rtoMs >= 200);
    QVERIFY(r->rttUs.has_value());
    QVERIFY(r->cwnd.has_value());
    QCOMPARE(r->details.value(QStringLiteral("congestion")), QStringLiteral("bbr"));
    QVERIFY(r->details.contains(QStringLiteral("wscale")));
    QVERIFY(r->details.contains(QStringLiteral("sack")));
    QVERIFY(r->details.contains(QStringLiteral("bbr"))); // "bbr:(bw:...)" kept whole
    const SocketRecord *l = findRecord(result.records, QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"));
    QCOMPARE(l->details.value(QStringLiteral("unacked")), QStringLiteral("2"));
    // TIME-WAIT rows get a continuation line of blanks only
    const SocketRecord *tw = findRecord(result.records, QStringLiteral("127.0.0.1:18029"));
    QVERIFY(!tw->rtoMs.has_value());
}

void TestSsParser::shouldReadProcessColumn()
{
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-tanoiep.txt")));
    const SocketRecord *l = findRecord(result.records, QStringLiteral("127.0.0.1:18012"), QStringLiteral("0.0.0.0:*"));
    QVERIFY(l->details.value(QStringLiteral("users")).startsWith(QStringLiteral("((\"python3\",pid=")));
    QVERIFY(l->inode.value() > 0);
}

void TestSsParser::shouldSkipOtherProtocols()
{
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-tuan.txt")));
    QVERIFY(result.issues.isEmpty());
    QCOMPARE(result.records.size(), 86);
    QCOMPARE(result.skippedOtherProtocols, 4);
    QCOMPARE(result.skipped.count(SkippedLines::Kind::OtherProtocol, QStringLiteral("udp")), 4);
    QCOMPARE(countByState(result.records), expectedCounts);
}

void TestSsParser::shouldReportMalformedLinesAndKeepTheRest()
{
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-malformed.txt")), QStringLiteral("dump.txt"));
    QCOMPARE(result.records.size(), 86);
    QCOMPARE(keysAndStates(result.records), keysAndStates(SsParser().parse(readFixture(QStringLiteral("ss-tanoie.txt"))).records));
    QList<int> lines;
    for (const ParseIssue &issue : result.issues)
        lines << issue.line;
    QCOMPARE(lines, (QList<int>{86, 89, 92, 98})); // line 95 is blank: nothing lost, not reported
    QVERIFY(result.issues[0].reason.contains(QStringLiteral("expected state")));
    QVERIFY(result.issues[1].reason.contains(QStringLiteral("local address")));
    QCOMPARE(result.issues[2].reason, QStringLiteral("unknown state BOGUS"));
    QCOMPARE(result.issues[3].origin, QStringLiteral("dump.txt"));
}

void TestSsParser::shouldParseDurations_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ms"); // -1: rejected
    QTest::newRow("expired") << "" << qint64(0);
    QTest::newRow("ms") << "200ms" << qint64(200);
    QTest::newRow("zero padded") << "072ms" << qint64(72);
    QTest::newRow("seconds dot ms") << "5.668ms" << qint64(5668);
    QTest::newRow("seconds dot ms later iproute2") << "9.501sec" << qint64(9501);
    QTest::newRow("whole seconds") << "59sec" << qint64(59000);
    QTest::newRow("minutes and seconds") << "2min13sec" << qint64(133000);
    QTest::newRow("minutes") << "119min" << qint64(7140000);
    QTest::newRow("garbage") << "soon" << qint64(-1);
    QTest::newRow("unit only") << "ms" << qint64(-1);
    QTest::newRow("dangling dot") << "5." << qint64(-1);
    QTest::newRow("two dots") << "1.2.3ms" << qint64(-1);
    QTest::newRow("unit in the middle") << "5ms3sec" << qint64(-1);
    QTest::newRow("absurd") << "99999999999min" << qint64(-1);
}

void TestSsParser::shouldParseDurations()
{
    QFETCH(QString, text);
    QFETCH(qint64, ms);
    const std::optional<qint64> parsed = SsParser::parseDuration(text);
    if (ms < 0)
        QVERIFY(!parsed.has_value());
    else
        QCOMPARE(parsed, std::optional<qint64>(ms));
}

void TestSsParser::shouldParseEndpoints_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected"); // Endpoint::toString(), or "" when rejected
    QTest::addColumn<QString>("scope");
    QTest::newRow("v4") << "127.0.0.1:8000" << "127.0.0.1:8000" << "";
    QTest::newRow("v4 any peer") << "0.0.0.0:*" << "0.0.0.0:*" << "";
    QTest::newRow("v6") << "[::1]:8000" << "[::1]:8000" << "";
    QTest::newRow("mapped") << "[::ffff:127.0.0.1]:8000" << "[::ffff:127.0.0.1]:8000" << "";
    QTest::newRow("dual stack any") << "*:8000" << "[::]:8000" << "";
    QTest::newRow("dual stack peer") << "*:*" << "[::]:*" << "";
    QTest::newRow("v4 scope") << "127.0.0.1%lo:8000" << "127.0.0.1%lo:8000" << "lo";
    QTest::newRow("v6 scope outside") << "[fe80::1]%eth0:22" << "[fe80::1%eth0]:22" << "eth0";
    QTest::newRow("v6 scope inside") << "[fe80::1%eth0]:22" << "[fe80::1%eth0]:22" << "eth0";
    QTest::newRow("name") << "localhost:http" << "" << "";
    QTest::newRow("no port") << "127.0.0.1" << "" << "";
    QTest::newRow("port too big") << "127.0.0.1:65536" << "" << "";
    QTest::newRow("unclosed bracket") << "[::1:8000" << "" << "";
}

void TestSsParser::shouldParseEndpoints()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QFETCH(QString, scope);
    const std::optional<Endpoint> e = SsParser::parseEndpoint(text);
    if (expected.isEmpty()) {
        QVERIFY(!e.has_value());
        return;
    }
    QVERIFY(e.has_value());
    QCOMPARE(e->toString(), expected);
    QCOMPARE(e->scope, scope);
}

void TestSsParser::shouldReportAContinuationLineWithoutARow()
{
    const auto result = SsParser().parse("\t cubic rto:204\nESTAB 0 0 127.0.0.1:1 127.0.0.1:2\n");
    QCOMPARE(result.records.size(), 1);
    QCOMPARE(result.issues.size(), 1);
    QCOMPARE(result.issues[0].line, 1);
    QVERIFY(!result.records[0].rtoMs.has_value());
}

void TestSsParser::shouldReadOldSsAndTellWhatItShowsOfItsVersion()
{
    // ss from before iproute2 4.14, reproduced from a public post (tests/data/README.md).
    const auto result = SsParser().parse(readFixture(QStringLiteral("ss-old-wildcard.txt")));
    QVERIFY(result.issues.isEmpty());
    QCOMPARE(result.records.size(), 5);
    // Unbracketed IPv6 addresses read as they are.
    QCOMPARE(findRecord(result.records, QStringLiteral("[::]:14144"))->family, AddressFamily::IPv6);
    // "*" is read as today's ss means it; the row is named for the file's reader to decide.
    QCOMPARE(result.wildcardRows.size(), 1);
    const SocketRecord &star = result.records[result.wildcardRows.first()];
    QCOMPARE(star.local.toString(), QStringLiteral("[::]:5634"));
    QVERIFY(!star.familyInferred);
    // The IPv4 listener's "*:*" is 0.0.0.0 whatever the version: its family is its own.
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:32000"))->remote.toString(), QStringLiteral("0.0.0.0:*"));
    QCOMPARE(result.wildcardEvidence.newerLine, 0);
    QCOMPARE(result.wildcardEvidence.older, SsWildcard::Evidence::Older::IPv4PeerStar);
    QCOMPARE(result.wildcardEvidence.olderLine, 4);
    QCOMPARE(result.wildcardEvidence.olderText, QStringLiteral("127.0.0.1:32000"));

    const auto today = SsParser().parse(readFixture(QStringLiteral("ss-tanoie-with-netstat.txt")));
    QCOMPARE(today.wildcardEvidence.newerLine, 2);
    QCOMPARE(today.wildcardEvidence.newerText, QStringLiteral("0.0.0.0:2024"));
    QCOMPARE(today.wildcardEvidence.older, SsWildcard::Evidence::Older::None);
    QCOMPARE(today.wildcardRows.size(), 1);
}

void TestSsParser::shouldSkipWhatWasPastedAroundATable()
{
    const QByteArray text = "me@host:~$ ss -tan\n"
                            "State  Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
                            "ESTAB  0      0      127.0.0.1:1        127.0.0.1:2\n"
                            "\n"
                            "-----------------------------------\n"
                            "ESTAB  0      0      127.0.0.1:2        127.0.0.1:1\n"
                            "me@host:~$\n";
    const auto result = SsParser().parse(text);
    QVERIFY(result.issues.isEmpty());
    QCOMPARE(result.records.size(), 2);
    QCOMPARE(result.skipped.note(), QStringLiteral("4 lines that are not socket rows skipped: 2 shell prompts at lines 1 "
                                                   "and 7, a blank line at line 4, a separator line at line 5"));
    // A Netid with nothing after it is a row cut short, not a row to read past its end.
    const auto cut = SsParser().parse("Netid State Recv-Q\ntcp\n");
    QCOMPARE(cut.issues.size(), 1);
    QCOMPARE(cut.issues[0].reason, QStringLiteral("expected state, Recv-Q, Send-Q, local and peer address"));
    // -i's continuation line of blanks after a TIME-WAIT row is part of that row.
    QVERIFY(SsParser().parse(readFixture(QStringLiteral("ss-tanoie.txt"))).skipped.isEmpty());
}

QTEST_GUILESS_MAIN(TestSsParser)
#include "tst_ssparser.moc"
