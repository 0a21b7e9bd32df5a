// SPDX-License-Identifier: GPL-3.0-or-later
// The sockscope executable's subcommands, run as a user would run them.
#include "core/system/labnetwork.h"
#include "core/session/sessionfile.h"
#include "core/sources/pollinterval.h"
#include "core/sources/socketsource.h"
#include "core/wire/wirefilter.h"

#include "../common/fixtures.h"
#include "../core/loopbackpair.h"

#include <QScopeGuard>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <sys/resource.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <sys/stat.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

struct Run
{
    int exitCode = -1;
    QString out;
    QString err;
};

QProcessEnvironment cleanEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("LC_ALL"), QStringLiteral("C.UTF-8"));
    // The window's options are checked once Qt is up; without a screen, offscreen.
    if (!env.contains(QStringLiteral("DISPLAY")) && !env.contains(QStringLiteral("WAYLAND_DISPLAY")))
        env.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return env;
}

// How a run is started, beyond its arguments.
struct Start
{
    QString program = QStringLiteral(SOCKSCOPE_EXECUTABLE);
    QString standardInput;    // a file, or the parent's nothing
    QString workingDirectory; // or this test's
};

Run runWith(const Start &how, const QStringList &arguments, const QProcessEnvironment &env = cleanEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    if (!how.standardInput.isEmpty())
        p.setStandardInputFile(how.standardInput);
    if (!how.workingDirectory.isEmpty())
        p.setWorkingDirectory(how.workingDirectory);
    p.start(how.program, arguments);
    Run r;
    if (!p.waitForFinished(60000)) {
        p.kill();
        p.waitForFinished();
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    return r;
}

Run run(const QStringList &arguments, const QProcessEnvironment &env = cleanEnvironment())
{
    return runWith(Start(), arguments, env);
}

// Runs sockscope where socket(AF_NETLINK) fails with EACCES (tests/common/denynetlink.cpp).
Run runWithoutNetlink(const QStringList &arguments)
{
    Start how;
    how.program = QStringLiteral(SOCKSCOPE_DENY_NETLINK);
    return runWith(how, QStringList{QStringLiteral(SOCKSCOPE_EXECUTABLE)} + arguments);
}

// Data rows of the human table (the header is the first line).
QStringList tableRows(const QString &out)
{
    QStringList lines = out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    if (!lines.isEmpty())
        lines.removeFirst();
    return lines;
}

} // namespace

class TestCli : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldPrintHelpForTheProgramAndEachCommand_data();
    void shouldPrintHelpForTheProgramAndEachCommand();
    void shouldRejectBadArgumentsWithStatus2_data();
    void shouldRejectBadArgumentsWithStatus2();
    void shouldPrintAFileAsAnAlignedTable();
    void shouldPrintAFileAsJson();
    void shouldGuessTheFormatOfAFile_data();
    void shouldGuessTheFormatOfAFile();
    void shouldReadNetstatOutput();
    void shouldSayHowItReadAnOldSsWildcard();
    void shouldFilterAFileByPortAndState();
    void shouldNameFileAndLineOfMalformedInput();
    void shouldFailClearlyOnAnUnreadableFile();
    void shouldReadOnlyRegularFiles_data();
    void shouldReadOnlyRegularFiles();
    void shouldReadADumpFromStandardInput();
    void shouldRefuseEndlessStandardInput();
    void shouldListAThousandMalformedLinesAndCountTheRest();
    void shouldSayWhenSsIsMissingAndKeepProcWorking();
    void shouldSayOnceWhyItReadsProcWhenNetlinkIsRefused();
    void shouldPrintTheLiveTable_data();
    void shouldPrintTheLiveTable();
    void shouldReportWhatPermissionsHideAsUnknown();
    void shouldWatchTransitionsOfARealConnection();
    void shouldAcceptTheSameIntervalsInWatchAndTheWindow();
    void shouldExplainHowToRunWithoutADisplay();
    void shouldOpenAFileWhoseNameStartsWithADash();
    void shouldListTheScenarios();
    void shouldRunAScenarioHeadless_data();
    void shouldRunAScenarioHeadless();
    void shouldShowTheBoundSocketWhereTheSourceListsIt_data();
    void shouldShowTheBoundSocketWhereTheSourceListsIt();
    void shouldHoldTheFinalSockets();
    void shouldNameTheHolderWhenTheScenarioPortIsTaken();
    void shouldRunTheScenarioInItsOwnNetworkWhateverTheHostHolds();
    void shouldPrintAnEpollServersCallsAndFigure();
    void shouldRunTheScenarioOnTheHostWhereUserNamespacesAreRefused();
    void shouldExportTheScenariosWireAsPcapng();
    void shouldExportTheScenariosSequenceDiagram();
    void shouldMarkASynTriedAgain();
    void shouldShowWhatAWireRuleDropped();
    void shouldExportASnapshot_data();
    void shouldExportASnapshot();
    void shouldExportAScenarioRun();
    void shouldExportWhatItWatchedWhenInterrupted();
    void shouldRefuseToOpenDamagedSessions();
    void shouldStopShortOfALowDescriptorLimit();
    void shouldPrintOutsideTextAsCharactersNotTerminalCodes();
};

void TestCli::shouldPrintHelpForTheProgramAndEachCommand_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("expected");
    QTest::newRow("program") << QStringList{"--help"} << "snapshot   print the kernel's TCP table";
    QTest::newRow("snapshot") << QStringList{"snapshot", "--help"} << "Usage: sockscope snapshot";
    QTest::newRow("watch") << QStringList{"watch", "--help"} << "Usage: sockscope watch";
    QTest::newRow("version") << QStringList{"--version"} << "sockscope 0.";
    QTest::newRow("open") << QStringList{"open", "--help"} << "sockscope open -- -x.json";
    QTest::newRow("snapshot from standard input") << QStringList{"snapshot", "--help"} << "--from-file FILE|-";
    QTest::newRow("snapshot reads netstat") << QStringList{"snapshot", "--help"} << "--format <proc|ss|netstat>";
}

void TestCli::shouldPrintHelpForTheProgramAndEachCommand()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, expected);
    const Run r = run(arguments);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(expected), qPrintable(r.out));
    QVERIFY(r.err.isEmpty());
}

void TestCli::shouldRejectBadArgumentsWithStatus2_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("message");
    QTest::newRow("unknown command") << QStringList{"frobnicate"} << "unknown command 'frobnicate'";
    QTest::newRow("unknown option") << QStringList{"snapshot", "--bogus"} << "Unknown option 'bogus'";
    QTest::newRow("port not a number") << QStringList{"snapshot", "--port", "http"} << "--port needs a number";
    QTest::newRow("port too big") << QStringList{"snapshot", "--port", "70000"} << "--port needs a number";
    QTest::newRow("unknown state") << QStringList{"snapshot", "--state", "HALF_OPEN"} << "unknown state 'HALF_OPEN'";
    QTest::newRow("unknown source") << QStringList{"snapshot", "--source", "netstat"} << "unknown source 'netstat'";
    QTest::newRow("format without file") << QStringList{"snapshot", "--format", "ss"} << "--format only applies";
    QTest::newRow("bad format") << QStringList{"snapshot", "--from-file", "x", "--format", "csv"}
                                << "--format must be proc, ss or netstat, not 'csv'";
    QTest::newRow("source and file") << QStringList{"snapshot", "--from-file", "x", "--source", "ss"} << "exclude each other";
    QTest::newRow("stray argument") << QStringList{"snapshot", "extra"} << "unexpected argument 'extra'";
    QTest::newRow("missing value") << QStringList{"snapshot", "--port"} << "Missing value after '--port'";
    QTest::newRow("interval too small") << QStringList{"watch", "--interval", "1"} << "--interval needs";
    QTest::newRow("bad duration") << QStringList{"watch", "--duration", "-3"} << "--duration needs";
    QTest::newRow("no scenario named") << QStringList{"scenario"} << "name a scenario";
    QTest::newRow("unknown scenario") << QStringList{"scenario", "teardown"} << "no scenario 'teardown'";
    QTest::newRow("two scenarios") << QStringList{"scenario", "handshake", "reset"} << "name one scenario, not 2";
    QTest::newRow("scenario port") << QStringList{"scenario", "handshake", "--port", "65536"} << "--port needs";
    QTest::newRow("scenario clients") << QStringList{"scenario", "many-clients", "--clients", "0"} << "--clients needs";
    QTest::newRow("scenario hold") << QStringList{"scenario", "handshake", "--hold", "soon"} << "--hold needs";
    QTest::newRow("export extension") << QStringList{"snapshot", "--export", "table.xlsx"} << "must end in .json";
    QTest::newRow("wire kind") << QStringList{"scenario", "handshake", "--wire", "drop synak"}
                               << "--wire: 'synak' is not a segment kind (syn, synack,";
    QTest::newRow("wire side") << QStringList{"scenario", "handshake", "--wire", "drop syn from clients"}
                               << "--wire: 'clients' is not a side (client, server) in 'drop syn from clients'";
    QTest::newRow("wire second of two") << QStringList{"scenario", "handshake", "--wire", "drop syn; drop 150% fin"}
                                        << "--wire: '150%' is not a percentage";
    QTest::newRow("wire scenario on the host") << QStringList{"scenario", "syn-retry", "--network", "host"}
                                               << "syn-retry loses or refuses segments on the lab's wire";
    QTest::newRow("wire on the host") << QStringList{"scenario", "handshake", "--network", "host", "--wire", "drop syn"}
                                      << "--wire acts on the private network's wire only";
    QTest::newRow("open two files") << QStringList{"open", "a.json", "b.json"} << "name one session file";
    // NaN compares false with everything, so a range check let it through; infinity and a
    // number too big for a double are no duration either.
    QTest::newRow("duration nan") << QStringList{"watch", "--duration", "nan"} << "--duration needs";
    QTest::newRow("duration inf") << QStringList{"watch", "--duration", "inf"} << "--duration needs";
    QTest::newRow("duration overflow") << QStringList{"watch", "--duration", "1e400"} << "--duration needs";
    QTest::newRow("duration with unit") << QStringList{"watch", "--duration", "5s"} << "--duration needs";
    QTest::newRow("duration zero") << QStringList{"watch", "--duration", "0"} << "--duration needs";
    QTest::newRow("interval nan") << QStringList{"watch", "--interval", "nan"} << "--interval needs";
    QTest::newRow("interval with unit") << QStringList{"watch", "--interval", "200ms"} << "--interval needs";
    QTest::newRow("interval overflow") << QStringList{"watch", "--interval", "99999999999"} << "--interval needs";
    // watch and the window take the same range (core/sources/pollinterval.h), and say it alike
    const QString below = QString::number(minIntervalMs - 1);
    const QString above = QString::number(maxIntervalMs + 1);
    const QString range = QStringLiteral("--interval needs milliseconds from %1 to %2, not '%3'")
                              .arg(QString::number(minIntervalMs), QString::number(maxIntervalMs));
    QTest::newRow("interval below the range") << QStringList{"watch", "--interval", below} << range.arg(below);
    QTest::newRow("interval above the range") << QStringList{"watch", "--interval", above} << range.arg(above);
    QTest::newRow("window interval below the range") << QStringList{"--interval", below} << range.arg(below);
    QTest::newRow("window interval above the range") << QStringList{"--interval", above} << range.arg(above);
    QTest::newRow("window network unknown") << QStringList{"--network", "lan"} << "--network is private or host, not 'lan'";
    QTest::newRow("hold nan") << QStringList{"scenario", "handshake", "--hold", "nan"} << "--hold needs";
    QTest::newRow("hold inf") << QStringList{"scenario", "handshake", "--hold", "inf"} << "--hold needs";
    QTest::newRow("hold negative") << QStringList{"scenario", "handshake", "--hold", "-1"} << "--hold needs";
    QTest::newRow("hold overflow") << QStringList{"scenario", "handshake", "--hold", "1e400"} << "--hold needs";
    QTest::newRow("clients nan") << QStringList{"scenario", "many-clients", "--clients", "nan"} << "--clients needs";
    QTest::newRow("clients negative") << QStringList{"scenario", "many-clients", "--clients", "-1"} << "--clients needs";
    QTest::newRow("scenario port negative") << QStringList{"scenario", "handshake", "--port", "-1"} << "--port needs";
    QTest::newRow("port negative") << QStringList{"snapshot", "--port", "-1"} << "--port needs";
    QTest::newRow("port with garbage") << QStringList{"snapshot", "--port", "80x"} << "--port needs";
    QTest::newRow("port overflow") << QStringList{"snapshot", "--port", "4294967377"} << "--port needs";
    // a kernel number is plain digits: "-1" used to be read as 1, ESTABLISHED
    QTest::newRow("state -1") << QStringList{"snapshot", "--state", "-1"} << "unknown state '-1'";
    QTest::newRow("state +1") << QStringList{"snapshot", "--state", "+1"} << "unknown state '+1'";
    QTest::newRow("state 0x1") << QStringList{"snapshot", "--state", "0x1"} << "unknown state '0x1'";
    QTest::newRow("state 1.0") << QStringList{"snapshot", "--state", "1.0"} << "unknown state '1.0'";
    // an option is not a file name
    QTest::newRow("open unknown option") << QStringList{"open", "--bogus"} << "sockscope open: Unknown option 'bogus'";
    QTest::newRow("open nothing") << QStringList{"open"} << "name one session file";
    QTest::newRow("open standard input") << QStringList{"open", "-"} << "not standard input";
    QTest::newRow("window unknown option") << QStringList{"--bogus"} << "sockscope: Unknown option 'bogus'";
    QTest::newRow("window interval nan") << QStringList{"--interval", "nan"} << "--interval needs";
    QTest::newRow("window port negative") << QStringList{"--port", "-1"} << "--port needs";
    QTest::newRow("window source") << QStringList{"--source", "netstat"} << "--source must be one of";
}

