// SPDX-License-Identifier: GPL-3.0-or-later
// Runs on real /proc/net/tcp{,6} text captured with tests/data/capture-fixtures.py
// (see tests/data/README.md for what each file holds).
#include "core/parsers/procnettcpparser.h"
#include "core/sources/procsource.h"

#include "../common/fixtures.h"

#include <QTemporaryDir>
#include <QTest>

#include <cctype>

using namespace sockscope;
using namespace sockscope::test;

namespace {

const QMap<QString, int> expectedCounts{
    {QStringLiteral("ESTABLISHED"), 18}, {QStringLiteral("SYN_SENT"), 1}, {QStringLiteral("SYN_RECV"), 1},
    {QStringLiteral("FIN_WAIT1"), 1},    {QStringLiteral("FIN_WAIT2"), 4}, {QStringLiteral("TIME_WAIT"), 2},
    {QStringLiteral("CLOSE_WAIT"), 2},   {QStringLiteral("LAST_ACK"), 1},  {QStringLiteral("LISTEN"), 12},
    {QStringLiteral("CLOSING"), 1},
};

// What every variant of the same capture must agree on.
QStringList essentials(const QList<SocketRecord> &records)
{
    QStringList out;
    for (const SocketRecord &r : records) {
        out << QStringLiteral("%1 %2 %3 %4:%5 t%6:%7 r%8 u%9 i%10")
                   .arg(r.local.toString(), r.remote.toString(), kernelName(r.state))
                   .arg(r.txQueue)
                   .arg(r.rxQueue)
                   .arg(int(r.timer))
                   .arg(r.timerRemainingMs)
                   .arg(r.retransmits)
                   .arg(r.uid.value_or(999999))
                   .arg(r.inode.value_or(999999));
    }
    return out;
}

} // namespace

class TestProcNetTcpParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldParseEveryRowOfARealIPv4Table();
    void shouldReadAddressesInHostWordOrder();
    void shouldReadTheListenersAcceptQueue();
    void shouldReportInodeZeroForConnectionsWithoutAFile();
    void shouldReadTimersAndTheirTimeLeft_data();
    void shouldReadTimersAndTheirTimeLeft();
    void shouldReadUidsOfOtherUsers();
    void shouldReadTrailingColumnsWhenPresent();
    void shouldParseARealIPv6TableWithMappedAddresses();
    void shouldParseConcatenatedTcpAndTcp6();
    void shouldTolerateHeaderAndColumnVariants_data();
    void shouldTolerateHeaderAndColumnVariants();
    void shouldToleratePaddingAndCrLf();
    void shouldSplitColumnsWhereverTheyFall();
    void shouldReportMalformedLinesAndKeepTheRest();
    void shouldRejectEachKindOfDamage_data();
    void shouldRejectEachKindOfDamage();
    void shouldHonourTheWritersByteOrder();
    void shouldParseEmptyInput();
    void shouldReadABigTableInPiecesAsOneText();
    void shouldReadALastLineWithoutNewline();
    void shouldSurviveALineLongerThanAPiece();
};

void TestProcNetTcpParser::shouldParseEveryRowOfARealIPv4Table()
{
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")), QStringLiteral("tcp"));
    QVERIFY2(result.issues.isEmpty(), qPrintable(result.issues.value(0).toString()));
    QCOMPARE(result.records.size(), 43);
    QCOMPARE(countByState(result.records), expectedCounts);
    for (const SocketRecord &r : result.records)
        QCOMPARE(r.family, AddressFamily::IPv4);
}

