// SPDX-License-Identifier: GPL-3.0-or-later
// Saved /proc and ss tables, parsed while they are read: the same rows, issues and line numbers
// as parsing the whole text at once, with bounded memory for a file of garbage.
#include "core/format/dumpfile.h"
#include "core/format/untrustedfile.h"
#include "core/parsers/netstatparser.h"
#include "core/parsers/procnettcpparser.h"
#include "core/parsers/ssparser.h"

#include "../common/fixtures.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

Snapshot readDump(const QString &path, const QString &format = QString())
{
    UntrustedFile file(path, DumpFile::maxBytes, DumpFile::kind());
    return DumpFile::read(file, format);
}

} // namespace

class TestDumpFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldGuessTheFormatFromTheFirstLine_data();
    void shouldGuessTheFormatFromTheFirstLine();
    void shouldParseInPiecesAsInOne_data();
    void shouldParseInPiecesAsInOne();
    void shouldListAtMostMaxIssuesAndCountTheRest();
    void shouldSkipWhatWasPastedAroundATable();
    void shouldReadSsWildcardAsTheFileSays_data();
    void shouldReadSsWildcardAsTheFileSays();
    void shouldReportAFileItCannotReadAsAnError();
};

void TestDumpFile::shouldGuessTheFormatFromTheFirstLine_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("format");
    QTest::newRow("proc header") << QByteArray("  sl  local_address rem_address\n") << "proc";
    QTest::newRow("proc slot") << QByteArray("\n\n   0: 0100007F:1F40 00000000:0000 0A\n") << "proc";
    QTest::newRow("ss header") << QByteArray("State  Recv-Q Send-Q\n") << "ss";
    QTest::newRow("ss row") << QByteArray("ESTAB 0 0 127.0.0.1:1 127.0.0.1:2\n") << "ss";
    QTest::newRow("colon alone is not a slot") << QByteArray(": x\n") << "ss";
    QTest::newRow("blank") << QByteArray(" \n\t\n") << "";
    QTest::newRow("netstat banner") << QByteArray("Active Internet connections (servers and established)\n") << "netstat";
    QTest::newRow("netstat header")
        << QByteArray("Proto Recv-Q Send-Q Local Address           Foreign Address         State\n") << "netstat";
    QTest::newRow("netstat row, header cut away")
        << QByteArray("tcp        0      0 127.0.0.1:22            0.0.0.0:*               LISTEN\n") << "netstat";
    QTest::newRow("ss -tuan row") << QByteArray("tcp   LISTEN 0      128    127.0.0.1:22 0.0.0.0:*\n") << "ss";
    QTest::newRow("netstat's message on stderr")
        << QByteArray("(Not all processes could be identified, non-owned process info\n") << "netstat";
    QTest::newRow("prompt, then netstat")
        << QByteArray("$ netstat -tan\nActive Internet connections (servers and established)\n") << "netstat";
    QTest::newRow("root's prompt, then ss") << QByteArray("root@host:~# ss -tan\nState  Recv-Q Send-Q\n") << "ss";
    QTest::newRow("prompt, then proc") << QByteArray("[me@host ~]$ cat /proc/net/tcp\n  sl  local_address\n") << "proc";
    QTest::newRow("separator, then ss") << QByteArray("--------\nESTAB 0 0 127.0.0.1:1 127.0.0.1:2\n") << "ss";
    QTest::newRow("a prompt alone tells nothing") << QByteArray("$ ss -tan\n\n") << "";
}

void TestDumpFile::shouldGuessTheFormatFromTheFirstLine()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, format);
    QCOMPARE(DumpFile::guessFormat(text), format);
}