void TestCli::shouldRejectBadArgumentsWithStatus2()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, message);
    const Run r = run(arguments);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(r.err.contains(message), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("--help")), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
}

void TestCli::shouldPrintAFileAsAnAlignedTable()
{
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("proc-net-tcp.txt"))});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 44);
    QVERIFY(lines[0].startsWith(QStringLiteral("State")));
    // columns line up: "Local Address:Port" starts at the same offset on every line
    const qsizetype column = lines[0].indexOf(QStringLiteral("Local Address:Port"));
    for (const QString &line : lines.mid(1))
        QVERIFY2(line.at(column - 1) == QLatin1Char(' ') && line.at(column) != QLatin1Char(' '), qPrintable(line));
    // sorted by local port: the machine's 2024 listener first, then the 18000 listener
    QVERIFY(lines[1].contains(QStringLiteral("0.0.0.0:2024")));
    QVERIFY(lines[2].contains(QStringLiteral("127.0.0.1:18000")));
    QVERIFY(r.out.contains(QStringLiteral("timewait 59.68s")));
}

void TestCli::shouldPrintAFileAsJson()
{
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("ss-tanoie.txt")),
                       QStringLiteral("--format"), QStringLiteral("ss"), QStringLiteral("--json")});
    QCOMPARE(r.exitCode, 0);
    QJsonParseError error;
    const QJsonDocument doc = QJsonDocument::fromJson(r.out.toUtf8(), &error);
    QCOMPARE(error.error, QJsonParseError::NoError);
    const QJsonArray sockets = doc.object().value(QStringLiteral("sockets")).toArray();
    QCOMPARE(sockets.size(), 86);
    for (const QJsonValue &v : sockets) {
        const QJsonObject o = v.toObject();
        for (const char *key : {"family", "local_address", "local_port", "remote_address", "remote_port", "state",
                                "tx_queue", "rx_queue", "timer", "inode", "uid"})
            QVERIFY2(o.contains(QLatin1String(key)), key);
    }
    QJsonObject timeWait;
    for (const QJsonValue &v : sockets) {
        if (v.toObject().value(QStringLiteral("local_port")).toInt() == 18029)
            timeWait = v.toObject();
    }
    QCOMPARE(timeWait.value(QStringLiteral("state")).toString(), QStringLiteral("TIME_WAIT"));
    QCOMPARE(timeWait.value(QStringLiteral("family")).toString(), QStringLiteral("ipv4"));
    QCOMPARE(timeWait.value(QStringLiteral("remote_address")).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(timeWait.value(QStringLiteral("timer")).toObject().value(QStringLiteral("kind")).toString(), QStringLiteral("timewait"));
    QCOMPARE(timeWait.value(QStringLiteral("timer")).toObject().value(QStringLiteral("remaining_ms")).toInt(), 59000);
    QCOMPARE(timeWait.value(QStringLiteral("inode")).toInt(), 0);
    QCOMPARE(timeWait.value(QStringLiteral("uid")).toInt(), 0);
    QVERIFY(doc.object().value(QStringLiteral("errors")).toArray().isEmpty());
}

void TestCli::shouldGuessTheFormatOfAFile_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<int>("rows");
    QTest::newRow("proc with header") << "proc-net-tcp6.txt" << 43;
    QTest::newRow("proc without header") << "proc-net-tcp-noheader.txt" << 43;
    QTest::newRow("ss with header") << "ss-tan.txt" << 86;
    QTest::newRow("ss without header") << "ss-tanoieH.txt" << 86;
    QTest::newRow("netstat") << "netstat-tanpoe.txt" << 50;
    QTest::newRow("netstat after a prompt") << "netstat-pasted.txt" << 50;
    QTest::newRow("netstat after its message on stderr") << "netstat-tanp-nobody.txt" << 50;
}

void TestCli::shouldGuessTheFormatOfAFile()
{
    QFETCH(QString, file);
    QFETCH(int, rows);
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(file)});
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(tableRows(r.out).size(), rows);
}

void TestCli::shouldReadNetstatOutput()
{
    const QString file = fixturePath(QStringLiteral("netstat-tanpoe.txt"));
    const Run table = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), file, QStringLiteral("--format"),
                           QStringLiteral("netstat"), QStringLiteral("--port"), QStringLiteral("18217")});
    QCOMPARE(table.exitCode, 0);
    QVERIFY2(table.err.isEmpty(), qPrintable(table.err));
    const QStringList rows = tableRows(table.out);
    QCOMPARE(rows.size(), 2);
    QVERIFY2(rows[1].contains(QRegularExpression(QStringLiteral(
                 "^ESTABLISHED +0 +0 +127\\.0\\.0\\.1:18217 +127\\.0\\.0\\.1:18216 +keepalive 3599\\.26s +0 +223709 +0 +python3 \\(pid 5833\\)$"))),
             qPrintable(rows[1]));

    const Run json = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), file, QStringLiteral("--json"),
                          QStringLiteral("--port"), QStringLiteral("18240")});
    QCOMPARE(json.exitCode, 0);
    const QJsonObject root = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QVERIFY(root.value(QStringLiteral("source")).toString().startsWith(QStringLiteral("file:netstat:")));
    QJsonObject mapped;
    for (const QJsonValue &v : root.value(QStringLiteral("sockets")).toArray()) {
        if (v.toObject().value(QStringLiteral("local_port")).toInt() == 18240 && v.toObject().value(QStringLiteral("remote_port")).toInt() == 18241)
            mapped = v.toObject();
    }
    // netstat printed "tcp6 ... 127.0.0.1:18240": the IPv4-mapped address it stands for.
    QCOMPARE(mapped.value(QStringLiteral("family")).toString(), QStringLiteral("ipv6"));
    QCOMPARE(mapped.value(QStringLiteral("local_address")).toString(), QStringLiteral("::ffff:127.0.0.1"));
    QCOMPARE(mapped.value(QStringLiteral("owner_status")).toString(), QStringLiteral("process"));
    QCOMPARE(mapped.value(QStringLiteral("owners")).toArray().first().toObject().value(QStringLiteral("pid")).toInt(), 5833);

    // Pasted with a prompt, a separator and udp rows: all skipped, named, and not malformed.
    const Run pasted = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("netstat-pasted.txt"))});
    QCOMPARE(pasted.exitCode, 0);
    QCOMPARE(pasted.err, QStringLiteral("sockscope snapshot: %1: 8 lines that are not socket rows skipped: 2 shell prompts at "
                                        "lines 1 and 60, a blank line at line 54, a separator line at line 55, 2 udp rows at "
                                        "lines 56 and 57, 2 udp6 rows at lines 58 and 59\n")
                            .arg(fixturePath(QStringLiteral("netstat-pasted.txt"))));

    // Malformed rows are still reported, with their line, and fail the run.
    const QString malformed = fixturePath(QStringLiteral("netstat-malformed.txt"));
    const Run bad = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), malformed});
    QCOMPARE(bad.exitCode, 1);
    QCOMPARE(tableRows(bad.out).size(), 50);
    QVERIFY2(bad.err.contains(malformed + QStringLiteral(":5: local address 127.0.0.1:http is not numeric ADDRESS:PORT "
                                                         "(run netstat with -n)")),
             qPrintable(bad.err));
    QCOMPARE(bad.err.count(QLatin1Char('\n')), 3);
}