void TestProcNetTcpParser::shouldReadAddressesInHostWordOrder()
{
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    // "0100007F:4650" is 127.0.0.1:18000; "00000000:07E8" is the machine's 0.0.0.0:2024
    const SocketRecord *listener = findRecord(result.records, QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"));
    QVERIFY(listener);
    QCOMPARE(listener->state, TcpState::Listen);
    QVERIFY(findRecord(result.records, QStringLiteral("0.0.0.0:2024")));
    const SocketRecord *self = findRecord(result.records, QStringLiteral("127.0.0.1:18036"));
    QVERIFY(self);
    QCOMPARE(self->local, self->remote); // self-connect: simultaneous open with itself
    QCOMPARE(self->state, TcpState::Established);
}

void TestProcNetTcpParser::shouldReadTheListenersAcceptQueue()
{
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18000"), QStringLiteral("0.0.0.0:*"))->rxQueue, 2u);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18004"), QStringLiteral("0.0.0.0:*"))->rxQueue, 1u);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18044"), QStringLiteral("0.0.0.0:*"))->rxQueue, 1u);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18012"), QStringLiteral("0.0.0.0:*"))->rxQueue, 0u);
    // data queues of the FIN-behind-data recipe: 8192 bytes + the FIN's sequence number
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18013"))->txQueue, 8193u);
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18012"), QStringLiteral("127.0.0.1:18013"))->rxQueue, 5120u);
}

void TestProcNetTcpParser::shouldReportInodeZeroForConnectionsWithoutAFile()
{
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    const QStringList zero{QStringLiteral("127.0.0.1:18000 127.0.0.1:18002"), QStringLiteral("127.0.0.1:18000 127.0.0.1:18003"),
                           QStringLiteral("127.0.0.1:18004 127.0.0.1:18005"), QStringLiteral("127.0.0.1:18044 127.0.0.1:18046"),
                           QStringLiteral("127.0.0.1:18008 127.0.0.1:18009"), QStringLiteral("127.0.0.1:18021 127.0.0.1:18020"),
                           QStringLiteral("127.0.0.1:18024 127.0.0.1:18025"), QStringLiteral("127.0.0.1:18029 127.0.0.1:18028"),
                           QStringLiteral("127.0.0.1:18047 127.0.0.1:18044")};
    QStringList seen;
    for (const SocketRecord &r : result.records) {
        QVERIFY(r.inode.has_value());
        if (*r.inode == 0)
            seen << r.local.toString() + QLatin1Char(' ') + r.remote.toString();
    }
    seen.sort();
    QStringList expected = zero;
    expected.sort();
    QCOMPARE(seen, expected);
    // the accepted end of the same listener has a real inode
    QVERIFY(findRecord(result.records, QStringLiteral("127.0.0.1:18000"), QStringLiteral("127.0.0.1:18001"))->inode.value() > 0);
}

void TestProcNetTcpParser::shouldReadTimersAndTheirTimeLeft_data()
{
    QTest::addColumn<QString>("local");
    QTest::addColumn<QString>("state");
    QTest::addColumn<int>("timer");
    QTest::addColumn<qint64>("remainingMs");
    QTest::addColumn<uint>("retransmits");
    QTest::newRow("SYN_SENT retransmit") << "127.0.0.1:18006" << "SYN_SENT" << 1 << qint64(270) << 2u;
    QTest::newRow("FIN_WAIT1 zero window probe") << "127.0.0.1:18013" << "FIN_WAIT1" << 4 << qint64(520) << 0u;
    QTest::newRow("orphaned FIN_WAIT2 timewait") << "127.0.0.1:18021" << "FIN_WAIT2" << 3 << qint64(57520) << 0u;
    QTest::newRow("TIME_WAIT countdown") << "127.0.0.1:18029" << "TIME_WAIT" << 3 << qint64(59680) << 0u;
    QTest::newRow("CLOSING probe") << "127.0.0.1:18033" << "CLOSING" << 4 << qint64(1410) << 0u;
    QTest::newRow("keepalive") << "127.0.0.1:18041" << "ESTABLISHED" << 2 << qint64(3420) << 0u;
    QTest::newRow("no timer") << "127.0.0.1:18017" << "FIN_WAIT2" << 0 << qint64(0) << 0u;
}

void TestProcNetTcpParser::shouldReadTimersAndTheirTimeLeft()
{
    QFETCH(QString, local);
    QFETCH(QString, state);
    QFETCH(int, timer);
    QFETCH(qint64, remainingMs);
    QFETCH(uint, retransmits);
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    const SocketRecord *r = findRecord(result.records, local);
    QVERIFY(r);
    QCOMPARE(kernelName(r->state), state);
    QCOMPARE(int(r->timer), timer);
    QCOMPARE(r->timerRemainingMs, remainingMs);
    QCOMPARE(r->retransmits, retransmits);

    const SocketRecord *synRecv = findRecord(result.records, QStringLiteral("127.0.0.1:18008"), QStringLiteral("127.0.0.1:18009"));
    QCOMPARE(synRecv->state, TcpState::SynRecv);
    QCOMPARE(synRecv->timer, TimerKind::Retransmit); // the SYN-ACK timer of a request socket
    QCOMPARE(synRecv->retransmits, 1u);
}