void TestDumpFile::shouldParseInPiecesAsInOne_data()
{
    QTest::addColumn<QString>("fixture");
    QTest::addColumn<QString>("format");
    QTest::newRow("proc") << "proc-net-tcp.txt" << "proc";
    QTest::newRow("proc malformed") << "proc-net-tcp-malformed.txt" << "proc";
    QTest::newRow("tcp6") << "proc-net-tcp6.txt" << "proc";
    QTest::newRow("ss -tan") << "ss-tan.txt" << "ss";
    QTest::newRow("ss -tanoie, continued on indented lines") << "ss-tanoie.txt" << "ss";
    QTest::newRow("ss malformed") << "ss-malformed.txt" << "ss";
    QTest::newRow("ss -tuan") << "ss-tuan.txt" << "ss";
    QTest::newRow("netstat -tanpoe") << "netstat-tanpoe.txt" << "netstat";
    QTest::newRow("netstat pasted from a terminal") << "netstat-pasted.txt" << "netstat";
    QTest::newRow("netstat malformed") << "netstat-malformed.txt" << "netstat";
}

void TestDumpFile::shouldParseInPiecesAsInOne()
{
    QFETCH(QString, fixture);
    QFETCH(QString, format);
    // Many copies, so that 64 KiB pieces end anywhere: inside a proc line, between an ss socket
    // line and its indented continuation.
    QByteArray text;
    while (text.size() < 400 * 1024)
        text += readFixture(fixture);
    QTemporaryDir dir;
    const QString path = dir.filePath(fixture);
    QVERIFY(writeFile(path, text));

    QList<SocketRecord> records;
    QList<ParseIssue> issues;
    if (format == QLatin1String("proc")) {
        ProcNetTcpParser().parseInto(text, path, records, issues);
    } else if (format == QLatin1String("netstat")) {
        NetstatParser::Result whole = NetstatParser().parse(text, path);
        records = whole.records;
        issues = whole.issues;
    } else {
        SsParser::Result whole = SsParser().parse(text, path);
        records = whole.records;
        issues = whole.issues;
    }
    QVERIFY(issues.size() <= DumpFile::maxIssues);

    // In one piece, the parser's own rows; ss's "*" rows only gain the mark of their inferred
    // family (these captures are of an ss that prints 0.0.0.0).
    const Snapshot whole = DumpFile::parse(text, path, format);
    QCOMPARE(whole.records.size(), records.size());
    for (qsizetype i = 0; i < records.size(); ++i) {
        SocketRecord unmarked = whole.records[i];
        unmarked.familyInferred = false;
        QVERIFY(unmarked == records[i]);
    }
    QCOMPARE(whole.issues.size(), issues.size());

    const Snapshot guessed = readDump(path);
    QVERIFY2(guessed.ok(), qPrintable(guessed.error));
    QCOMPARE(guessed.source, QStringLiteral("file:%1:%2").arg(format, fixture));
    QCOMPARE(guessed.records.size(), whole.records.size());
    QVERIFY(guessed.records == whole.records);
    QCOMPARE(guessed.issues.size(), whole.issues.size());
    for (qsizetype i = 0; i < whole.issues.size(); ++i)
        QCOMPARE(guessed.issues[i].toString(), whole.issues[i].toString());
    QCOMPARE(guessed.notes, whole.notes);

    const Snapshot named = readDump(path, format);
    QVERIFY(named.records == whole.records);
}

void TestDumpFile::shouldListAtMostMaxIssuesAndCountTheRest()
{
    QTemporaryDir dir;
    for (const char *format : {"proc", "ss"}) {
        // A file of nothing but bad lines: each would be a listed issue.
        QByteArray text = format == QByteArray("proc") ? QByteArray("  sl  local_address\n") : QByteArray("State\n");
        const int bad = int(DumpFile::maxIssues) + 4321;
        for (int i = 0; i < bad; ++i)
            text += "0: garbage\n";
        const QString path = dir.filePath(QLatin1String(format));
        QVERIFY(writeFile(path, text));
        const Snapshot s = readDump(path, QLatin1String(format));
        QVERIFY(s.ok());
        QCOMPARE(s.issues.size(), DumpFile::maxIssues);
        QCOMPARE(s.issues.first().line, 2);
        QCOMPARE(s.issues.last().line, int(DumpFile::maxIssues) + 1);
        QCOMPARE(s.notes, QStringList{QStringLiteral("%1: 4321 more malformed lines are not listed").arg(path)});
    }
}