void TestCli::shouldSayHowItReadAnOldSsWildcard()
{
    // Reproduced from a public post of ss output from before iproute2 4.14 (tests/data/README.md).
    const QString file = fixturePath(QStringLiteral("ss-old-wildcard.txt"));
    const Run table = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), file});
    QCOMPARE(table.exitCode, 0);
    const QStringList rows = tableRows(table.out);
    QCOMPARE(rows.size(), 5);
    QVERIFY2(rows.filter(QStringLiteral("0.0.0.0:5634 (inferred from *)  0.0.0.0:*")).size() == 1, qPrintable(table.out));
    QVERIFY(rows.filter(QStringLiteral("[::]:5634 ")).size() == 1); // ":::5634" said its family itself
    QCOMPARE(table.err, QStringLiteral("sockscope snapshot: %1: ss before 4.14 printed '*' for 0.0.0.0: read as IPv4 because "
                                       "line 4 shows 127.0.0.1:32000 with the peer '*:*', which ss 4.14 and later print as "
                                       "'0.0.0.0:*' (1 socket marked as inferred)\n"
                                       "sockscope snapshot: %1: 1 line that is not a socket row skipped: a shell prompt at line 1\n")
                            .arg(file));

    QTemporaryDir dir;
    const QString exported = dir.filePath(QStringLiteral("old.json"));
    const Run json = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), file, QStringLiteral("--json"),
                          QStringLiteral("--export"), exported});
    QCOMPARE(json.exitCode, 0);
    int inferred = 0;
    for (const QJsonValue &v : QJsonDocument::fromJson(json.out.toUtf8()).object().value(QStringLiteral("sockets")).toArray()) {
        const QJsonObject o = v.toObject();
        const bool star = o.value(QStringLiteral("local_port")).toInt() == 5634 && o.value(QStringLiteral("family")) == QLatin1String("ipv4");
        QCOMPARE(o.contains(QStringLiteral("family_inferred")), star);
        if (star) {
            QCOMPARE(o.value(QStringLiteral("family_inferred")).toBool(), true);
            QCOMPARE(o.value(QStringLiteral("local_address")).toString(), QStringLiteral("0.0.0.0"));
            QCOMPARE(o.value(QStringLiteral("remote_address")).toString(), QStringLiteral("0.0.0.0"));
            ++inferred;
        }
    }
    QCOMPARE(inferred, 1);
    // A session keeps the mark, and reads it back.
    const SessionFile::Loaded loaded = SessionFile::load(exported);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QCOMPARE(std::count_if(loaded.document->table.cbegin(), loaded.document->table.cend(),
                           [](const SocketRecord &r) { return r.familyInferred; }),
             1);

    // ss of today, run next to the netstat captures: "*" is the dual-stack listener.
    const Run today = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("ss-tan-with-netstat.txt")),
                           QStringLiteral("--port"), QStringLiteral("18240")});
    QCOMPARE(today.exitCode, 0);
    QVERIFY2(today.out.contains(QStringLiteral("[::]:18240 (inferred from *)")), qPrintable(today.out));
    QVERIFY2(today.err.contains(QStringLiteral("read as dual-stack IPv6 because line 2 shows 0.0.0.0:2024, which only ss 4.14 "
                                               "and later print (1 socket marked as inferred)")),
             qPrintable(today.err));
}

void TestCli::shouldFilterAFileByPortAndState()
{
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("proc-net-tcp.txt")),
                       QStringLiteral("--port"), QStringLiteral("18000"), QStringLiteral("--state"), QStringLiteral("estab")});
    QCOMPARE(r.exitCode, 0);
    const QStringList rows = tableRows(r.out);
    QCOMPARE(rows.size(), 6); // 3 connections to the 18000 listener, both ends each
    for (const QString &row : rows) {
        QVERIFY(row.startsWith(QStringLiteral("ESTABLISHED")));
        QVERIFY(row.contains(QStringLiteral(":18000")));
    }
}

void TestCli::shouldNameFileAndLineOfMalformedInput()
{
    const QString file = fixturePath(QStringLiteral("proc-net-tcp-malformed.txt"));
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), file});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(tableRows(r.out).size(), 43); // the good rows are still printed
    QVERIFY2(r.err.contains(file + QStringLiteral(":24: expected at least 10 columns")), qPrintable(r.err));
    QVERIFY(r.err.contains(file + QStringLiteral(":28: unknown state 0D")));
    // The blank line among them is not malformed: it is named in a note.
    QVERIFY(r.err.contains(file + QStringLiteral(": 1 line that is not a socket row skipped: a blank line at line 30\n")));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 5);
}

void TestCli::shouldFailClearlyOnAnUnreadableFile()
{
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), QStringLiteral("/nonexistent/tcp")});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("cannot read /nonexistent/tcp")), qPrintable(r.err));
    QVERIFY(r.out.isEmpty());
}

void TestCli::shouldReadOnlyRegularFiles_data()
{
    QTest::addColumn<QString>("command");
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("said");
    // A FIFO used to block open() for ever; /dev/zero to be read until memory ran out.
    for (const char *command : {"snapshot", "open"}) {
        QTest::addRow("%s a FIFO", command) << command << "fifo" << "it is a FIFO, not a regular file";
        QTest::addRow("%s /dev/zero", command) << command << "/dev/zero" << "it is a character device, not a regular file";
        QTest::addRow("%s a directory", command) << command << "directory" << "it is a directory, not a regular file";
    }
}

void TestCli::shouldReadOnlyRegularFiles()
{
    QFETCH(QString, command);
    QFETCH(QString, what);
    QFETCH(QString, said);
    QTemporaryDir dir;
    QString path = what;
    if (what == QLatin1String("fifo")) {
        path = dir.filePath(QStringLiteral("fifo"));
        QCOMPARE(::mkfifo(QFile::encodeName(path).constData(), 0600), 0);
    } else if (what == QLatin1String("directory")) {
        path = dir.path();
    }
    const QStringList arguments = command == QLatin1String("open") ? QStringList{command, path}
                                                                   : QStringList{command, QStringLiteral("--from-file"), path};
    const Run r = run(arguments);
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, QStringLiteral("sockscope %1: cannot read %2: %3\n").arg(command, path, said));
    QVERIFY(r.out.isEmpty());
}

void TestCli::shouldReadADumpFromStandardInput()
{
    Start piped;
    piped.standardInput = fixturePath(QStringLiteral("proc-net-tcp.txt"));
    const Run table = runWith(piped, {QStringLiteral("snapshot"), QStringLiteral("--from-file"), QStringLiteral("-")});
    QCOMPARE(table.exitCode, 0);
    QCOMPARE(tableRows(table.out).size(), 43);

    piped.standardInput = fixturePath(QStringLiteral("ss-tanoie.txt"));
    const Run json = runWith(piped, {QStringLiteral("snapshot"), QStringLiteral("--from-file"), QStringLiteral("-"),
                                     QStringLiteral("--json")});
    QCOMPARE(json.exitCode, 0);
    const QJsonObject doc = QJsonDocument::fromJson(json.out.toUtf8()).object();
    QCOMPARE(doc.value(QStringLiteral("source")).toString(), QStringLiteral("file:ss:standard input"));
    QCOMPARE(doc.value(QStringLiteral("sockets")).toArray().size(), 86);

    piped.standardInput = fixturePath(QStringLiteral("proc-net-tcp-malformed.txt"));
    const Run bad = runWith(piped, {QStringLiteral("snapshot"), QStringLiteral("--from-file"), QStringLiteral("-")});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.contains(QStringLiteral("standard input:24: expected at least 10 columns")), qPrintable(bad.err));
}

void TestCli::shouldRefuseEndlessStandardInput()
{
    Start endless;
    endless.standardInput = QStringLiteral("/dev/zero");
    const Run r = runWith(endless, {QStringLiteral("snapshot"), QStringLiteral("--from-file"), QStringLiteral("-")});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(r.err, QStringLiteral("sockscope snapshot: cannot read standard input: more than 256 MiB; "
                                   "a saved /proc/net/tcp, ss or netstat table is at most 256 MiB\n"));
    QVERIFY(r.out.isEmpty());
}

void TestCli::shouldListAThousandMalformedLinesAndCountTheRest()
{
    QTemporaryDir dir;
    QFile file(dir.filePath(QStringLiteral("tcp")));
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(readFixture(QStringLiteral("proc-net-tcp.txt")));
    for (int i = 0; i < 1005; ++i)
        file.write("  99: garbage\n");
    file.close();
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), file.fileName()});
    QCOMPARE(r.exitCode, 1);
    QCOMPARE(tableRows(r.out).size(), 43);
    const QStringList lines = r.err.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1001);
    QCOMPARE(lines.last(), QStringLiteral("sockscope snapshot: %1: 5 more malformed lines are not listed").arg(file.fileName()));
}

void TestCli::shouldSayWhenSsIsMissingAndKeepProcWorking()
{
    QProcessEnvironment env = cleanEnvironment();
    env.insert(QStringLiteral("PATH"), QStringLiteral("/nonexistent"));
    const Run ss = run({QStringLiteral("snapshot"), QStringLiteral("--source"), QStringLiteral("ss")}, env);
    QCOMPARE(ss.exitCode, 1);
    QVERIFY2(ss.err.contains(QStringLiteral("could not run 'ss'")), qPrintable(ss.err));
    QVERIFY(ss.err.contains(QStringLiteral("--source proc")));
    const Run proc = run({QStringLiteral("snapshot"), QStringLiteral("--source"), QStringLiteral("proc")}, env);
    QCOMPARE(proc.exitCode, 0);
    const Run watch = run({QStringLiteral("watch"), QStringLiteral("--source"), QStringLiteral("ss"),
                           QStringLiteral("--duration"), QStringLiteral("5")}, env);
    QCOMPARE(watch.exitCode, 1);
    QVERIFY(watch.err.contains(QStringLiteral("could not run 'ss'")));
}

