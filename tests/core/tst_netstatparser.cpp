// SPDX-License-Identifier: GPL-3.0-or-later
// Runs on real net-tools netstat output captured with tests/data/capture-netstat.py, with ss
// run at the same moment (tests/data/README.md, section 10).
#include "core/parsers/netstatparser.h"
#include "core/parsers/ssparser.h"

#include "../common/fixtures.h"

#include <QSet>
#include <QTest>

using namespace sockscope;
using namespace sockscope::test;

namespace {

const QMap<QString, int> expectedCounts{
    {QStringLiteral("ESTABLISHED"), 24}, {QStringLiteral("SYN_SENT"), 2},   {QStringLiteral("FIN_WAIT1"), 2},
    {QStringLiteral("FIN_WAIT2"), 2},    {QStringLiteral("TIME_WAIT"), 2},  {QStringLiteral("CLOSE_WAIT"), 2},
    {QStringLiteral("LISTEN"), 16},
};

QSet<QString> keysAndStates(const QList<SocketRecord> &records)
{
    QSet<QString> out;
    for (const SocketRecord &r : records)
        out.insert(familyName(r.family) + QLatin1Char(' ') + r.local.toString() + QLatin1Char(' ')
                   + r.remote.toString() + QLatin1Char(' ') + kernelName(r.state));
    return out;
}

NetstatParser::Result parseFixture(const QString &name)
{
    return NetstatParser().parse(readFixture(name), name);
}

// A header, then `row`: for one row's problems.
NetstatParser::Result parseRow(const QByteArray &row)
{
    const QByteArray text = QByteArray("Active Internet connections (servers and established)\n"
                                       "Proto Recv-Q Send-Q Local Address           Foreign Address         State       "
                                       "User       Inode      PID/Program name     Timer\n")
        + row + '\n';
    return NetstatParser().parse(text, QStringLiteral("dump.txt"));
}

} // namespace

class TestNetstatParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldParseEveryFormOfRealOutput_data();
    void shouldParseEveryFormOfRealOutput();
    void shouldAgreeWithSsRunAtTheSameMoment();
    void shouldReadATcp6RowsPlainIPv4AsMapped();
    void shouldReadQueuesAsProcHasThem();
    void shouldReadTimers_data();
    void shouldReadTimers();
    void shouldReadUserAndInode();
    void shouldReadProcesses();
    void shouldTellWhyNoProcessIsNamed();
    void shouldReadRowsWithoutTheirHeader();
    void shouldSkipOtherProtocolsAndWhatWasPastedAround();
    void shouldReportMalformedRowsAndKeepTheRest();
    void shouldExplainWhatIsWrongWithARow_data();
    void shouldExplainWhatIsWrongWithARow();
    void shouldSetAsideRowsInStateUnknown();
    void shouldPointAtAddressesNetstatMayHaveCut();
    void shouldSayWhatTheBannerListed();
    void shouldParseEndpoints_data();
    void shouldParseEndpoints();
};

void TestNetstatParser::shouldParseEveryFormOfRealOutput_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("netstat -tan") << "netstat-tan.txt";
    QTest::newRow("netstat -tanp") << "netstat-tanp.txt";
    QTest::newRow("netstat -tanoe") << "netstat-tanoe.txt";
    QTest::newRow("netstat -tanpoe") << "netstat-tanpoe.txt";
    QTest::newRow("netstat -tanp as uid 65534, with its stderr") << "netstat-tanp-nobody.txt";
}

void TestNetstatParser::shouldParseEveryFormOfRealOutput()
{
    QFETCH(QString, file);
    const auto result = parseFixture(file);
    QVERIFY2(result.issues.isEmpty(), qPrintable(result.issues.value(0).toString()));
    QCOMPARE(result.records.size(), 50);
    QCOMPARE(countByState(result.records), expectedCounts);
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.family == AddressFamily::IPv6; }), 25);
    QCOMPARE(result.listing, NetstatParser::Listing::All);
    QVERIFY(result.unknownStateLines.isEmpty());
    QVERIFY(result.possiblyCutLines.isEmpty());
}

void TestNetstatParser::shouldAgreeWithSsRunAtTheSameMoment()
{
    const auto netstat = parseFixture(QStringLiteral("netstat-tanpoe.txt"));
    const auto ss = SsParser().parse(readFixture(QStringLiteral("ss-tanoie-with-netstat.txt")));
    QCOMPARE(keysAndStates(netstat.records), keysAndStates(ss.records));
    for (const SocketRecord &n : netstat.records) {
        const SocketRecord *s = findRecord(ss.records, n.local.toString(), n.remote.toString());
        QVERIFY2(s, qPrintable(n.local.toString()));
        QCOMPARE(n.uid, s->uid);
        QCOMPARE(n.inode, s->inode);
        QCOMPARE(n.timer, s->timer);
        QCOMPARE(n.rxQueue, s->rxQueue);
        if (!n.isListener())
            QCOMPARE(n.txQueue, s->txQueue);
    }
}

