// SPDX-License-Identifier: GPL-3.0-or-later
// What people paste around a table, told from socket rows, and the note that names it.
#include "core/parsers/skippedlines.h"

#include <QTest>

using namespace sockscope;

Q_DECLARE_METATYPE(std::optional<SkippedLines::Kind>)

class TestSkippedLines : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldTellPastedLinesFromRows_data();
    void shouldTellPastedLinesFromRows();
    void shouldNameWhatWasSkippedAndWhere();
    void shouldNumberAPiecesLinesWithinTheFile();
};

void TestSkippedLines::shouldTellPastedLinesFromRows_data()
{
    using Kind = SkippedLines::Kind;
    QTest::addColumn<QString>("line");
    QTest::addColumn<std::optional<Kind>>("kind");
    QTest::newRow("blank") << "  \t" << std::optional<Kind>(Kind::Blank);
    QTest::newRow("dollar") << "$ ss -tan" << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("Debian root") << "root@host:~# netstat -tan" << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("user, path after a space") << "me@box ~/src$ ss -tanoie" << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("RHEL") << "[root@centos7 ~]# ss -tln" << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("host and path") << "box:/tmp$ cat /proc/net/tcp" << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("bash version") << "bash-5.2# netstat -tanp" << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("empty prompt") << "root@host:~# " << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("zsh") << "% ss -tan" << std::optional<Kind>(Kind::ShellPrompt);
    QTest::newRow("dashes") << "---" << std::optional<Kind>(Kind::Separator);
    QTest::newRow("equals") << "==== server b ====" << std::optional<Kind>();
    QTest::newRow("long rule") << "-------- ---------" << std::optional<Kind>(Kind::Separator);
    QTest::newRow("two dashes are not enough") << "--" << std::optional<Kind>();
    QTest::newRow("ss row") << "ESTAB 0 0 127.0.0.1:1 127.0.0.1:2" << std::optional<Kind>();
    QTest::newRow("netstat row") << "tcp        0      0 127.0.0.1:22 0.0.0.0:* LISTEN" << std::optional<Kind>();
    QTest::newRow("proc row") << "   0: 0100007F:1F40 00000000:0000 0A" << std::optional<Kind>();
    QTest::newRow("a mail's quote is not a prompt") << "> ESTAB 0 0 127.0.0.1:1 127.0.0.1:2" << std::optional<Kind>();
    QTest::newRow("garbage") << "garbage ### this line is not a socket row ###" << std::optional<Kind>();
}

void TestSkippedLines::shouldTellPastedLinesFromRows()
{
    QFETCH(QString, line);
    QFETCH(std::optional<SkippedLines::Kind>, kind);
    QCOMPARE(SkippedLines::classify(line), kind);
}

void TestSkippedLines::shouldNameWhatWasSkippedAndWhere()
{
    SkippedLines skipped;
    QVERIFY(skipped.note().isEmpty());
    skipped.add(SkippedLines::Kind::ShellPrompt, 1);
    QCOMPARE(skipped.note(), QStringLiteral("1 line that is not a socket row skipped: a shell prompt at line 1"));
    for (int line = 88; line < 93; ++line)
        skipped.add(SkippedLines::Kind::OtherProtocol, line, QStringLiteral("udp"));
    skipped.add(SkippedLines::Kind::Blank, 40);
    skipped.add(SkippedLines::Kind::Blank, 95);
    QCOMPARE(skipped.count(), 8);
    QCOMPARE(skipped.count(SkippedLines::Kind::OtherProtocol, QStringLiteral("udp")), 5);
    QCOMPARE(skipped.note(), QStringLiteral("8 lines that are not socket rows skipped: a shell prompt at line 1, 5 udp rows at "
                                            "lines 88, 89, 90 and 2 more, 2 blank lines at lines 40 and 95"));
}

void TestSkippedLines::shouldNumberAPiecesLinesWithinTheFile()
{
    SkippedLines first;
    first.add(SkippedLines::Kind::Separator, 3);
    SkippedLines second;
    second.add(SkippedLines::Kind::Separator, 2);
    second.add(SkippedLines::Kind::ShellPrompt, 9);
    first.merge(second, 100);
    QCOMPARE(first.note(), QStringLiteral("3 lines that are not socket rows skipped: 2 separator lines at lines 3 and 102, "
                                          "a shell prompt at line 109"));
}

QTEST_GUILESS_MAIN(TestSkippedLines)
#include "tst_skippedlines.moc"