void TestCli::shouldSayOnceWhyItReadsProcWhenNetlinkIsRefused()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(listener.isValid());
    const QString port = QString::number(listener.localPort());
    const Run r = runWithoutNetlink({QStringLiteral("snapshot"), QStringLiteral("--port"), port, QStringLiteral("--json")});
    if (r.exitCode == 77)
        QSKIP(qPrintable(QStringLiteral("cannot refuse netlink here: ") + r.err.trimmed()));
    const QString why = QStringLiteral("netlink sock_diag is not available here (socket(AF_NETLINK, NETLINK_SOCK_DIAG): "
                                       "Permission denied); reading /proc/net/tcp instead\n");
    QCOMPARE(r.exitCode, 0);
    QCOMPARE(r.err, QStringLiteral("sockscope snapshot: ") + why);
    // and the rows still come, from /proc
    const QJsonObject doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
    QCOMPARE(doc.value(QStringLiteral("source")).toString(), QStringLiteral("proc"));
    bool listening = false;
    for (const QJsonValue &v : doc.value(QStringLiteral("sockets")).toArray()) {
        const QJsonObject o = v.toObject();
        listening |= o.value(QStringLiteral("local_port")).toInt() == listener.localPort()
            && o.value(QStringLiteral("state")).toString() == QLatin1String("LISTEN");
    }
    QVERIFY2(listening, qPrintable(r.out));

    // watch says it once, not every poll
    const Run watch = runWithoutNetlink({QStringLiteral("watch"), QStringLiteral("--port"), port,
                                         QStringLiteral("--interval"), QStringLiteral("20"), QStringLiteral("--duration"),
                                         QStringLiteral("0.5")});
    QCOMPARE(watch.exitCode, 0);
    QCOMPARE(watch.err.count(QStringLiteral("netlink sock_diag is not available here")), 1);
    QVERIFY2(watch.err.contains(QStringLiteral("via proc")), qPrintable(watch.err));

    // asked for by name, netlink fails and says what to do instead
    const Run named = runWithoutNetlink({QStringLiteral("snapshot"), QStringLiteral("--source"), QStringLiteral("netlink")});
    QCOMPARE(named.exitCode, 1);
    QVERIFY2(named.err.contains(QStringLiteral("socket(AF_NETLINK, NETLINK_SOCK_DIAG): Permission denied")), qPrintable(named.err));
    QVERIFY(named.err.contains(QStringLiteral("--source proc")));
}

void TestCli::shouldPrintTheLiveTable_data()
{
    QTest::addColumn<QString>("source");
    QTest::newRow("proc") << "proc";
    QTest::newRow("ss") << "ss";
    QTest::newRow("netlink") << "netlink";
    QTest::newRow("default") << "";
}

void TestCli::shouldPrintTheLiveTable()
{
    QFETCH(QString, source);
    Fd listener = Loopback::listen(AddressFamily::IPv4, 3);
    QVERIFY(listener.isValid());
    const QString port = QString::number(listener.localPort());
    QStringList arguments{QStringLiteral("snapshot"), QStringLiteral("--port"), port, QStringLiteral("--json")};
    if (!source.isEmpty())
        arguments << QStringLiteral("--source") << source;
    const Run r = run(arguments);
    QCOMPARE(r.exitCode, 0);
    const QJsonObject doc = QJsonDocument::fromJson(r.out.toUtf8()).object();
    // Without --source: netlink where the kernel answers it, /proc otherwise.
    QCOMPARE(doc.value(QStringLiteral("source")).toString(), source.isEmpty() ? SocketSource::defaultName() : source);
    // The row with this local address and port is the test's; others may name the port as their
    // remote port (TIME_WAIT entries of an earlier listener that had the same ephemeral port), or
    // be IPv6 sockets with the same port number.
    QJsonArray mine;
    for (const QJsonValue &v : doc.value(QStringLiteral("sockets")).toArray()) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("local_port")).toInt() == listener.localPort()
            && o.value(QStringLiteral("local_address")).toString() == QLatin1String("127.0.0.1"))
            mine.append(v);
        else
            QVERIFY(o.value(QStringLiteral("local_port")).toInt() == listener.localPort()
                    || o.value(QStringLiteral("remote_port")).toInt() == listener.localPort());
    }
    QCOMPARE(mine.size(), 1);
    QCOMPARE(mine[0].toObject().value(QStringLiteral("state")).toString(), QStringLiteral("LISTEN"));
    QCOMPARE(mine[0].toObject().value(QStringLiteral("inode")).toDouble(), double(listener.inode()));
    // this test holds the listener: its pid and program name
    QCOMPARE(mine[0].toObject().value(QStringLiteral("owner_status")).toString(), QStringLiteral("process"));
    const QJsonArray owners = mine[0].toObject().value(QStringLiteral("owners")).toArray();
    QCOMPARE(owners.size(), 1);
    QCOMPARE(owners[0].toObject().value(QStringLiteral("pid")).toInteger(), QCoreApplication::applicationPid());
    QCOMPARE(owners[0].toObject().value(QStringLiteral("program")).toString(), QStringLiteral("tst_cli"));

    // and the human table names it too
    const Run table = run({QStringLiteral("snapshot"), QStringLiteral("--port"), port});
    QCOMPARE(table.exitCode, 0);
    QVERIFY2(table.out.contains(QStringLiteral("tst_cli (pid %1)").arg(QCoreApplication::applicationPid())),
             qPrintable(table.out));
}

void TestCli::shouldReportWhatPermissionsHideAsUnknown()
{
    // Another user may not read this process's descriptors: run sockscope as nobody.
    if (::geteuid() != 0)
        QSKIP("needs root, to run sockscope as another user");
    const QString setpriv = QStandardPaths::findExecutable(QStringLiteral("setpriv"));
    if (setpriv.isEmpty())
        QSKIP("setpriv (util-linux) is not installed");
    Fd listener = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(listener.isValid());
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    p.start(setpriv, {QStringLiteral("--reuid=65534"), QStringLiteral("--regid=65534"), QStringLiteral("--clear-groups"),
                      QStringLiteral(SOCKSCOPE_EXECUTABLE), QStringLiteral("snapshot"), QStringLiteral("--port"),
                      QString::number(listener.localPort()), QStringLiteral("--json")});
    QVERIFY(p.waitForFinished(60000));
    const QString err = QString::fromUtf8(p.readAllStandardError());
    if (p.exitCode() == 126 || p.exitCode() == 127)
        QSKIP(qPrintable(QStringLiteral("the build directory is not reachable for user nobody: ") + err));
    QCOMPARE(p.exitCode(), 0);
    const QJsonObject doc = QJsonDocument::fromJson(p.readAllStandardOutput()).object();
    bool seen = false;
    for (const QJsonValue &v : doc.value(QStringLiteral("sockets")).toArray()) {
        const QJsonObject o = v.toObject();
        if (o.value(QStringLiteral("local_port")).toInt() != listener.localPort())
            continue;
        seen = true;
        QCOMPARE(o.value(QStringLiteral("uid")).toInt(), 0);
        QCOMPARE(o.value(QStringLiteral("owner_status")).toString(), QStringLiteral("unknown"));
        QVERIFY(o.value(QStringLiteral("owners")).toArray().isEmpty());
    }
    QVERIFY2(seen, qPrintable(err));
}

void TestCli::shouldAcceptTheSameIntervalsInWatchAndTheWindow()
{
    // tst_mainwindow checks the window's own box and preferences at these bounds.
    for (int ms : {minIntervalMs, maxIntervalMs}) {
        const QString interval = QString::number(ms);
        // Accepted: it runs its half second and stops cleanly. (Whether its first poll is
        // back by then depends on how many sockets the machine holds.)
        const Run watch = run({QStringLiteral("watch"), QStringLiteral("--interval"), interval,
                               QStringLiteral("--duration"), QStringLiteral("0.5")});
        QCOMPARE(watch.exitCode, 0);
        QVERIFY2(!watch.err.contains(QStringLiteral("--interval")), qPrintable(watch.err));
        // The window's options are checked in order before it opens: a bad --port after an
        // accepted --interval is the only complaint.
        const Run window = run({QStringLiteral("--interval"), interval, QStringLiteral("--port"), QStringLiteral("0")});
        QCOMPARE(window.exitCode, 2);
        QVERIFY2(window.err.contains(QStringLiteral("--port needs")), qPrintable(window.err));
        QVERIFY2(!window.err.contains(QStringLiteral("--interval")), qPrintable(window.err));
    }
}