void TestNetstatParser::shouldReadATcp6RowsPlainIPv4AsMapped()
{
    // netstat prints "tcp6 ... 127.0.0.1:18240 127.0.0.1:18241": the server end of an IPv4
    // client's connection to the dual-stack listener :::18240.
    const auto result = parseFixture(QStringLiteral("netstat-tan.txt"));
    const SocketRecord *server = findRecord(result.records, QStringLiteral("[::ffff:127.0.0.1]:18240"));
    QVERIFY(server);
    QCOMPARE(server->family, AddressFamily::IPv6);
    QVERIFY(server->local.address.isV4Mapped());
    QCOMPARE(server->remote.toString(), QStringLiteral("[::ffff:127.0.0.1]:18241"));
    const SocketRecord *client = findRecord(result.records, QStringLiteral("127.0.0.1:18241"));
    QCOMPARE(client->family, AddressFamily::IPv4);
    const SocketRecord *listener = findRecord(result.records, QStringLiteral("[::]:18240"));
    QVERIFY(listener);
    QCOMPARE(listener->state, TcpState::Listen);
    QCOMPARE(listener->remote.toString(), QStringLiteral("[::]:*"));
    QCOMPARE(findRecord(result.records, QStringLiteral("[::1]:18250"), QStringLiteral("[::]:*"))->family,
             AddressFamily::IPv6);
}

void TestNetstatParser::shouldReadQueuesAsProcHasThem()
{
    const auto result = parseFixture(QStringLiteral("netstat-tan.txt"));
    const SocketRecord *listener = findRecord(result.records, QStringLiteral("127.0.0.1:18200"), QStringLiteral("0.0.0.0:*"));
    QCOMPARE(listener->rxQueue, 1u); // the accept queue
    QCOMPARE(listener->txQueue, 0u); // /proc's tx_queue, not the backlog
    QVERIFY(!listener->listenBacklog.has_value());
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18221"))->txQueue, 8193u);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18220"), QStringLiteral("127.0.0.1:18221"))->rxQueue, 5120u);
    // Without -e netstat says nothing of uid and inode: unknown, not zero.
    QVERIFY(!listener->uid.has_value());
    QVERIFY(!listener->inode.has_value());
}

void TestNetstatParser::shouldReadTimers_data()
{
    QTest::addColumn<QString>("local");
    QTest::addColumn<int>("timer");
    QTest::addColumn<qint64>("remainingMs");
    QTest::newRow("on (0.26/0/0): SYN_SENT") << "127.0.0.1:18206" << 1 << qint64(260);
    QTest::newRow("keepalive (3599.26/0/0)") << "127.0.0.1:18217" << 2 << qint64(3599260);
    QTest::newRow("timewait (59.92/0/0)") << "127.0.0.1:18213" << 3 << qint64(59920);
    QTest::newRow("probe (0.31/0/0): FIN_WAIT1") << "[::1]:18271" << 4 << qint64(310);
    QTest::newRow("off (0.00/0/0)") << "127.0.0.1:18209" << 0 << qint64(0);
}

void TestNetstatParser::shouldReadTimers()
{
    QFETCH(QString, local);
    QFETCH(int, timer);
    QFETCH(qint64, remainingMs);
    const auto result = parseFixture(QStringLiteral("netstat-tanpoe.txt"));
    const SocketRecord *r = findRecord(result.records, local);
    QVERIFY(r);
    QCOMPARE(int(r->timer), timer);
    QCOMPARE(r->timerRemainingMs, remainingMs);
    QCOMPARE(r->retransmits, 0u);
    QCOMPARE(r->probes, 0u);
    // netstat -tanoe ran a few milliseconds apart: the same timer, a little more or less left.
    const auto otherResult = parseFixture(QStringLiteral("netstat-tanoe.txt"));
    const SocketRecord *other = findRecord(otherResult.records, local);
    QVERIFY(other);
    QCOMPARE(int(other->timer), timer);
    QVERIFY(qAbs(other->timerRemainingMs - remainingMs) <= 100);
}