void TestDumpFile::shouldSkipWhatWasPastedAroundATable()
{
    // A prompt before a /proc table, and nothing but a prompt: skipped, named, not malformed.
    const QByteArray pasted = QByteArray("$ cat /proc/net/tcp\n") + readFixture(QStringLiteral("proc-net-tcp.txt")) + "---\n";
    const Snapshot proc = DumpFile::parse(pasted, QStringLiteral("tcp.txt"));
    QCOMPARE(proc.source, QStringLiteral("file:proc:tcp.txt"));
    QCOMPARE(proc.records.size(), 43);
    QVERIFY(proc.issues.isEmpty());
    QCOMPARE(proc.notes, QStringList{QStringLiteral("tcp.txt: 2 lines that are not socket rows skipped: a shell prompt at "
                                                    "line 1, a separator line at line 46")});

    const Snapshot empty = DumpFile::parse("$ ss -tan\n\n", QStringLiteral("empty.txt"));
    QVERIFY(empty.records.isEmpty());
    QVERIFY(empty.issues.isEmpty());
    QCOMPARE(empty.notes, QStringList{QStringLiteral("empty.txt: 2 lines that are not socket rows skipped: a shell prompt "
                                                     "at line 1, a blank line at line 2")});

    // ss -tuan: its udp rows, and the blank line in the malformed capture, are named; the
    // damaged rows are still issues.
    const Snapshot tuan = DumpFile::parse(readFixture(QStringLiteral("ss-tuan.txt")), QStringLiteral("tuan.txt"));
    QCOMPARE(tuan.records.size(), 86);
    QVERIFY(tuan.notes.contains(QStringLiteral("tuan.txt: 4 lines that are not socket rows skipped: 4 udp rows at lines "
                                               "2, 3, 4 and 1 more")));
    const Snapshot malformed = DumpFile::parse(readFixture(QStringLiteral("ss-malformed.txt")), QStringLiteral("bad.txt"));
    QCOMPARE(malformed.issues.size(), 4);
    QVERIFY(malformed.notes.contains(QStringLiteral("bad.txt: 1 line that is not a socket row skipped: a blank line at line 95")));
}

