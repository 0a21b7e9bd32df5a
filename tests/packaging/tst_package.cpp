// SPDX-License-Identifier: GPL-3.0-or-later
// The Debian package as a user gets it: made by cpack from this build, unpacked into a scratch
// root with dpkg-deb -x, and looked at there: the program, the desktop entry and its icon, a
// man page for the program and each command that says what --help says, bash completion that
// completes what the program accepts, and dependencies that apt can pull in.
#include "core/tcp/tcpstate.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace sockscope;

namespace {

struct Ran
{
    int exitCode = -1;
    QString out;
    QString err;
};

Ran run(const QString &program, const QStringList &arguments, int timeoutMs = 120000)
{
    QProcess p;
    p.start(program, arguments);
    Ran r;
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = QStringLiteral("timed out");
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
    r.err = QString::fromLocal8Bit(p.readAllStandardError());
    return r;
}

// Every "--option" a command's --help lists in its options block.
QSet<QString> optionsOf(const QString &help)
{
    QSet<QString> options;
    static const QRegularExpression option(QStringLiteral("^  (?:-\\w, )?(--[a-z][a-z0-9-]*)"),
                                           QRegularExpression::MultilineOption);
    for (auto it = option.globalMatch(help); it.hasNext();)
        options.insert(it.next().captured(1));
    return options;
}

} // namespace

class TestPackage : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldInstallTheProgramItsEntryIconAndDocumentation();
    void shouldDependOnWhatItNeedsAndDoNothingOnInstall();
    void shouldHaveAManPageForTheProgramAndEachCommand_data();
    void shouldHaveAManPageForTheProgramAndEachCommand();
    void shouldCompleteCommandsAndEachCommandsOptions_data();
    void shouldCompleteCommandsAndEachCommandsOptions();
    void shouldCompleteScenarioAndStateNames();

private:
    QStringList complete(const QStringList &words);

    QTemporaryDir m_dir;
    QString m_deb;
    QString m_root;
    QString m_program;
};

void TestPackage::initTestCase()
{
    if (QStandardPaths::findExecutable(QStringLiteral("dpkg-deb")).isEmpty())
        QSKIP("dpkg-deb is not installed: this is not a Debian or Ubuntu system");
    if (!QFile::exists(QStringLiteral(SOCKSCOPE_BINARY_DIR "/app/man/sockscope.1.gz")))
        QFAIL("the man pages were not built: help2man is missing (scripts/install-deps.sh test installs it)");
    QVERIFY(m_dir.isValid());
    const Ran packed = run(QStringLiteral(SOCKSCOPE_CPACK),
                           {QStringLiteral("-G"), QStringLiteral("DEB"), QStringLiteral("--config"),
                            QStringLiteral(SOCKSCOPE_BINARY_DIR "/CPackConfig.cmake"), QStringLiteral("-B"),
                            m_dir.path()});
    QVERIFY2(packed.exitCode == 0, qPrintable(packed.out + packed.err));
    const QStringList debs = QDir(m_dir.path()).entryList({QStringLiteral("sockscope_*.deb")}, QDir::Files);
    QCOMPARE(debs.size(), 1);
    m_deb = m_dir.filePath(debs.first());
    QVERIFY2(QRegularExpression(QStringLiteral("^sockscope_\\d+\\.\\d+\\.\\d+_[a-z0-9]+\\.deb$")).match(debs.first()).hasMatch(),
             qPrintable(debs.first()));
    m_root = m_dir.filePath(QStringLiteral("root"));
    const Ran unpacked = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-x"), m_deb, m_root});
    QVERIFY2(unpacked.exitCode == 0, qPrintable(unpacked.err));
    m_program = m_root + QStringLiteral("/usr/bin/sockscope");
}