void TestNetstatParser::shouldReadUserAndInode()
{
    const auto result = parseFixture(QStringLiteral("netstat-tanoe.txt"));
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.uid == 65534u; }), 6);
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.uid == 0u; }), 44);
    // The accept queue's server ends and TIME_WAIT have no file.
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.inode == 0u; }), 6);
    QCOMPARE(findRecord(result.records, QStringLiteral("0.0.0.0:2024"))->inode, std::optional<quint64>(1266));
}

void TestNetstatParser::shouldReadProcesses()
{
    const auto result = parseFixture(QStringLiteral("netstat-tanpoe.txt"));
    const SocketRecord *listener = findRecord(result.records, QStringLiteral("127.0.0.1:18200"), QStringLiteral("0.0.0.0:*"));
    QCOMPARE(listener->ownerStatus, OwnerStatus::Process);
    QCOMPARE(listener->owners, (QList<SocketOwner>{{5833, QStringLiteral("python3")}}));
    QCOMPARE(listener->ownerText(), QStringLiteral("python3 (pid 5833)"));
    const SocketRecord *nobody = findRecord(result.records, QStringLiteral("[::1]:18274"), QStringLiteral("[::]:*"));
    QCOMPARE(nobody->owners.value(0).pid, 5874);
    QCOMPARE(nobody->uid, std::optional<quint32>(65534));
    // "-": no process has the socket's inode. Without a file (inode 0, TIME_WAIT) none can.
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18200"), QStringLiteral("127.0.0.1:18202"))->ownerStatus,
             OwnerStatus::KernelOnly);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18213"))->ownerStatus, OwnerStatus::KernelOnly);
    // This machine's listener belongs to a process root's netstat could not see either.
    QCOMPARE(findRecord(result.records, QStringLiteral("0.0.0.0:2024"))->ownerStatus, OwnerStatus::NotFound);
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.ownerStatus == OwnerStatus::Process; }), 43);
}

void TestNetstatParser::shouldTellWhyNoProcessIsNamed()
{
    // As uid 65534, netstat could read no process's descriptors and said so on stderr, first.
    const auto result = parseFixture(QStringLiteral("netstat-tanp-nobody.txt"));
    QCOMPARE(result.skipped.count(SkippedLines::Kind::Notice), 1);
    QCOMPARE(result.skipped.note(),
             QStringLiteral("1 line that is not a socket row skipped: netstat's message on stderr at line 1"));
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.ownerStatus == OwnerStatus::Process; }), 0);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18224"), QStringLiteral("0.0.0.0:*"))->ownerStatus,
             OwnerStatus::Hidden);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18213"))->ownerStatus, OwnerStatus::KernelOnly);
}

void TestNetstatParser::shouldReadRowsWithoutTheirHeader()
{
    // `netstat -tanpoe | grep tcp` loses the banner and header: the columns are told by their look.
    for (const char *file : {"netstat-tanpoe.txt", "netstat-tanoe.txt", "netstat-tanp.txt", "netstat-tan.txt"}) {
        const QByteArray text = readFixture(QLatin1String(file));
        const QByteArray rows = text.mid(text.indexOf("\ntcp") + 1);
        const auto withHeader = NetstatParser().parse(text);
        const auto without = NetstatParser().parse(rows);
        QVERIFY2(without.issues.isEmpty(), qPrintable(without.issues.value(0).toString()));
        QVERIFY2(without.records == withHeader.records, file);
    }
}

void TestNetstatParser::shouldSkipOtherProtocolsAndWhatWasPastedAround()
{
    const auto tuan = parseFixture(QStringLiteral("netstat-tuan.txt"));
    QVERIFY(tuan.issues.isEmpty());
    QCOMPARE(tuan.records.size(), 50);
    QCOMPARE(tuan.skipped.count(SkippedLines::Kind::OtherProtocol, QStringLiteral("udp")), 2);
    QCOMPARE(tuan.skipped.count(SkippedLines::Kind::OtherProtocol, QStringLiteral("udp6")), 2);

    const auto pasted = parseFixture(QStringLiteral("netstat-pasted.txt"));
    QVERIFY(pasted.issues.isEmpty());
    QVERIFY(pasted.records == parseFixture(QStringLiteral("netstat-tanpoe.txt")).records);
    QCOMPARE(pasted.skipped.note(),
             QStringLiteral("8 lines that are not socket rows skipped: 2 shell prompts at lines 1 and 60, a blank line "
                            "at line 54, a separator line at line 55, 2 udp rows at lines 56 and 57, 2 udp6 rows at "
                            "lines 58 and 59"));
}