void TestCli::shouldWatchTransitionsOfARealConnection()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 3);
    QVERIFY(listener.isValid());
    const quint16 port = listener.localPort();

    QProcess watch;
    watch.setProcessEnvironment(cleanEnvironment());
    watch.start(QStringLiteral(SOCKSCOPE_EXECUTABLE),
                {QStringLiteral("watch"), QStringLiteral("--port"), QString::number(port), QStringLiteral("--interval"),
                 QStringLiteral("20")});
    QVERIFY(watch.waitForStarted());
    const QString p = QString::number(port);
    QString err;
    // The baseline: the listener is already there, so it is counted, not printed. (The count
    // can include TIME_WAIT ends of earlier connections to a listener that had this port.)
    QTRY_VERIFY_WITH_TIMEOUT((err += QString::fromUtf8(watch.readAllStandardError())).contains(QStringLiteral(" on port %1 via").arg(p)), 10000);
    QVERIFY2(QRegularExpression(QStringLiteral("watch: [1-9]\\d* sockets? on port ")).match(err).hasMatch(), qPrintable(err));

    QStringList lines; // what watch printed so far, whole lines only
    QByteArray pending;
    const auto readLines = [&] {
        pending += watch.readAllStandardOutput();
        for (qsizetype end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
            lines << QString::fromUtf8(pending.left(end));
            pending.remove(0, end + 1);
        }
    };
    const auto has = [&](const QString &local, const QString &remote, const QString &transition) {
        readLines();
        for (const QString &line : lines) {
            if (line.contains(QStringLiteral("127.0.0.1:") + local + QLatin1Char(' '))
                && line.indexOf(QStringLiteral("127.0.0.1:") + remote) > line.indexOf(QStringLiteral("127.0.0.1:") + local)
                && line.contains(transition))
                return true;
        }
        return false;
    };
    const auto shown = [&] { return lines.join(QLatin1Char('\n')).toLocal8Bit(); };

    Fd client = Loopback::connect(AddressFamily::IPv4, port);
    QVERIFY(client.isValid());
    const QString clientPort = QString::number(client.localPort());
    // A poll can catch the handshake's SYN_SENT or SYN_RECV, so the arrival is "-> ESTABLISHED"
    // from "(new)" or from one of those.
    QTRY_VERIFY2_WITH_TIMEOUT(has(clientPort, p, QStringLiteral(" -> ESTABLISHED")) && has(p, clientPort, QStringLiteral(" -> ESTABLISHED")),
                              shown().constData(), 10000);
    Fd accepted = Loopback::accept(listener);
    client.reset(); // active close
    // FIN_WAIT2 and CLOSE_WAIT last until the server end closes, so a poll sees them. The states
    // in between (FIN_WAIT1, LAST_ACK) last microseconds on loopback; a poll may or may not catch them.
    QTRY_VERIFY2_WITH_TIMEOUT(has(clientPort, p, QStringLiteral(" -> FIN_WAIT2")) && has(p, clientPort, QStringLiteral("ESTABLISHED -> CLOSE_WAIT")),
                              shown().constData(), 10000);
    accepted.reset();
    QTRY_VERIFY2_WITH_TIMEOUT(has(clientPort, p, QStringLiteral("FIN_WAIT2 -> TIME_WAIT")) && has(p, clientPort, QStringLiteral(" -> (gone)")),
                              shown().constData(), 10000);

    watch.terminate();
    QVERIFY(watch.waitForFinished(10000));
    QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
    QCOMPARE(watch.exitCode(), 0);
    readLines();
    QVERIFY(!lines.isEmpty());
    for (const QString &line : lines) {
        QVERIFY2(!line.contains(QStringLiteral("LISTEN")), qPrintable(line)); // the listener was counted, not printed
        QVERIFY2(QRegularExpression(QStringLiteral("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3}  ipv4  ")).match(line).hasMatch(), qPrintable(line));
        QVERIFY2(line.endsWith(QStringLiteral(" ms")) || line.endsWith(QLatin1Char('-')), qPrintable(line));
    }
}

void TestCli::shouldExplainHowToRunWithoutADisplay()
{
    QProcessEnvironment env = cleanEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    const Run r = run({}, env);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("xvfb-run -a " SOCKSCOPE_EXECUTABLE)), qPrintable(r.err));
    QVERIFY(r.err.contains(QStringLiteral(SOCKSCOPE_EXECUTABLE " snapshot")));
}

void TestCli::shouldOpenAFileWhoseNameStartsWithADash()
{
    // After "--", or as ./-x.json, a name starting with '-' is a file: this one is damaged, and
    // the message shows it was read.
    QTemporaryDir dir;
    QFile damaged(dir.filePath(QStringLiteral("-x.json")));
    QVERIFY(damaged.open(QIODevice::WriteOnly));
    damaged.write("{\"format\": \"sockscope-session\", \"format_version\": 1, \"program\": {\"version\": 7}}");
    damaged.close();
    Start here;
    here.workingDirectory = dir.path();
    for (const QStringList &arguments : {QStringList{"open", "--", "-x.json"}, QStringList{"open", "./-x.json"}}) {
        const Run r = runWith(here, arguments);
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QStringLiteral("-x.json is damaged")), qPrintable(r.err));
    }
    // without "--" it is an option nobody knows
    const Run option = runWith(here, {QStringLiteral("open"), QStringLiteral("-x.json")});
    QCOMPARE(option.exitCode, 2);
    QVERIFY2(option.err.contains(QStringLiteral("Unknown option")), qPrintable(option.err));
}

void TestCli::shouldListTheScenarios()
{
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("--list")});
    QCOMPARE(r.exitCode, 0);
    const QStringList lines = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    QStringList names;
    for (const QString &line : lines)
        names << line.section(QLatin1Char(' '), 0, 0);
    QCOMPARE(names, (QStringList{"handshake", "accept-queue", "backlog-overflow", "deferred-accept", "time-wait",
                                 "half-close", "fin-wait-1", "last-ack", "closing", "self-connect", "reset",
                                 "many-clients", "epoll-echo", "epoll-half-close", "syn-retry", "lost-final-ack",
                                 "lost-data", "rst-on-connect"}));
    for (const QString &line : lines)
        QVERIFY2(line.size() > 30, qPrintable(line)); // each has its one-line summary
    const Run help = run({QStringLiteral("scenario"), QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    QVERIFY(help.out.contains(QStringLiteral("backlog-overflow  listen(0)")));
}

void TestCli::shouldRunAScenarioHeadless_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QString>("address");
    QTest::newRow("ipv4 default source") << QStringList{} << "127.0.0.1:";
    QTest::newRow("ipv4 proc") << QStringList{"--source", "proc"} << "127.0.0.1:";
    QTest::newRow("ipv6 ss") << QStringList{"--ipv6", "--source", "ss"} << "[::1]:";
}

void TestCli::shouldRunAScenarioHeadless()
{
    QFETCH(QStringList, options);
    QFETCH(QString, address);
    if (options.contains(QStringLiteral("--ipv6")) && !Loopback::hasIPv6())
        QSKIP("this machine has no IPv6 loopback (::1)");
    const Run r = run(QStringList{QStringLiteral("scenario"), QStringLiteral("time-wait"), QStringLiteral("--port"),
                                  QStringLiteral("0")}
                      + options);
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    QVERIFY(r.out.startsWith(QStringLiteral("time-wait — Active close to TIME_WAIT\n")));
    QVERIFY(r.out.contains(QStringLiteral("step 1/")));
    // calls with their results, and what the kernel showed, with the end each row is
    QVERIFY2(r.out.contains(QStringLiteral("listen(8) = 0")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("connect(") + address));
    QVERIFY(r.out.contains(QStringLiteral("EINPROGRESS (Operation now in progress)")));
    // A poll that falls between bind() and listen() sees the bound socket in CLOSE first (netlink
    // lists bound sockets, /proc and ss -l do not); either way the kernel then shows it listening.
    QVERIFY2(QRegularExpression(QStringLiteral("kernel        listener: (\\(new\\)|CLOSE) -> LISTEN  \\(")).match(r.out).hasMatch(),
             qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("kernel        client #1 (closed): FIN_WAIT2 -> TIME_WAIT")));
    // the countdown as the kernel reported it at that poll: under 60 s, and well above 50 s
    const QRegularExpressionMatch timer = QRegularExpression(QStringLiteral("-> TIME_WAIT.*\\[timewait (\\d+)\\.\\d\\ds\\]")).match(r.out);
    QVERIFY2(timer.hasMatch(), qPrintable(r.out));
    QVERIFY(timer.captured(1).toInt() >= 50 && timer.captured(1).toInt() <= 60);
    QVERIFY(r.out.contains(QStringLiteral("seen    client #1 in TIME_WAIT")));
    QVERIFY(!r.out.contains(QStringLiteral("MISSING")));
    QVERIFY(r.err.isEmpty());
}

void TestCli::shouldShowTheBoundSocketWhereTheSourceListsIt_data()
{
    QTest::addColumn<QString>("source");
    QTest::newRow("netlink") << "netlink";
    QTest::newRow("proc") << "proc";
}

void TestCli::shouldShowTheBoundSocketWhereTheSourceListsIt()
{
    // The reset scenario's server binds and stays unlistening for a whole step.
    QFETCH(QString, source);
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("reset"), QStringLiteral("--port"), QStringLiteral("0"),
                       QStringLiteral("--source"), source});
    QVERIFY2(r.exitCode == 0, qPrintable(r.out + r.err));
    const QRegularExpressionMatch bound =
        QRegularExpression(QStringLiteral("kernel        listener: \\(new\\) -> CLOSE  \\(127\\.0\\.0\\.1:\\d+ 0\\.0\\.0\\.0:\\*\\)"
                                          "  bound, neither listening nor connecting\n"))
            .match(r.out);
    if (source == QLatin1String("netlink") && Loopback::kernelListsBoundSockets()) {
        QVERIFY2(bound.hasMatch(), qPrintable(r.out));
        QVERIFY2(r.out.indexOf(QStringLiteral("listener: CLOSE -> LISTEN")) > bound.capturedStart(), qPrintable(r.out));
    } else { // /proc, and netlink on kernels before 6.8, first show it listening
        QVERIFY2(!bound.hasMatch() && !r.out.contains(QStringLiteral("listener: (new) -> CLOSE")), qPrintable(r.out));
        QVERIFY2(r.out.contains(QStringLiteral("listener: (new) -> LISTEN")), qPrintable(r.out));
    }
}

void TestCli::shouldHoldTheFinalSockets()
{
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    p.start(QStringLiteral(SOCKSCOPE_EXECUTABLE),
            {QStringLiteral("scenario"), QStringLiteral("half-close"), QStringLiteral("--port"), QStringLiteral("0"),
             QStringLiteral("--hold"), QStringLiteral("6")});
    QString out;
    QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(p.readAllStandardOutput())).contains(QStringLiteral("holding the sockets for 6 s")), 20000);
    // while it holds, the kernel still has both ends of the half-closed connection
    const QRegularExpressionMatch m = QRegularExpression(QStringLiteral("sport = :(\\d+)")).match(out);
    QVERIFY(m.hasMatch());
    // The command it prints shows them: in the lab's private network, through nsenter.
    const QRegularExpressionMatch command = QRegularExpression(QStringLiteral("in another terminal: (.*)\n")).match(out);
    QVERIFY(command.hasMatch());
    QProcess shell;
    shell.start(QStringLiteral("sh"), {QStringLiteral("-c"), command.captured(1)});
    QVERIFY(shell.waitForFinished(10000));
    const QString listed = QString::fromUtf8(shell.readAllStandardOutput());
    QVERIFY2(listed.contains(QStringLiteral("FIN-WAIT-2")) && listed.contains(QStringLiteral("CLOSE-WAIT")),
             qPrintable(command.captured(1) + QLatin1Char('\n') + listed + QString::fromUtf8(shell.readAllStandardError())));
    QVERIFY(p.waitForFinished(30000));
    QCOMPARE(p.exitCode(), 0);
    out += QString::fromUtf8(p.readAllStandardOutput());
    QVERIFY(out.contains(QStringLiteral("closing every socket the scenario opened")));
    // RST: nothing of the scenario's lingers (rows naming this port as their remote end may be
    // TIME_WAIT entries of an earlier listener that had the same ephemeral port)
    const Run after = run({QStringLiteral("snapshot"), QStringLiteral("--port"), m.captured(1)});
    for (const QString &row : tableRows(after.out)) {
        QVERIFY2(row.startsWith(QStringLiteral("TIME_WAIT")), qPrintable(row));
        const QStringList columns = row.split(QLatin1Char(' '), Qt::SkipEmptyParts); // State, Recv-Q, Send-Q, Local, Peer, ...
        QVERIFY2(columns.value(3) != QStringLiteral("127.0.0.1:") + m.captured(1), qPrintable(row));
    }
}