void TestPackage::shouldInstallTheProgramItsEntryIconAndDocumentation()
{
    const Ran listed = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-c"), m_deb});
    QCOMPARE(listed.exitCode, 0);
    QStringList files;
    for (const QString &line : listed.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts)) {
        const QString path = line.section(QLatin1Char(' '), -1);
        if (!path.endsWith(QLatin1Char('/')))
            files << path.mid(1); // "./usr/bin/sockscope" -> "/usr/bin/sockscope"
    }
    files.sort();
    const QStringList expected{
        QStringLiteral("/usr/bin/sockscope"),
        QStringLiteral("/usr/share/applications/io.github.sockscope.desktop"),
        QStringLiteral("/usr/share/bash-completion/completions/sockscope"),
        QStringLiteral("/usr/share/doc/sockscope/README.md"),
        QStringLiteral("/usr/share/doc/sockscope/copyright"),
        QStringLiteral("/usr/share/icons/hicolor/scalable/apps/sockscope.svg"),
        QStringLiteral("/usr/share/man/man1/sockscope-open.1.gz"),
        QStringLiteral("/usr/share/man/man1/sockscope-scenario.1.gz"),
        QStringLiteral("/usr/share/man/man1/sockscope-snapshot.1.gz"),
        QStringLiteral("/usr/share/man/man1/sockscope-watch.1.gz"),
        QStringLiteral("/usr/share/man/man1/sockscope.1.gz"),
    };
    // Nothing else: no tests, benchmarks or headers.
    QCOMPARE(files, expected);

    // The program runs from where it was unpacked, and is stripped.
    const Ran version = run(m_program, {QStringLiteral("--version")});
    QCOMPARE(version.exitCode, 0);
    QVERIFY2(version.out.startsWith(QLatin1String("sockscope 0.")), qPrintable(version.out));
    QVERIFY2(QFileInfo(m_program).size() < 20 * 1024 * 1024, qPrintable(QString::number(QFileInfo(m_program).size())));

    // The desktop entry starts the program by name and shows the icon installed with it.
    QFile entry(m_root + QStringLiteral("/usr/share/applications/io.github.sockscope.desktop"));
    QVERIFY(entry.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(entry.readAll());
    QVERIFY(text.startsWith(QLatin1String("[Desktop Entry]\n")));
    for (const char *line : {"Type=Application", "Exec=sockscope", "Icon=sockscope", "Terminal=false"})
        QVERIFY2(text.contains(QLatin1String(line) + QLatin1Char('\n')), line);
}

void TestPackage::shouldDependOnWhatItNeedsAndDoNothingOnInstall()
{
    const Ran fields = run(QStringLiteral("dpkg-deb"), {QStringLiteral("-f"), m_deb, QStringLiteral("Package"),
                                                        QStringLiteral("Depends"), QStringLiteral("Recommends"),
                                                        QStringLiteral("Section")});
    QCOMPARE(fields.exitCode, 0);
    QVERIFY2(fields.out.contains(QLatin1String("Package: sockscope\n")), qPrintable(fields.out));
    QVERIFY2(fields.out.contains(QLatin1String("Section: net\n")), qPrintable(fields.out));
    // From dpkg-shlibdeps, with the plugins that show a window, and ss.
    for (const char *needed : {"libqt6widgets6", "libqt6network6", "libqt6svg6", "libqt6core6", "libc6",
                               "qt6-qpa-plugins", "iproute2"})
        QVERIFY2(fields.out.contains(QLatin1String(needed)), needed);
    QVERIFY2(fields.out.contains(QLatin1String("Recommends: nftables")), qPrintable(fields.out));

    // No maintainer scripts: installing creates only the files listed, so removing it
    // leaves nothing behind.
    const QString control = m_dir.filePath(QStringLiteral("control"));
    QCOMPARE(run(QStringLiteral("dpkg-deb"), {QStringLiteral("-e"), m_deb, control}).exitCode, 0);
    QStringList scripts = QDir(control).entryList(QDir::Files);
    scripts.sort();
    QCOMPARE(scripts, (QStringList{QStringLiteral("control"), QStringLiteral("md5sums")}));
}

void TestPackage::shouldHaveAManPageForTheProgramAndEachCommand_data()
{
    QTest::addColumn<QString>("page");
    QTest::addColumn<QStringList>("command");
    QTest::newRow("sockscope") << QStringLiteral("sockscope") << QStringList();
    for (const char *command : {"snapshot", "watch", "scenario", "open"})
        QTest::newRow(command) << QStringLiteral("sockscope-%1").arg(QLatin1String(command))
                               << QStringList{QLatin1String(command)};
}

void TestPackage::shouldHaveAManPageForTheProgramAndEachCommand()
{
    QFETCH(QString, page);
    QFETCH(QStringList, command);
    const Ran man = run(QStringLiteral("gzip"),
                        {QStringLiteral("-dc"), m_root + QStringLiteral("/usr/share/man/man1/%1.1.gz").arg(page)});
    QCOMPARE(man.exitCode, 0);
    QVERIFY2(man.out.contains(QStringLiteral(".TH %1 \"1\"").arg(page.toUpper())), qPrintable(man.out.left(300)));
    QVERIFY2(man.out.contains(QStringLiteral(".SH NAME\n%1 \\- ").arg(page)), qPrintable(man.out.left(300)));
    QVERIFY(man.out.contains(QLatin1String(".SH \"SEE ALSO\"\n.BR sockscope\\-snapshot (1),")));
    // Every option --help lists is in the page (help2man writes "\-\-from\-file").
    const Ran help = run(m_program, command + QStringList{QStringLiteral("--help")});
    QCOMPARE(help.exitCode, 0);
    const QSet<QString> options = optionsOf(help.out);
    QVERIFY(command.isEmpty() || command.first() == QLatin1String("open") || !options.isEmpty());
    for (const QString &option : options) {
        QString roff = option;
        roff.replace(QLatin1Char('-'), QLatin1String("\\-"));
        QVERIFY2(man.out.contains(roff), qPrintable(page + QLatin1Char(' ') + option));
    }
}

