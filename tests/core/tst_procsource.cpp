// SPDX-License-Identifier: GPL-3.0-or-later
// The /proc source on a directory of its own: tcp is required, tcp6 is optional (a kernel
// without IPv6 has none), and a tcp6 that is there but cannot be read costs the IPv6 rows only.
#include "core/sources/procsource.h"

#include "../common/fixtures.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <unistd.h>
#include <sys/stat.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

bool copyFixture(const QString &fixture, const QString &to)
{
    return QFile::copy(fixturePath(fixture), to);
}

} // namespace

class TestProcSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldReadBothTables();
    void shouldSayNothingWhenTheKernelHasNoIPv6();
    void shouldKeepTheIPv4RowsWhenTcp6CannotBeRead_data();
    void shouldKeepTheIPv4RowsWhenTcp6CannotBeRead();
    void shouldFailWhenTcpCannotBeRead();
};

void TestProcSource::shouldReadBothTables()
{
    QTemporaryDir dir;
    QVERIFY(copyFixture(QStringLiteral("proc-net-tcp.txt"), dir.filePath(QStringLiteral("tcp"))));
    QVERIFY(copyFixture(QStringLiteral("proc-net-tcp6.txt"), dir.filePath(QStringLiteral("tcp6"))));
    const Snapshot s = ProcSource(dir.path()).take(SocketFilter());
    QVERIFY2(s.ok(), qPrintable(s.error));
    QCOMPARE(s.records.size(), 86);
    QVERIFY(s.issues.isEmpty());
    QVERIFY(s.notes.isEmpty());
}

void TestProcSource::shouldSayNothingWhenTheKernelHasNoIPv6()
{
    QTemporaryDir dir;
    QVERIFY(copyFixture(QStringLiteral("proc-net-tcp.txt"), dir.filePath(QStringLiteral("tcp"))));
    const Snapshot s = ProcSource(dir.path()).take(SocketFilter());
    QVERIFY2(s.ok(), qPrintable(s.error));
    QCOMPARE(s.records.size(), 43);
    QVERIFY(s.notes.isEmpty());
}

void TestProcSource::shouldKeepTheIPv4RowsWhenTcp6CannotBeRead_data()
{
    QTest::addColumn<QString>("tcp6");
    QTest::addColumn<QString>("reason");
    // Permissions do not stop root: a directory or a FIFO in tcp6's place fails for everyone.
    QTest::newRow("a directory") << "directory" << "it is a directory, not a regular file";
    QTest::newRow("a FIFO") << "fifo" << "it is a FIFO, not a regular file";
    QTest::newRow("no permission") << "unreadable" << "open: Permission denied";
}

void TestProcSource::shouldKeepTheIPv4RowsWhenTcp6CannotBeRead()
{
    QFETCH(QString, tcp6);
    QFETCH(QString, reason);
    QTemporaryDir dir;
    QVERIFY(copyFixture(QStringLiteral("proc-net-tcp.txt"), dir.filePath(QStringLiteral("tcp"))));
    const QString path = dir.filePath(QStringLiteral("tcp6"));
    const QByteArray native = QFile::encodeName(path);
    if (tcp6 == QLatin1String("directory")) {
        QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("tcp6")));
    } else if (tcp6 == QLatin1String("fifo")) {
        QCOMPARE(::mkfifo(native.constData(), 0600), 0);
    } else {
        if (::geteuid() == 0)
            QSKIP("root reads files whatever their permissions; the other rows cover root");
        QVERIFY(copyFixture(QStringLiteral("proc-net-tcp6.txt"), path));
        QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions()));
    }

    ProcSource source(dir.path());
    for (int poll = 0; poll < 2; ++poll) { // the same every poll
        const Snapshot s = source.take(SocketFilter());
        QVERIFY2(s.ok(), qPrintable(s.error));
        QCOMPARE(s.records.size(), 43);
        for (const SocketRecord &r : s.records)
            QCOMPARE(r.family, AddressFamily::IPv4);
        QVERIFY(s.issues.isEmpty()); // not a malformed line
        QCOMPARE(s.notes, QStringList{QStringLiteral("IPv6 sockets are not shown: cannot read %1: %2").arg(path, reason)});
    }

    // Asking for IPv6 only: no rows, the note says why.
    SocketFilter ipv6;
    ipv6.family = AddressFamily::IPv6;
    const Snapshot only = source.take(ipv6);
    QVERIFY(only.ok());
    QVERIFY(only.records.isEmpty());
    QCOMPARE(only.notes.size(), 1);
}

void TestProcSource::shouldFailWhenTcpCannotBeRead()
{
    QTemporaryDir dir;
    QVERIFY(copyFixture(QStringLiteral("proc-net-tcp6.txt"), dir.filePath(QStringLiteral("tcp6"))));
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("tcp")));
    const Snapshot s = ProcSource(dir.path()).take(SocketFilter());
    QVERIFY(!s.ok());
    QCOMPARE(s.error, QStringLiteral("cannot read %1: it is a directory, not a regular file").arg(dir.filePath(QStringLiteral("tcp"))));
    QVERIFY(s.records.isEmpty());
    QVERIFY(s.notes.isEmpty());
}

QTEST_GUILESS_MAIN(TestProcSource)
#include "tst_procsource.moc"