void TestCli::shouldNameTheHolderWhenTheScenarioPortIsTaken()
{
    Fd taken = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(taken.isValid());
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--network"),
                       QStringLiteral("host"), QStringLiteral("--port"), QString::number(taken.localPort())});
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.err.contains(QStringLiteral("EADDRINUSE")), qPrintable(r.err));
    QVERIFY2(r.err.contains(QStringLiteral("held by tst_cli (pid %1)").arg(QCoreApplication::applicationPid())), qPrintable(r.err));
    QVERIFY(r.out.contains(QStringLiteral("MISSING listener in LISTEN")));
}

void TestCli::shouldRunTheScenarioInItsOwnNetworkWhateverTheHostHolds()
{
    Fd taken = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(taken.isValid());
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--port"),
                       QString::number(taken.localPort())});
    if (r.err.contains(QLatin1String("no private network here")) && !LabNetwork::whyUnavailable().isEmpty())
        QSKIP(qPrintable(r.err.trimmed()));
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QStringLiteral("network: private")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("bind(127.0.0.1:%1) = 0").arg(taken.localPort())), qPrintable(r.out));
    QVERIFY(!r.out.contains(QLatin1String("MISSING")));
    // The wire between the calls: the handshake's three segments, before accept() is called.
    const qsizetype syn = r.out.indexOf(QLatin1String("wire          client #1 -> listener  SYN seq=0 win="));
    const qsizetype synAck = r.out.indexOf(QLatin1String("wire          listener -> client #1  SYN,ACK seq=0 ack=1 win="));
    const qsizetype ack = r.out.indexOf(QLatin1String("wire          client #1 -> listener  ACK seq=1 ack=1 win="));
    const qsizetype accept = r.out.indexOf(QLatin1String("accept() = "));
    QVERIFY2(syn > 0 && syn < synAck && synAck < ack && ack < accept, qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("\nwire: 3 segment(s) captured on the private loopback\n")), qPrintable(r.out));
    // The wire bears each segment's own time, to the microsecond, in the column of the calls'.
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("\\n  \\+\\d+\\.\\d{6}s  wire          client #1 -> listener  SYN seq=0 "))),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("\\n  \\+\\d+\\.\\d{3}s     client #1     connect\\("))), qPrintable(r.out));
    // What the segments prove, timed by packet: the server end's SYN_RECV, which no poll sees.
    const qsizetype synRecv = r.out.indexOf(
        QLatin1String("packet        server end (client #1): LISTEN -> SYN_RECV  (timed by packet: the SYN from client #1)"));
    const qsizetype established = r.out.indexOf(
        QLatin1String("packet        server end (client #1): SYN_RECV -> ESTABLISHED  (timed by packet: the ACK from client #1)"));
    QVERIFY2(synAck < synRecv && ack < established && established < accept, qPrintable(r.out));
    QVERIFY(r.out.contains(QLatin1String("packet        client #1: CLOSE -> SYN_SENT  (timed by packet: it sent the SYN)")));
    // A socket connected to itself is one end: each change once, in the order its segments went.
    const Run self = run({QStringLiteral("scenario"), QStringLiteral("self-connect")});
    QCOMPARE(self.exitCode, 0);
    QCOMPARE(self.out.count(QLatin1String("  packet        ")), 3);
    const qsizetype sent = self.out.indexOf(QLatin1String("client #1: CLOSE -> SYN_SENT  (timed by packet: it sent the SYN)"));
    const qsizetype simultaneous = self.out.indexOf(QLatin1String("client #1: SYN_SENT -> SYN_RECV  (timed by packet: the SYN from client #1)"));
    const qsizetype opened = self.out.indexOf(QLatin1String("client #1: SYN_RECV -> ESTABLISHED  (timed by packet: the SYN,ACK from client #1)"));
    QVERIFY2(sent > 0 && sent < simultaneous && simultaneous < opened, qPrintable(self.out));
    // The same connection as the socket API's sequence diagram: the handshake done before accept().
    const Run figure = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--sequence")});
    QCOMPARE(figure.exitCode, 0);
    const qsizetype top = figure.out.indexOf(QLatin1String("sequence of client #1's connection:"));
    QVERIFY2(top > 0, qPrintable(figure.out));
    const QString drawn = figure.out.mid(top);
    const QRegularExpression columns(QStringLiteral("\\n\\s*client #1\\s+listener\\s+accepted #1\\n"));
    QVERIFY2(columns.match(drawn).hasMatch(), qPrintable(drawn));
    const qsizetype synLine = drawn.indexOf(QRegularExpression(QStringLiteral("\\(SYN_SENT\\)\\s+-+ SYN seq=0 -+>\\|")));
    const qsizetype synAckLine = drawn.indexOf(QRegularExpression(QStringLiteral("\\(ESTABLISHED\\)\\s+<-+ SYN,ACK seq=0 ack=1 -+\\|")));
    const qsizetype ackLine = drawn.indexOf(QRegularExpression(QStringLiteral("-+ ACK ack=1 -+>\\|\\s+: \\(ESTABLISHED\\)")));
    const qsizetype acceptLine = drawn.indexOf(QRegularExpression(QStringLiteral("accept\\(\\) = \\d+")));
    QVERIFY2(synLine > 0 && synLine < synAckLine && synAckLine < ackLine && ackLine < acceptLine, qPrintable(drawn));
    QVERIFY2(drawn.contains(QStringLiteral("[LISTEN]")), qPrintable(drawn));
    QVERIFY2(drawn.contains(QStringLiteral("(STATE) timed by a packet")), qPrintable(drawn));
    const Run quiet = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--no-capture")});
    QCOMPARE(quiet.exitCode, 0);
    QVERIFY2(!quiet.out.contains(QLatin1String("wire")), qPrintable(quiet.out));

    const Run wrong = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--network"),
                           QStringLiteral("moon")});
    QCOMPARE(wrong.exitCode, 2);
    QVERIFY2(wrong.err.contains(QStringLiteral("--network is private or host, not 'moon'")), qPrintable(wrong.err));
}

void TestCli::shouldPrintAnEpollServersCallsAndFigure()
{
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("epoll-echo"), QStringLiteral("--sequence")});
    if (r.err.contains(QLatin1String("no private network here")) && !LabNetwork::whyUnavailable().isEmpty())
        QSKIP(qPrintable(r.err.trimmed()));
    QCOMPARE(r.exitCode, 0);
    // each call on its line, with what the kernel reported and why
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral(
                 "\\n  \\+\\d+\\.\\d{3}s     epoll #1      epoll_create1\\(EPOLL_CLOEXEC\\) = \\d+ — "))),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("listener      epoll_ctl(epoll #1, EPOLL_CTL_ADD, listener, EPOLLIN) = 0")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("epoll #1      epoll_wait(epoll #1, 16 events, 10000 ms) waits — ")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QStringLiteral("epoll #1      epoll_wait() finished: 1 ready: listener EPOLLIN — after ")), qPrintable(r.out));
    // (how many the queue holds when the wait returns is the kernel's: all three, or fewer if
    // the wait's notifier ran between two handshakes)
    QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("listener: its accept queue holds [1-3] completed connections? \\(backlog 8\\)"))),
             qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("accepted #2 EPOLLIN|EPOLLRDHUP")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QLatin1String("seen    epoll_wait reports listener EPOLLIN")), qPrintable(r.out));
    QVERIFY(!r.out.contains(QLatin1String("MISSING")));

    // client #1's figure: the server's epoll calls on the listener's lifeline and on accepted
    // #1's, none of those about the other clients' sockets
    const qsizetype top = r.out.indexOf(QLatin1String("sequence of client #1's connection:"));
    const qsizetype next = r.out.indexOf(QLatin1String("sequence of client #2's connection:"));
    QVERIFY2(top > 0 && next > top, qPrintable(r.out));
    const QString drawn = r.out.mid(top, next - top);
    const qsizetype create = drawn.indexOf(QLatin1String("epoll_create1(EPOLL_CLOEXEC) = "));
    const qsizetype waits = drawn.indexOf(QLatin1String("epoll_wait(10000 ms) waits"));
    const qsizetype syn = drawn.indexOf(QLatin1String(" SYN seq=0 "));
    const qsizetype woken = drawn.indexOf(QLatin1String("epoll_wait() = 1: listener EPOLLIN"));
    const qsizetype accept = drawn.indexOf(QLatin1String("accept() = "));
    const qsizetype add = drawn.indexOf(QLatin1String("epoll_ctl(ADD, accepted #1, EPOLLIN|EPOLLRDHUP) = 0"));
    const qsizetype del = drawn.indexOf(QLatin1String("epoll_ctl(DEL, accepted #1) = 0"));
    QVERIFY2(create > 0 && create < waits && waits < syn && syn < woken && woken < accept && accept < add && add < del,
             qPrintable(drawn));
    QVERIFY2(!drawn.contains(QLatin1String("accepted #2) = 0")) && !drawn.contains(QLatin1String("ADD, accepted #3")),
             qPrintable(drawn));
    // the wait is drawn as a span on the listener's lifeline, like a connect() under way
    QVERIFY2(drawn.contains(QRegularExpression(QStringLiteral("\\n# \\(SYN_SENT\\)\\s+-+ SYN seq=0 -+>#"))), qPrintable(drawn));
}