void TestNetstatParser::shouldReportMalformedRowsAndKeepTheRest()
{
    const auto result = NetstatParser().parse(readFixture(QStringLiteral("netstat-malformed.txt")), QStringLiteral("dump.txt"));
    QCOMPARE(keysAndStates(result.records), keysAndStates(parseFixture(QStringLiteral("netstat-tanpoe.txt")).records));
    QCOMPARE(result.records.size(), 50);
    QCOMPARE(result.issues.size(), 3);
    QCOMPARE(result.issues[0].toString(),
             QStringLiteral("dump.txt:3: expected Proto, Recv-Q, Send-Q, Local Address, Foreign Address and State"));
    QCOMPARE(result.issues[1].toString(),
             QStringLiteral("dump.txt:5: local address 127.0.0.1:http is not numeric ADDRESS:PORT (run netstat with -n)"));
    QCOMPARE(result.issues[2].toString(),
             QStringLiteral("dump.txt:7: bad timer 'keepalive (soon/0/0)': expected off, on, keepalive, timewait or "
                            "probe, then (SECONDS/RETRANSMITS/PROBES)"));
    QCOMPARE(result.issues[0].text, QByteArray("tcp        1      0 127.0.0.1:18"));
}

void TestNetstatParser::shouldExplainWhatIsWrongWithARow_data()
{
    QTest::addColumn<QByteArray>("row");
    QTest::addColumn<QString>("reason");
    const QByteArray good = "tcp        0      0 127.0.0.1:18201         127.0.0.1:18200         ESTABLISHED 0          "
                            "223699     5833/python3         off (0.00/0/0)";
    QTest::newRow("truncated") << good.left(30) << "expected Proto, Recv-Q, Send-Q, Local Address, Foreign Address and State";
    QTest::newRow("port name") << QByteArray(good).replace("127.0.0.1:18200 ", "127.0.0.1:ssh   ")
                               << "foreign address 127.0.0.1:ssh is not numeric ADDRESS:PORT (run netstat with -n)";
    QTest::newRow("host name") << QByteArray(good).replace("127.0.0.1:18201", "localhost:18201")
                               << "local address localhost:18201 is not numeric ADDRESS:PORT (run netstat with -n)";
    QTest::newRow("port too big") << QByteArray(good).replace("127.0.0.1:18201", "127.0.0.1:70000")
                                  << "local address 127.0.0.1:70000 is not numeric ADDRESS:PORT (run netstat with -n)";
    QTest::newRow("IPv6 in a tcp row") << QByteArray(good).replace("127.0.0.1:18201", "::1:18201      ")
                                       << "local address ::1:18201 is not IPv4, as a tcp row's is";
    QTest::newRow("queue") << QByteArray(good).replace("0      0 127", "0     -1 127") << "Recv-Q and Send-Q must be numbers";
    QTest::newRow("state") << QByteArray(good).replace("ESTABLISHED", "VERBUNDEN  ") << "unknown state VERBUNDEN";
    QTest::newRow("timer kind") << QByteArray(good).replace("off (", "soon (")
                                << "bad timer 'soon (0.00/0/0)': expected off, on, keepalive, timewait or probe, then "
                                   "(SECONDS/RETRANSMITS/PROBES)";
    QTest::newRow("timer seconds") << QByteArray(good).replace("off (0.00/0/0)", "on (-1.00/0/0)")
                                   << "bad timer 'on (-1.00/0/0)': expected off, on, keepalive, timewait or probe, then "
                                      "(SECONDS/RETRANSMITS/PROBES)";
    QTest::newRow("timer fields") << QByteArray(good).replace("off (0.00/0/0)", "on (0.20/0)")
                                  << "bad timer 'on (0.20/0)': expected off, on, keepalive, timewait or probe, then "
                                     "(SECONDS/RETRANSMITS/PROBES)";
    QTest::newRow("no timer") << QByteArray(good).replace(" off (0.00/0/0)", "") << "expected a Timer column (-o) at the end, as the header has";
    QTest::newRow("inode") << QByteArray(good).replace("223699", "22x699") << "Inode 22x699 is not a number";
    QTest::newRow("program") << QByteArray(good).replace("5833/python3", "python3     ")
                             << "PID/Program name 'python3' is neither PID/NAME nor -";
    QTest::newRow("not a row") << QByteArray("Verbindungen: 3")
                               << "not a netstat row: expected tcp or tcp6, Recv-Q, Send-Q, Local Address, Foreign Address and State";
}

void TestNetstatParser::shouldExplainWhatIsWrongWithARow()
{
    QFETCH(QByteArray, row);
    QFETCH(QString, reason);
    const auto result = parseRow(row);
    QCOMPARE(result.records.size(), 0);
    QCOMPARE(result.issues.size(), 1);
    QCOMPARE(result.issues[0].line, 3);
    QCOMPARE(result.issues[0].reason, reason);
}