void TestProcNetTcpParser::shouldReadUidsOfOtherUsers()
{
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.uid == 65534u; }), 5);
    // A TIME_WAIT entry has no owner any more: the kernel prints uid 0.
    QCOMPARE(findRecord(result.records, QStringLiteral("127.0.0.1:18047"))->uid, std::optional<quint32>(0));
}

void TestProcNetTcpParser::shouldReadTrailingColumnsWhenPresent()
{
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    const SocketRecord *established = findRecord(result.records, QStringLiteral("127.0.0.1:18001"));
    QVERIFY(established->rtoMs.has_value());
    QVERIFY(*established->rtoMs >= 200); // TCP_RTO_MIN
    QVERIFY(established->cwnd.has_value());
    // TIME_WAIT lines stop after refcount and pointer
    const SocketRecord *timeWait = findRecord(result.records, QStringLiteral("127.0.0.1:18029"));
    QVERIFY(!timeWait->rtoMs.has_value());
    QVERIFY(!timeWait->cwnd.has_value());
}

void TestProcNetTcpParser::shouldParseARealIPv6TableWithMappedAddresses()
{
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp6.txt")));
    QVERIFY2(result.issues.isEmpty(), qPrintable(result.issues.value(0).toString()));
    QCOMPARE(result.records.size(), 43);
    QCOMPARE(countByState(result.records), expectedCounts);
    for (const SocketRecord &r : result.records)
        QCOMPARE(r.family, AddressFamily::IPv6);

    const SocketRecord *listener = findRecord(result.records, QStringLiteral("[::1]:18100"), QStringLiteral("[::]:*"));
    QVERIFY(listener);
    QCOMPARE(listener->rxQueue, 2u);
    QVERIFY(listener->local.address.isLoopback());

    const SocketRecord *dualStack = findRecord(result.records, QStringLiteral("[::]:18048"));
    QVERIFY(dualStack);
    QVERIFY(dualStack->local.address.isAny());
    QCOMPARE(dualStack->state, TcpState::Listen);

    const SocketRecord *mapped = findRecord(result.records, QStringLiteral("[::ffff:127.0.0.1]:18048"));
    QVERIFY(mapped);
    QVERIFY(mapped->local.address.isV4Mapped());
    QCOMPARE(mapped->remote.toString(), QStringLiteral("[::ffff:127.0.0.1]:18049"));
    QCOMPARE(mapped->state, TcpState::Established);

    const SocketRecord *timeWait = findRecord(result.records, QStringLiteral("[::1]:18129"));
    QCOMPARE(timeWait->state, TcpState::TimeWait);
    QCOMPARE(timeWait->timer, TimerKind::TimeWait);
    QCOMPARE(timeWait->timerRemainingMs, qint64(59680));
    QCOMPARE(findRecord(result.records, QStringLiteral("[::1]:18113"))->probes, 1u);
}

void TestProcNetTcpParser::shouldParseConcatenatedTcpAndTcp6()
{
    const QByteArray both = readFixture(QStringLiteral("proc-net-tcp.txt")) + readFixture(QStringLiteral("proc-net-tcp6.txt"));
    const auto result = ProcNetTcpParser().parse(both);
    QVERIFY(result.issues.isEmpty());
    QCOMPARE(result.records.size(), 86);
    QCOMPARE(countIf(result.records, [](const SocketRecord &r) { return r.family == AddressFamily::IPv6; }), 43);
}

void TestProcNetTcpParser::shouldTolerateHeaderAndColumnVariants_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("hasTrailingColumns");
    QTest::newRow("no header") << "proc-net-tcp-noheader.txt" << true;
    QTest::newRow("udp header") << "proc-net-tcp-udpheader.txt" << true;
    QTest::newRow("only the fixed columns") << "proc-net-tcp-trimmed.txt" << false;
    QTest::newRow("extra columns") << "proc-net-tcp-extra-columns.txt" << true;
}