void TestCli::shouldRunTheScenarioOnTheHostWhereUserNamespacesAreRefused()
{
    Start how;
    how.program = QStringLiteral(SOCKSCOPE_DENY_USERNS);
    const Run r = runWith(how, {QStringLiteral(SOCKSCOPE_EXECUTABLE), QStringLiteral("scenario"), QStringLiteral("handshake"),
                                QStringLiteral("--port"), QStringLiteral("0")});
    if (r.exitCode == 77)
        QSKIP(qPrintable(r.err.trimmed()));
    QCOMPARE(r.exitCode, 0);
    // One line saying why, then the same scenario on this machine's loopback.
    QVERIFY2(r.err.contains(QStringLiteral("no private network here (a private network needs a user namespace")),
             qPrintable(r.err));
    QCOMPARE(r.err.count(QLatin1Char('\n')), 1);
    QVERIFY2(r.out.contains(QStringLiteral("network: this machine's loopback")), qPrintable(r.out));
    QVERIFY(r.out.contains(QStringLiteral("seen    listener in LISTEN")));
}

void TestCli::shouldExportTheScenariosWireAsPcapng()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("half-close.pcapng"));
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("half-close"), QStringLiteral("--export"), path});
    if (r.err.contains(QLatin1String("no private network here")) && !LabNetwork::whyUnavailable().isEmpty())
        QSKIP(qPrintable(r.err.trimmed()));
    QCOMPARE(r.exitCode, 0);
    const QRegularExpressionMatch count = QRegularExpression(QStringLiteral("\nwire: (\\d+) segment")).match(r.out);
    QVERIFY2(count.hasMatch(), qPrintable(r.out));
    QVERIFY2(r.err.contains(QStringLiteral("wrote %1 (%2 segment(s))").arg(path, count.captured(1))), qPrintable(r.err));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QVERIFY(file.read(4) == QByteArray("\n\r\r\n")); // a pcapng section header
    const QString tshark = QStandardPaths::findExecutable(QStringLiteral("tshark"));
    if (!tshark.isEmpty()) {
        QProcess p;
        p.start(tshark, {QStringLiteral("-r"), path, QStringLiteral("-T"), QStringLiteral("fields"), QStringLiteral("-e"),
                         QStringLiteral("frame.comment")});
        QVERIFY(p.waitForFinished(30000));
        const QStringList comments = QString::fromUtf8(p.readAllStandardOutput()).split(QLatin1Char('\n'));
        QCOMPARE(QString::number(comments.size() - 1), count.captured(1)); // one line per packet
        QCOMPARE(comments.first(), QStringLiteral("client #1: connect(127.0.0.1:8000)"));
        QVERIFY2(comments.contains(QStringLiteral("client #1: shutdown(SHUT_WR)")), qPrintable(comments.join(QLatin1Char('|'))));
    }
    // A session file keeps the wire, and says what it proves of each end.
    const QString json = dir.filePath(QStringLiteral("half-close.json"));
    QCOMPARE(run({QStringLiteral("scenario"), QStringLiteral("half-close"), QStringLiteral("--export"), json}).exitCode, 0);
    const SessionFile::Loaded loaded = SessionFile::load(json);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QCOMPARE(QString::number(loaded.document->wire.size()), count.captured(1));
    QFile saved(json);
    QVERIFY(saved.open(QIODevice::ReadOnly));
    const QJsonArray connections = QJsonDocument::fromJson(saved.readAll()).object().value(QStringLiteral("connections")).toArray();
    QStringList proven;
    for (const QJsonValue &c : connections) {
        for (const QJsonValue &t : c.toObject().value(QStringLiteral("timed_by_packet")).toArray()) {
            proven << QStringLiteral("%1 %2->%3 %4").arg(c.toObject().value(QStringLiteral("label")).toString(),
                                                       t.toObject().value(QStringLiteral("from")).toString(),
                                                       t.toObject().value(QStringLiteral("to")).toString(),
                                                       t.toObject().value(QStringLiteral("by")).toString());
        }
    }
    QVERIFY2(proven.contains(QStringLiteral("client #1 ESTABLISHED->FIN_WAIT1 sent")), qPrintable(proven.join(QLatin1Char('|'))));
    QVERIFY2(proven.contains(QStringLiteral("client #1 FIN_WAIT1->FIN_WAIT2 received")), qPrintable(proven.join(QLatin1Char('|'))));
    QVERIFY2(proven.contains(QStringLiteral("accepted #1 LISTEN->SYN_RECV received")), qPrintable(proven.join(QLatin1Char('|'))));
    QVERIFY2(proven.contains(QStringLiteral("accepted #1 ESTABLISHED->CLOSE_WAIT received")), qPrintable(proven.join(QLatin1Char('|'))));

    // Without capture there is no wire to write, and a name that is not .pcapng is refused.
    const Run none = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--no-capture"),
                          QStringLiteral("--export"), dir.filePath(QStringLiteral("none.pcapng"))});
    QCOMPARE(none.exitCode, 1);
    QVERIFY2(none.err.contains(QLatin1String("the wire is captured in the private network only")), qPrintable(none.err));
    const Run pcap = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--export"),
                          dir.filePath(QStringLiteral("old.pcap"))});
    QCOMPARE(pcap.exitCode, 2);
    QVERIFY2(pcap.err.contains(QLatin1String(".pcapng (the wire)")), qPrintable(pcap.err));
}

void TestCli::shouldExportTheScenariosSequenceDiagram()
{
    // A picture for slides, drawn without any display (no X, no Wayland, no platform named).
    QTemporaryDir dir;
    QProcessEnvironment headless = cleanEnvironment();
    for (const char *name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        headless.remove(QLatin1String(name));
    const QString svg = dir.filePath(QStringLiteral("handshake.svg"));
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--network"),
                       QStringLiteral("host"), QStringLiteral("--port"), QStringLiteral("0"), QStringLiteral("--export"), svg},
                      headless);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.err.contains(QStringLiteral("wrote %1 (the sequence diagram of client #1's connection)").arg(svg)),
             qPrintable(r.err));
    QFile file(svg);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY(text.contains("<svg"));
    // The three sockets, the calls, and the handshake implied (nothing is captured on the host).
    for (const char *word : {"client #1", "listener", "accepted #1", "connect(127.0.0.1:", "accept() = ", ">SYN<",
                             ">SYN,ACK<", ">ACK<", "implied, not captured"})
        QVERIFY2(text.contains(word), word);

    const QString png = dir.filePath(QStringLiteral("half-close.png"));
    const Run p = run({QStringLiteral("scenario"), QStringLiteral("half-close"), QStringLiteral("--export"), png}, headless);
    QCOMPARE(p.exitCode, 0);
    QFile picture(png);
    QVERIFY(picture.open(QIODevice::ReadOnly));
    QCOMPARE(picture.read(8), QByteArray("\x89PNG\r\n\x1a\n"));

    const Run gif = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--export"),
                         dir.filePath(QStringLiteral("handshake.gif"))});
    QCOMPARE(gif.exitCode, 2);
    QVERIFY2(gif.err.contains(QLatin1String(".svg/.png (the sequence diagram)")), qPrintable(gif.err));
    const Run nowhere = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--export"),
                             dir.filePath(QStringLiteral("missing/handshake.svg"))}, headless);
    QCOMPARE(nowhere.exitCode, 1);
    QVERIFY2(nowhere.err.contains(QLatin1String("cannot write")), qPrintable(nowhere.err));
}

void TestCli::shouldMarkASynTriedAgain()
{
    // The full accept queue drops client #2's SYN: the capture shows it sent again, and when.
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("backlog-overflow")});
    if (r.err.contains(QLatin1String("no private network here")) && !LabNetwork::whyUnavailable().isEmpty())
        QSKIP(qPrintable(r.err.trimmed()));
    QCOMPARE(r.exitCode, 0);
    const QRegularExpression again(QStringLiteral(
        "wire +client #2 -> listener  SYN seq=0 [^\n]*  \\(retransmission, ([0-9.]+) (s|ms) after the last\\)"));
    const QRegularExpressionMatch m = again.match(r.out);
    QVERIFY2(m.hasMatch(), qPrintable(r.out));
    // Linux's first SYN timeout is one second.
    QVERIFY2(m.captured(2) == QLatin1String("s") && m.captured(1).toDouble() >= 0.9, qPrintable(m.captured(0)));
    // Only the SYN: nothing else on the wire is a repeat.
    QCOMPARE(r.out.count(QStringLiteral("(retransmission")), 1);
}

void TestCli::shouldShowWhatAWireRuleDropped()
{
    // The first SYN,ACK is lost on the lab's wire: the line says so and names the rule, and the
    // server's timer sends it again about a second later, which gets through.
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("handshake"), QStringLiteral("--wire"),
                       QStringLiteral("drop next synack")});
    if (r.err.contains(QLatin1String("no private network here")) && !LabNetwork::whyUnavailable().isEmpty())
        QSKIP(qPrintable(r.err.trimmed()));
    if (r.err.contains(QLatin1String("--wire rules cannot be applied")) && WireFilter::nftProgram().isEmpty())
        QSKIP(qPrintable(r.err.trimmed()));
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(r.out.contains(QLatin1String("wire rules    rule 1: drop next synack  (drop the next SYN,ACK)")),
             qPrintable(r.out));
    const QRegularExpression dropped(
        QStringLiteral("wire +listener -> client #1  SYN,ACK seq=0 ack=1 [^\n]*  DROPPED by rule 1 \\(drop next synack\\)\n"));
    QVERIFY2(dropped.match(r.out).hasMatch(), qPrintable(r.out));
    QCOMPARE(r.out.count(QStringLiteral("DROPPED by rule")), 1);
    const QRegularExpression again(QStringLiteral(
        "wire +listener -> client #1  SYN,ACK seq=0 ack=1 [^\n]*  \\(retransmission, ([0-9.]+) s after the last\\)"));
    const QRegularExpressionMatch m = again.match(r.out);
    QVERIFY2(m.hasMatch(), qPrintable(r.out));
    QVERIFY2(m.captured(1).toDouble() >= 0.9, qPrintable(m.captured(0)));
    // Once it acted, the rule is spent, and said to be.
    QVERIFY2(r.out.contains(QLatin1String("rule 1: drop next synack  (drop the next SYN,ACK, spent)")), qPrintable(r.out));
    // The client's ESTABLISHED is timed by the copy that arrived, not the lost one.
    const qsizetype lost = r.out.indexOf(QLatin1String("DROPPED by rule 1"));
    const qsizetype established = r.out.indexOf(QLatin1String("packet        client #1: SYN_SENT -> ESTABLISHED"));
    QVERIFY2(established > r.out.indexOf(QLatin1String("(retransmission"), lost), qPrintable(r.out));
    QCOMPARE(r.out.count(QStringLiteral("packet        client #1: SYN_SENT -> ESTABLISHED")), 1);
}