QStringList TestPackage::complete(const QStringList &words)
{
    // As bash does on Tab: the words so far, the cursor in the last one.
    QString array;
    for (const QString &w : words)
        array += QLatin1Char('\'') + w + QStringLiteral("' ");
    const QString script = QStringLiteral("source '%1/usr/share/bash-completion/completions/sockscope'\n"
                                          "PATH='%1/usr/bin':$PATH\n"
                                          "COMP_WORDS=(%2)\nCOMP_CWORD=%3\n_sockscope\n"
                                          "printf '%s\\n' \"${COMPREPLY[@]}\"\n")
                               .arg(m_root, array)
                               .arg(words.size() - 1);
    const Ran ran = run(QStringLiteral("bash"), {QStringLiteral("--norc"), QStringLiteral("-c"), script});
    if (ran.exitCode != 0)
        qWarning("%s", qPrintable(ran.err));
    QStringList found = ran.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    found.sort();
    return found;
}

void TestPackage::shouldCompleteCommandsAndEachCommandsOptions_data()
{
    QTest::addColumn<QString>("command");
    QTest::newRow("the window") << QString();
    for (const char *command : {"snapshot", "watch", "scenario", "open"})
        QTest::newRow(command) << QString::fromLatin1(command);
}

void TestPackage::shouldCompleteCommandsAndEachCommandsOptions()
{
    QFETCH(QString, command);
    QStringList words{QStringLiteral("sockscope")};
    QStringList helpArguments{QStringLiteral("--help")};
    if (!command.isEmpty()) {
        words << command;
        helpArguments.prepend(command);
    }
    const Ran help = run(m_program, helpArguments);
    QCOMPARE(help.exitCode, 0);
    QSet<QString> options = optionsOf(help.out);
    options << QStringLiteral("--help"); // every command takes it, whether or not it lists options
    if (command.isEmpty()) {
        // The program's own help lists its options in prose, and --version at the end.
        static const QRegularExpression listed(QStringLiteral("^  (--[a-z][a-z0-9-]*) "), QRegularExpression::MultilineOption);
        for (auto it = listed.globalMatch(help.out); it.hasNext();)
            options.insert(it.next().captured(1));
        options << QStringLiteral("--help") << QStringLiteral("--version");
    }
    QStringList expected(options.cbegin(), options.cend());
    expected.sort();
    QCOMPARE(complete(words + QStringList{QStringLiteral("--")}), expected);

    // Each option's values, where it has a fixed set: as its --help writes them (<a|b|c>).
    static const QRegularExpression choices(QStringLiteral("^  (--[a-z-]+) <([a-z0-9]+(?:\\|[a-z0-9]+)+)>"),
                                            QRegularExpression::MultilineOption);
    for (auto it = choices.globalMatch(help.out); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        QStringList values = m.captured(2).split(QLatin1Char('|'));
        values.sort();
        const QStringList offered = complete(words + QStringList{m.captured(1), QString()});
        for (const QString &value : std::as_const(values))
            QVERIFY2(offered.contains(value), qPrintable(m.captured(1) + QLatin1Char(' ') + value));
    }
    if (command.isEmpty()) {
        QCOMPARE(complete({QStringLiteral("sockscope"), QString()}),
                 (QStringList{"open", "scenario", "snapshot", "watch"}));
        QCOMPARE(complete({QStringLiteral("sockscope"), QStringLiteral("sc")}), QStringList{"scenario"});
    }
}

void TestPackage::shouldCompleteScenarioAndStateNames()
{
    // The scenarios the program itself lists.
    const Ran list = run(m_program, {QStringLiteral("scenario"), QStringLiteral("--list")});
    QCOMPARE(list.exitCode, 0);
    QStringList names;
    for (const QString &line : list.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts))
        names << line.section(QLatin1Char(' '), 0, 0);
    names.sort();
    QVERIFY(names.contains(QLatin1String("time-wait")));
    QCOMPARE(complete({QStringLiteral("sockscope"), QStringLiteral("scenario"), QString()}), names);
    QCOMPARE(complete({QStringLiteral("sockscope"), QStringLiteral("scenario"), QStringLiteral("time")}),
             QStringList{"time-wait"});
    // Every state, as the kernel names them; snapshot --state takes them.
    QStringList states;
    for (TcpState s : allTcpStates())
        states << kernelName(s);
    states.sort();
    QCOMPARE(complete({QStringLiteral("sockscope"), QStringLiteral("snapshot"), QStringLiteral("--state"), QString()}),
             states);
    for (const QString &state : std::as_const(states)) {
        const Ran taken = run(m_program, {QStringLiteral("snapshot"), QStringLiteral("--from-file"),
                                          QStringLiteral("/dev/null"), QStringLiteral("--state"), state});
        QVERIFY2(taken.exitCode != 2, qPrintable(state + QLatin1Char(' ') + taken.err));
    }
}

QTEST_GUILESS_MAIN(TestPackage)
#include "tst_package.moc"