void TestNetstatParser::shouldSetAsideRowsInStateUnknown()
{
    const auto result = NetstatParser().parse("tcp        0      0 127.0.0.1:1             127.0.0.1:2             UNKNOWN\n"
                                              "tcp        0      0 127.0.0.1:2             127.0.0.1:1             ESTABLISHED\n");
    QCOMPARE(result.records.size(), 1);
    QVERIFY(result.issues.isEmpty());
    QCOMPARE(result.unknownStateLines, QList<int>{1});
}

void TestNetstatParser::shouldPointAtAddressesNetstatMayHaveCut()
{
    // Without --wide netstat keeps 22 characters of address and port: [2001:db8:85a3::8a2e:370:7334]:443
    // prints as "2001:db8:85a3::8a2e:443", a valid address that is not the socket's.
    const auto result = NetstatParser().parse("tcp6       0      0 2001:db8:85a3::8a2e:443 2001:db8::1:50000       ESTABLISHED\n"
                                              "tcp6       0      0 2001:db8::1:50000       2001:db8:85a3::8a2e:443 ESTABLISHED\n"
                                              "tcp6       0      0 ::1:22                  ::1:50001               ESTABLISHED\n");
    QCOMPARE(result.records.size(), 3);
    QCOMPARE(result.possiblyCutLines, (QList<int>{1, 2}));
    const auto cut = parseRow("tcp6       0      0 2001:db8:1234:56789:443 ::1:2                   ESTABLISHED 0 1 - off (0.00/0/0)");
    QCOMPARE(cut.issues.value(0).reason,
             QStringLiteral("local address 2001:db8:1234:56789:443 is not numeric ADDRESS:PORT (run netstat with -n); "
                            "netstat also cuts an address that does not fit 23 characters (run it with --wide)"));
}

void TestNetstatParser::shouldSayWhatTheBannerListed()
{
    QCOMPARE(NetstatParser().parse("Active Internet connections (w/o servers)\n").listing, NetstatParser::Listing::WithoutServers);
    QCOMPARE(NetstatParser().parse("Active Internet connections (only servers)\n").listing, NetstatParser::Listing::ServersOnly);
    QCOMPARE(NetstatParser().parse("tcp 0 0 127.0.0.1:1 127.0.0.1:2 ESTABLISHED\n").listing, NetstatParser::Listing::Unknown);
}

void TestNetstatParser::shouldParseEndpoints_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ipv6");
    QTest::addColumn<QString>("expected"); // Endpoint::toString(), or "" when rejected
    QTest::newRow("v4") << "127.0.0.1:18200" << false << "127.0.0.1:18200";
    QTest::newRow("v4 any peer") << "0.0.0.0:*" << false << "0.0.0.0:*";
    QTest::newRow("v6 any") << ":::18240" << true << "[::]:18240";
    QTest::newRow("v6 any peer") << ":::*" << true << "[::]:*";
    QTest::newRow("v6 loopback") << "::1:18250" << true << "[::1]:18250";
    QTest::newRow("mapped, printed as IPv4") << "127.0.0.1:18240" << true << "[::ffff:127.0.0.1]:18240";
    QTest::newRow("mapped, printed as IPv6") << "::ffff:127.0.0.1:18240" << true << "[::ffff:127.0.0.1]:18240";
    QTest::newRow("v6 in a tcp row") << "::1:22" << false << "";
    QTest::newRow("port name") << "127.0.0.1:ssh" << false << "";
    QTest::newRow("host name") << "localhost:22" << false << "";
    QTest::newRow("no port") << "127.0.0.1:" << false << "";
    QTest::newRow("signed port") << "127.0.0.1:+22" << false << "";
}

void TestNetstatParser::shouldParseEndpoints()
{
    QFETCH(QString, text);
    QFETCH(bool, ipv6);
    QFETCH(QString, expected);
    const std::optional<Endpoint> e = NetstatParser::parseEndpoint(text, ipv6 ? AddressFamily::IPv6 : AddressFamily::IPv4);
    if (expected.isEmpty()) {
        QVERIFY(!e.has_value());
        return;
    }
    QVERIFY(e.has_value());
    QCOMPARE(e->toString(), expected);
    QCOMPARE(e->address.family(), ipv6 ? AddressFamily::IPv6 : AddressFamily::IPv4);
}

QTEST_GUILESS_MAIN(TestNetstatParser)
#include "tst_netstatparser.moc"