void TestDumpFile::shouldReadSsWildcardAsTheFileSays_data()
{
    // Rows written for the rule at hand, in ss's own spellings; the files in tests/data hold
    // real output of both kinds (ss-old-wildcard.txt, ss-tan-with-netstat.txt).
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("address"); // of the "*:22" listener, as read
    QTest::addColumn<QString>("because");
    const QString older = QStringLiteral("ss before 4.14 printed '*' for 0.0.0.0: read as IPv4 because %1 (1 socket marked as inferred)");
    const QString newer = QStringLiteral("ss before 4.14 printed '*' for 0.0.0.0, later versions for a dual-stack IPv6 "
                                         "socket: read as dual-stack IPv6 because %1 (1 socket marked as inferred)");
    QTest::newRow("an IPv4 connection on the listener's port")
        << QByteArray("State      Recv-Q Send-Q        Local Address:Port          Peer Address:Port\n"
                      "LISTEN     0      128                       *:22                       *:*\n"
                      "ESTAB      0      0               192.0.2.10:22            198.51.100.7:51234\n")
        << "0.0.0.0:22"
        << older.arg(QStringLiteral("192.0.2.10:22 (peer 198.51.100.7:51234) is an IPv4 connection on port 22 of the "
                                    "'*:22' listener, which ss 4.14 and later show as [::ffff:192.0.2.10]:22"));
    QTest::newRow("an IPv4 listener whose peer is *:* (ss -4)")
        << QByteArray("LISTEN     0      128                       *:22                       *:*\n"
                      "LISTEN     0      100               127.0.0.1:25                       *:*\n")
        << "0.0.0.0:22"
        << older.arg(QStringLiteral("line 2 shows 127.0.0.1:25 with the peer '*:*', which ss 4.14 and later print as '0.0.0.0:*'"));
    QTest::newRow("IPv6 without brackets")
        << QByteArray("LISTEN     0      128                       *:22                       *:*\n"
                      "LISTEN     0      128                      :::22                      :::*\n")
        << "0.0.0.0:22"
        << older.arg(QStringLiteral("line 2 shows the IPv6 address :::22 without brackets, as only ss before 4.14 printed it"));
    QTest::newRow("0.0.0.0")
        << QByteArray("LISTEN 0      4096         0.0.0.0:111        0.0.0.0:*\n"
                      "LISTEN 0      128                *:22              *:*\n")
        << "[::]:22" << newer.arg(QStringLiteral("line 1 shows 0.0.0.0:111, which only ss 4.14 and later print"));
    QTest::newRow("[::]")
        << QByteArray("LISTEN 0      128                *:22              *:*\n"
                      "LISTEN 0      4096            [::]:111           [::]:*\n")
        << "[::]:22" << newer.arg(QStringLiteral("line 2 shows [::]:111, which only ss 4.14 and later print"));
    QTest::newRow("v6only:")
        << QByteArray("LISTEN 0      128                *:22              *:*     ino:17 sk:1 cgroup:/ v6only:0 <->\n")
        << "[::]:22" << newer.arg(QStringLiteral("line 1 shows v6only:0, which only ss 4.14 and later print"));
    QTest::newRow("nothing either way")
        << QByteArray("LISTEN 0      128                      *:22                         *:*\n"
                      "ESTAB  0      0      [::ffff:192.0.2.10]:22 [::ffff:198.51.100.7]:51234\n")
        << "[::]:22" << newer.arg(QStringLiteral("nothing in the file shows an ss older than 4.14"));
    QTest::newRow("both: the newer wins, and the note says so")
        << QByteArray("LISTEN     0      100               127.0.0.1:25                       *:*\n"
                      "LISTEN     0      4096                0.0.0.0:111                0.0.0.0:*\n"
                      "LISTEN     0      128                       *:22                       *:*\n")
        << "[::]:22"
        << newer.arg(QStringLiteral("line 2 shows 0.0.0.0:111, which only ss 4.14 and later print (though line 1 shows "
                                    "127.0.0.1:25 with the peer '*:*', which ss 4.14 and later print as '0.0.0.0:*': the "
                                    "file may hold the output of two ss versions)"));
}

void TestDumpFile::shouldReadSsWildcardAsTheFileSays()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, address);
    QFETCH(QString, because);
    const Snapshot s = DumpFile::parse(text, QStringLiteral("ss.txt"), QStringLiteral("ss"));
    QVERIFY(s.issues.isEmpty());
    QCOMPARE(s.notes, QStringList{QStringLiteral("ss.txt: ") + because});
    int inferred = 0;
    for (const SocketRecord &r : s.records) {
        QCOMPARE(r.remote.address.family(), r.family);
        if (!r.familyInferred)
            continue;
        ++inferred;
        QCOMPARE(r.local.toString(), address);
        QCOMPARE(r.family, address.startsWith(QLatin1Char('[')) ? AddressFamily::IPv6 : AddressFamily::IPv4);
        QVERIFY(r.remote.address.isAny());
    }
    QCOMPARE(inferred, 1);
}

void TestDumpFile::shouldReportAFileItCannotReadAsAnError()
{
    QTemporaryDir dir;
    const QString fifo = dir.filePath(QStringLiteral("tcp"));
    QCOMPARE(::mkfifo(QFile::encodeName(fifo).constData(), 0600), 0);
    const Snapshot s = readDump(fifo);
    QVERIFY(!s.ok());
    QCOMPARE(s.error, QStringLiteral("cannot read %1: it is a FIFO, not a regular file").arg(fifo));
    QVERIFY(s.records.isEmpty());
}

QTEST_GUILESS_MAIN(TestDumpFile)
#include "tst_dumpfile.moc"