void TestProcNetTcpParser::shouldTolerateHeaderAndColumnVariants()
{
    QFETCH(QString, file);
    QFETCH(bool, hasTrailingColumns);
    const auto base = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    const auto variant = ProcNetTcpParser().parse(readFixture(file));
    QVERIFY2(variant.issues.isEmpty(), qPrintable(variant.issues.value(0).toString()));
    QCOMPARE(essentials(variant.records), essentials(base.records));
    const SocketRecord *established = findRecord(variant.records, QStringLiteral("127.0.0.1:18001"));
    QCOMPARE(established->rtoMs.has_value(), hasTrailingColumns);
}

void TestProcNetTcpParser::shouldToleratePaddingAndCrLf()
{
    QByteArray text = readFixture(QStringLiteral("proc-net-tcp6.txt"));
    text.replace("\n", "\r\n");
    text.replace(" ", "\t ");
    const auto result = ProcNetTcpParser().parse(text);
    QVERIFY(result.issues.isEmpty());
    QCOMPARE(essentials(result.records),
             essentials(ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp6.txt"))).records));
}

void TestProcNetTcpParser::shouldSplitColumnsWhereverTheyFall()
{
    // The tokenizer looks at 64 bytes at a time (one at a time near the end of the text):
    // columns must come out the same wherever a window boundary falls, for every kind of
    // blank, and for lines cut off by the end of the text.
    const QByteArray clean = readFixture(QStringLiteral("proc-net-tcp.txt"));
    const QList<SocketRecord> expected = ProcNetTcpParser().parse(clean).records;
    const char blanks[] = {' ', '\t', '\v', '\f', '\r'};
    for (int shift = 0; shift < 140; ++shift) {
        QByteArray text;
        int n = shift;
        for (const QByteArray &line : clean.split('\n')) {
            QByteArray spaced(shift % 67, blanks[shift % 5]);
            for (const QByteArray &column : line.split(' ')) {
                if (column.isEmpty())
                    continue;
                spaced += column + QByteArray(1 + n % 3, blanks[n % 5]);
                ++n;
            }
            text += spaced + '\n';
        }
        qsizetype flush = text.size(); // the last column ends where the text does
        while (flush > 0 && std::isspace(static_cast<unsigned char>(text[flush - 1])))
            --flush;
        for (const qsizetype cut : {text.size(), flush}) {
            const auto result = ProcNetTcpParser().parse(QByteArrayView(text).first(cut));
            QVERIFY2(result.issues.isEmpty(), qPrintable(QStringLiteral("shift %1: %2").arg(shift).arg(result.issues.value(0).toString())));
            QCOMPARE(result.records, expected);
        }
    }
}

void TestProcNetTcpParser::shouldReportMalformedLinesAndKeepTheRest()
{
    const QString origin = QStringLiteral("saved/tcp");
    const auto result = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp-malformed.txt")), origin);
    const auto clean = ProcNetTcpParser().parse(readFixture(QStringLiteral("proc-net-tcp.txt")));
    QCOMPARE(essentials(result.records), essentials(clean.records));

    // The damaged lines (tests/data/README.md section 6); the blank line 30 loses nothing and
    // is not reported.
    QList<int> lines;
    for (const ParseIssue &issue : result.issues) {
        lines << issue.line;
        QCOMPARE(issue.origin, origin);
        QVERIFY(!issue.text.isEmpty());
        QVERIFY(issue.toString().startsWith(QStringLiteral("saved/tcp:%1: ").arg(issue.line)));
    }
    QCOMPARE(lines, (QList<int>{24, 26, 28, 32}));
    QVERIFY(result.issues[0].reason.contains(QStringLiteral("columns")));
    QVERIFY(result.issues[1].reason.contains(QStringLiteral("local address")));
    QCOMPARE(result.issues[2].reason, QStringLiteral("unknown state 0D"));
    QVERIFY(result.issues[3].text.startsWith("garbage"));
}

void TestProcNetTcpParser::shouldRejectEachKindOfDamage_data()
{
    // Each row starts from a real line of proc-net-tcp.txt and breaks one column.
    const QByteArray real = "  33: 0100007F:466D 0100007F:466C 06 00000000:00000000 03:00001750 00000000     0        0 0 3 00000000d8918a05";
    QTest::addColumn<QByteArray>("line");
    QTest::addColumn<QString>("reason");
    QTest::newRow("real line") << real << QString();
    QTest::newRow("slot without colon") << QByteArray(real).replace("33:", "33") << "first column";
    QTest::newRow("short address") << QByteArray(real).replace("0100007F:466D", "0100007:466D") << "local address";
    QTest::newRow("port too wide") << QByteArray(real).replace("0100007F:466C", "0100007F:466CC") << "remote address";
    QTest::newRow("mixed widths") << QByteArray(real).replace("0100007F:466C", "00000000000000000000000001000000:466C") << "different widths";
    QTest::newRow("state zero") << QByteArray(real).replace(" 06 ", " 00 ") << "unknown state 00";
    QTest::newRow("state not hex") << QByteArray(real).replace(" 06 ", " 0G ") << "state is not hexadecimal";
    QTest::newRow("queues") << QByteArray(real).replace("00000000:00000000", "00000000-00000000") << "tx_queue";
    QTest::newRow("timer kind 9") << QByteArray(real).replace("03:00001750", "09:00001750") << "tr:tm->when";
    QTest::newRow("retransmits") << QByteArray(real).replace(" 00000000     0", " 0000000X     0") << "retrnsmt";
    QTest::newRow("uid negative") << QByteArray(real).replace("     0        0 0 3", "    -1        0 0 3") << "uid";
    QTest::newRow("inode") << QByteArray(real).replace("        0 0 3", "        0 x 3") << "inode";
    QTest::newRow("nine columns") << real.left(real.indexOf("        0 0 3")) << "expected at least 10 columns";
}

void TestProcNetTcpParser::shouldRejectEachKindOfDamage()
{
    QFETCH(QByteArray, line);
    QFETCH(QString, reason);
    const auto result = ProcNetTcpParser().parse(line);
    if (reason.isEmpty()) {
        QCOMPARE(result.records.size(), 1);
        QCOMPARE(result.records[0].state, TcpState::TimeWait);
        return;
    }
    QCOMPARE(result.records.size(), 0);
    QCOMPARE(result.issues.size(), 1);
    QCOMPARE(result.issues[0].line, 1);
    QVERIFY2(result.issues[0].reason.contains(reason), qPrintable(result.issues[0].reason));
}

void TestProcNetTcpParser::shouldHonourTheWritersByteOrder()
{
    // The same socket as a big-endian machine would print it.
    const QByteArray line = "   0: 7F000001:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242";
    const auto result = ProcNetTcpParser(QSysInfo::BigEndian).parse(line);
    QCOMPARE(result.records.size(), 1);
    QCOMPARE(result.records[0].local.toString(), QStringLiteral("127.0.0.1:8000"));
    QCOMPARE(result.records[0].uid, std::optional<quint32>(1000));
    QCOMPARE(result.records[0].inode, std::optional<quint64>(4242));
}

void TestProcNetTcpParser::shouldParseEmptyInput()
{
    QVERIFY(ProcNetTcpParser().parse(QByteArray()).records.isEmpty());
    QVERIFY(ProcNetTcpParser().parse(QByteArray()).issues.isEmpty());
    const QByteArray headerOnly = readFixture(QStringLiteral("proc-net-tcp.txt")).split('\n').first();
    QVERIFY(ProcNetTcpParser().parse(headerOnly).records.isEmpty());
    QVERIFY(ProcNetTcpParser().parse(headerOnly).issues.isEmpty());
}

namespace {

// A directory holding `tcp` (and `tcp6` when given) with these bytes, as ProcSource reads it.
QString procDirectory(const QTemporaryDir &dir, const QByteArray &tcp, const QByteArray &tcp6 = QByteArray())
{
    const auto write = [&](const char *name, const QByteArray &bytes) {
        QFile file(dir.filePath(QLatin1String(name)));
        return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
    };
    if (!write("tcp", tcp) || (!tcp6.isNull() && !write("tcp6", tcp6)))
        return QString();
    return dir.path();
}

} // namespace

void TestProcNetTcpParser::shouldReadABigTableInPiecesAsOneText()
{
    // The real table's lines repeated past several 64 KiB reads, with damaged lines among
    // them: whatever line a read cuts in two must come out as the whole text parses it.
    const QList<QByteArray> real = readFixture(QStringLiteral("proc-net-tcp.txt")).split('\n');
    const QList<QByteArray> damaged = readFixture(QStringLiteral("proc-net-tcp-malformed.txt")).split('\n');
    QByteArray tcp = real.first() + '\n';
    for (int copy = 0; copy < 60; ++copy) {
        for (qsizetype i = 1; i < real.size(); ++i) {
            if (!real[i].isEmpty())
                tcp += real[i] + '\n';
        }
        if (copy % 7 == 3)
            tcp += damaged[23] + '\n' + damaged[31] + '\n';
    }
    QVERIFY(tcp.size() > 4 * 64 * 1024);
    const QByteArray tcp6 = readFixture(QStringLiteral("proc-net-tcp6.txt"));

    QTemporaryDir dir;
    const QString directory = procDirectory(dir, tcp, tcp6);
    QVERIFY(!directory.isEmpty());
    const Snapshot snapshot = ProcSource(directory).take(SocketFilter());
    QVERIFY2(snapshot.ok(), qPrintable(snapshot.error));

    const QString tcpPath = directory + QStringLiteral("/tcp");
    const QString tcp6Path = directory + QStringLiteral("/tcp6");
    auto whole = ProcNetTcpParser().parse(tcp, tcpPath);
    const auto whole6 = ProcNetTcpParser().parse(tcp6, tcp6Path);
    whole.records += whole6.records;
    QCOMPARE(snapshot.records.size(), 60 * 43 + whole6.records.size());
    QCOMPARE(snapshot.records, whole.records);

    QCOMPARE(snapshot.issues.size(), 2 * 9);
    QCOMPARE(snapshot.issues.size(), whole.issues.size());
    for (qsizetype i = 0; i < whole.issues.size(); ++i) {
        QCOMPARE(snapshot.issues[i].origin, tcpPath);
        QCOMPARE(snapshot.issues[i].line, whole.issues[i].line);
        QCOMPARE(snapshot.issues[i].text, whole.issues[i].text);
    }
}

void TestProcNetTcpParser::shouldReadALastLineWithoutNewline()
{
    const QByteArray tcp = readFixture(QStringLiteral("proc-net-tcp.txt")).trimmed();
    QVERIFY(!tcp.endsWith('\n'));
    QTemporaryDir dir;
    const QString directory = procDirectory(dir, tcp);
    QVERIFY(!directory.isEmpty());
    const Snapshot snapshot = ProcSource(directory).take(SocketFilter());
    QVERIFY2(snapshot.ok(), qPrintable(snapshot.error));
    QCOMPARE(snapshot.records, ProcNetTcpParser().parse(tcp).records);
    QCOMPARE(snapshot.records.size(), 43);
    QVERIFY(snapshot.issues.isEmpty());
}

void TestProcNetTcpParser::shouldSurviveALineLongerThanAPiece()
{
    // Not what a kernel writes, but a saved file can hold anything: one issue, nothing else lost.
    const QList<QByteArray> real = readFixture(QStringLiteral("proc-net-tcp.txt")).split('\n');
    QByteArray tcp = real[0] + '\n' + real[1] + '\n' + QByteArray(200 * 1024, 'x') + '\n';
    for (qsizetype i = 2; i < real.size(); ++i)
        tcp += real[i] + (i + 1 < real.size() ? "\n" : "");
    QTemporaryDir dir;
    const QString directory = procDirectory(dir, tcp);
    QVERIFY(!directory.isEmpty());
    const Snapshot snapshot = ProcSource(directory).take(SocketFilter());
    QVERIFY2(snapshot.ok(), qPrintable(snapshot.error));
    QCOMPARE(snapshot.records.size(), 43);
    QCOMPARE(snapshot.issues.size(), 1);
    QCOMPARE(snapshot.issues[0].line, 3);
    QVERIFY(snapshot.issues[0].text.startsWith("xxxx"));
}

QTEST_GUILESS_MAIN(TestProcNetTcpParser)
#include "tst_procnettcpparser.moc"