void TestCli::shouldExportASnapshot_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("start");
    QTest::newRow("session") << "table.json" << QByteArray("{");
    QTest::newRow("csv") << "table.csv" << QByteArray("family,local_address,local_port,remote_address");
    QTest::newRow("ss text") << "table.txt" << QByteArray("State");
}

void TestCli::shouldExportASnapshot()
{
    QFETCH(QString, name);
    QFETCH(QByteArray, start);
    QTemporaryDir dir;
    const QString path = dir.filePath(name);
    const Run r = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("proc-net-tcp.txt")),
                       QStringLiteral("--export"), path});
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.err.contains(QStringLiteral("wrote ") + path));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray bytes = file.readAll();
    QVERIFY2(bytes.startsWith(start), bytes.left(80).constData());
    if (name.endsWith(QLatin1String(".json"))) {
        const SessionFile::Loaded loaded = SessionFile::fromBytes(bytes);
        QVERIFY2(loaded.document, qPrintable(loaded.error));
        QCOMPARE(loaded.document->connections.size(), 43);
        QCOMPARE(loaded.document->table.size(), 43);
        QVERIFY(loaded.document->source.startsWith(QStringLiteral("file:proc:")));
    } else {
        QCOMPARE(bytes.count('\n'), 44);
    }
    // an unwritable place: a clear message and a failing status
    const Run bad = run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("proc-net-tcp.txt")),
                         QStringLiteral("--export"), dir.filePath(QStringLiteral("missing/") + name)});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.contains(QStringLiteral("cannot write ")), qPrintable(bad.err));
}

void TestCli::shouldExportAScenarioRun()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("fin-wait-1.json"));
    const Run r = run({QStringLiteral("scenario"), QStringLiteral("fin-wait-1"), QStringLiteral("--port"), QStringLiteral("0"),
                       QStringLiteral("--export"), path});
    QCOMPARE(r.exitCode, 0);
    const SessionFile::Loaded loaded = SessionFile::load(path);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    const SessionDocument &d = *loaded.document;
    QCOMPARE(d.scenarioRuns.size(), 1);
    QCOMPARE(d.scenarioRuns.first().name, QStringLiteral("fin-wait-1"));
    QCOMPARE(d.scenarioRuns.first().status, QStringLiteral("finished"));
    for (const ScenarioRunRecord::Outcome &o : d.scenarioRuns.first().outcomes)
        QVERIFY2(o.met, qPrintable(o.text));
    bool finWait1 = false;
    for (const RecordedConnection &c : d.connections) {
        for (const StateSpan &s : c.history.spans)
            finWait1 |= c.label == QLatin1String("client #1") && s.state == TcpState::FinWait1;
    }
    QVERIFY(finWait1);
    QVERIFY(d.calls.size() > 10);
}

void TestCli::shouldExportWhatItWatchedWhenInterrupted()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 3);
    QVERIFY(listener.isValid());
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("watch.json"));
    QProcess watch;
    watch.setProcessEnvironment(cleanEnvironment());
    watch.start(QStringLiteral(SOCKSCOPE_EXECUTABLE), {QStringLiteral("watch"), QStringLiteral("--port"),
                                                       QString::number(listener.localPort()), QStringLiteral("--interval"),
                                                       QStringLiteral("20"), QStringLiteral("--export"), path});
    QVERIFY(watch.waitForStarted());
    QString err;
    QTRY_VERIFY_WITH_TIMEOUT((err += QString::fromUtf8(watch.readAllStandardError())).contains(QStringLiteral("polling every")), 10000);
    Fd client = Loopback::connect(AddressFamily::IPv4, listener.localPort());
    QVERIFY(client.isValid());
    // both ends' arrival is printed after the snapshot is applied, so the export holds them
    QString out;
    QTRY_VERIFY_WITH_TIMEOUT((out += QString::fromUtf8(watch.readAllStandardOutput())).count(QStringLiteral("-> ESTABLISHED")) >= 2, 10000);
    watch.terminate(); // SIGTERM, as an init system or Ctrl+C (SIGINT) would stop it
    QVERIFY(watch.waitForFinished(10000));
    QCOMPARE(watch.exitStatus(), QProcess::NormalExit);
    QCOMPARE(watch.exitCode(), 0);
    const SessionFile::Loaded loaded = SessionFile::load(path);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    int established = 0;
    for (const RecordedConnection &c : loaded.document->connections)
        established += c.history.state() == TcpState::Established ? 1 : 0;
    QCOMPARE(established, 2); // both ends of the new connection
}

void TestCli::shouldRefuseToOpenDamagedSessions()
{
    QTemporaryDir dir;
    const Run missing = run({QStringLiteral("open"), dir.filePath(QStringLiteral("nothing.json"))});
    QCOMPARE(missing.exitCode, 1);
    QVERIFY(missing.err.contains(QStringLiteral("cannot read ")));

    QFile damaged(dir.filePath(QStringLiteral("damaged.json")));
    QVERIFY(damaged.open(QIODevice::WriteOnly));
    damaged.write("{\"format\": \"sockscope-session\", \"format_version\": 1, \"program\": {\"version\": 7}}");
    damaged.close();
    const Run bad = run({QStringLiteral("open"), damaged.fileName()});
    QCOMPARE(bad.exitCode, 1);
    QVERIFY2(bad.err.contains(QStringLiteral("is damaged: program.version: expected text")), qPrintable(bad.err));
    QVERIFY(bad.out.isEmpty());

    // a good file without a display: the file is fine, the window cannot open
    const QString good = dir.filePath(QStringLiteral("good.json"));
    QCOMPARE(run({QStringLiteral("snapshot"), QStringLiteral("--from-file"), fixturePath(QStringLiteral("proc-net-tcp.txt")),
                  QStringLiteral("--export"), good}).exitCode, 0);
    QProcessEnvironment env = cleanEnvironment();
    env.remove(QStringLiteral("DISPLAY"));
    env.remove(QStringLiteral("WAYLAND_DISPLAY"));
    env.remove(QStringLiteral("QT_QPA_PLATFORM"));
    const Run headless = run({QStringLiteral("open"), good}, env);
    QCOMPARE(headless.exitCode, 1);
    QVERIFY(headless.err.contains(QStringLiteral("no display")));
    QCOMPARE(run({QStringLiteral("open"), QStringLiteral("--help")}).exitCode, 0);
}

void TestCli::shouldStopShortOfALowDescriptorLimit()
{
    // 64 clients need 129 descriptors; with ulimit -n 64 the lab stops before the kernel runs
    // out, says why, and closes everything it opened. The sanitizer suite runs this too: a
    // process out of descriptors used to make UBSan report a bogus invalid vptr.
    QProcess p;
    p.setProcessEnvironment(cleanEnvironment());
    p.setChildProcessModifier([] {
        rlimit low{64, 64};
        ::setrlimit(RLIMIT_NOFILE, &low);
    });
    p.start(QStringLiteral(SOCKSCOPE_EXECUTABLE),
            {QStringLiteral("scenario"), QStringLiteral("many-clients"), QStringLiteral("--clients"), QStringLiteral("64"),
             QStringLiteral("--port"), QStringLiteral("0")});
    QVERIFY(p.waitForFinished(60000));
    const QString out = QString::fromUtf8(p.readAllStandardOutput());
    const QString err = QString::fromUtf8(p.readAllStandardError());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 1);
    QVERIFY2(err.contains(QStringLiteral("step 2 could not be done: socket(")), qPrintable(err));
    QVERIFY2(err.contains(QStringLiteral("descriptors this process may have are left (ulimit -n)")), qPrintable(err));
    QVERIFY2(!err.contains(QStringLiteral("runtime error")) && !err.contains(QStringLiteral("Sanitizer")), qPrintable(err));
    // every socket it opened closed with RST: as many close() = 0 as socket() = N
    const int opened = int(out.count(QRegularExpression(QStringLiteral("socket\\([^)]*\\) = \\d+"))));
    const int closed = int(out.count(QStringLiteral("close() = 0")));
    QVERIFY2(opened > 16, qPrintable(out.right(2000)));
    QCOMPARE(closed, opened);
}

void TestCli::shouldPrintOutsideTextAsCharactersNotTerminalCodes()
{
    // A value in a shared file: the error that quotes it must not retitle or recolour the
    // terminal it is printed on.
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("escape.json"));
    {
        QFile in(QStringLiteral(SOCKSCOPE_TEST_DATA "/sessions/handshake.json"));
        QVERIFY(in.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(in.readAll()).object();
        QJsonArray connections = root.value(QStringLiteral("connections")).toArray();
        QJsonObject first = connections[0].toObject();
        first.insert(QStringLiteral("local_address"), QStringLiteral("\x1b]0;owned\x07\x1b[31mX\u202e"));
        connections[0] = first;
        root.insert(QStringLiteral("connections"), connections);
        QFile outFile(path);
        QVERIFY(outFile.open(QIODevice::WriteOnly));
        outFile.write(QJsonDocument(root).toJson());
    }
    const Run opened = run({QStringLiteral("open"), path});
    QCOMPARE(opened.exitCode, 1);
    QVERIFY2(opened.err.contains(QStringLiteral("'\\x1b]0;owned\\x07\\x1b[31mX\\u202e' is not an IP address")), qPrintable(opened.err));
    QVERIFY(!opened.err.contains(QChar(0x1b)) && !opened.err.contains(QChar(0x202e)));

    // A process name, which any user can choose: this test's own, holding a listener.
    char original[17] = {};
    QCOMPARE(::prctl(PR_GET_NAME, original), 0);
    const auto restore = qScopeGuard([&original] { ::prctl(PR_SET_NAME, original); });
    QCOMPARE(::prctl(PR_SET_NAME, "\x1b[31mevil\x1b[0m"), 0);
    const Fd listener = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(listener.isValid());
    const Run snapshot = run({QStringLiteral("snapshot"), QStringLiteral("--port"), QString::number(listener.localPort())});
    QCOMPARE(snapshot.exitCode, 0);
    QVERIFY2(snapshot.out.contains(QStringLiteral("\\x1b[31mevil\\x1b[0m")), qPrintable(snapshot.out));
    QVERIFY(!snapshot.out.contains(QChar(0x1b)));
}

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
