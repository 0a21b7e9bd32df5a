// SPDX-License-Identifier: GPL-3.0-or-later
// Reading files someone else wrote: only regular files, never more than the limit, whatever
// the file claims, and never waiting on a FIFO.
#include "core/format/untrustedfile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace sockscope;

namespace {

const QString kind = QStringLiteral("a test file");

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size();
}

// Makes `path` a FIFO, a directory or a listening Unix socket; returns the socket's descriptor
// (to close) or 0.
int makeSpecial(const QString &what, const QString &path)
{
    const QByteArray native = QFile::encodeName(path);
    if (what == QLatin1String("fifo"))
        return ::mkfifo(native.constData(), 0600) == 0 ? 0 : -1;
    if (what == QLatin1String("directory"))
        return ::mkdir(native.constData(), 0700) == 0 ? 0 : -1;
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    if (fd < 0 || size_t(native.size()) >= sizeof address.sun_path)
        return -1;
    std::memcpy(address.sun_path, native.constData(), size_t(native.size()));
    if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

} // namespace

class TestUntrustedFile : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldReadARegularFileWhole_data();
    void shouldReadARegularFileWhole();
    void shouldRefuseWhatIsNotARegularFileWithoutWaiting_data();
    void shouldRefuseWhatIsNotARegularFileWithoutWaiting();
    void shouldRefuseADeviceWithoutReadingIt();
    void shouldRefuseAFileThatSaysItIsTooBig();
    void shouldStopAtTheLimitWhenTheFileClaimsLess();
    void shouldStopEndlessInputOnABorrowedDescriptor();
    void shouldReadAPipeOnABorrowedDescriptor();
    void shouldHandOutWholeLinesAndTheRestAtTheEnd();
    void shouldNameTheFileTheCallAndTheReason();
    void shouldWriteLimitsInTheirUnit_data();
    void shouldWriteLimitsInTheirUnit();
};

void TestUntrustedFile::shouldReadARegularFileWhole_data()
{
    QTest::addColumn<QByteArray>("bytes");
    QTest::newRow("empty") << QByteArray();
    QTest::newRow("one line") << QByteArray("  sl  local_address\n");
    QTest::newRow("exactly the limit") << QByteArray(1000, 'x');
}

void TestUntrustedFile::shouldReadARegularFileWhole()
{
    QFETCH(QByteArray, bytes);
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("file"));
    QVERIFY(writeFile(path, bytes));
    UntrustedFile file(path, 1000, kind);
    QVERIFY2(file.ok(), qPrintable(file.error()));
    QCOMPARE(file.sizeHint(), qint64(bytes.size()));
    QCOMPARE(file.readAll(), bytes);
    QVERIFY2(file.ok(), qPrintable(file.error()));

    const QByteArray big(300 * 1024 + 7, 'z'); // several 64 KiB pieces
    QVERIFY(writeFile(path, big));
    UntrustedFile whole(path, 1024 * 1024, kind);
    QCOMPARE(whole.readAll(), big);
}

void TestUntrustedFile::shouldRefuseWhatIsNotARegularFileWithoutWaiting_data()
{
    QTest::addColumn<QString>("what");
    QTest::addColumn<QString>("said");
    // A FIFO without a writer would block open() for ever; a test that hangs fails by timeout.
    QTest::newRow("fifo") << "fifo" << "it is a FIFO, not a regular file";
    QTest::newRow("directory") << "directory" << "it is a directory, not a regular file";
    QTest::newRow("socket") << "socket" << "it is a socket, not a regular file";
}

void TestUntrustedFile::shouldRefuseWhatIsNotARegularFileWithoutWaiting()
{
    QFETCH(QString, what);
    QFETCH(QString, said);
    QTemporaryDir dir;
    const QString path = dir.filePath(what);
    const int fd = makeSpecial(what, path);
    QVERIFY2(fd >= 0, std::strerror(errno));
    UntrustedFile file(path, 1000, kind);
    if (fd > 0)
        ::close(fd);
    QVERIFY(!file.ok());
    QCOMPARE(file.error(), QStringLiteral("cannot read %1: %2").arg(path, said));
    QCOMPARE(file.systemError(), 0);
    QCOMPARE(file.readAll(), QByteArray());
    QByteArray buffer;
    QVERIFY(!file.readLines(buffer, [](QByteArrayView) { QFAIL("nothing is read from a refused file"); }));
}

void TestUntrustedFile::shouldRefuseADeviceWithoutReadingIt()
{
    // /dev/zero never ends: readAll() on it used to grow until the allocation failed.
    for (const char *device : {"/dev/zero", "/dev/null"}) {
        UntrustedFile file(QLatin1String(device), 1000, kind);
        QCOMPARE(file.error(), QStringLiteral("cannot read %1: it is a character device, not a regular file").arg(QLatin1String(device)));
    }
}

void TestUntrustedFile::shouldRefuseAFileThatSaysItIsTooBig()
{
    QTemporaryDir dir;
    QFile sparse(dir.filePath(QStringLiteral("sparse")));
    QVERIFY(sparse.open(QIODevice::WriteOnly));
    QVERIFY(sparse.resize(2LL * 1024 * 1024 * 1024)); // 2 GiB that cost no disk
    sparse.close();
    UntrustedFile file(sparse.fileName(), 256LL * 1024 * 1024, QStringLiteral("a session file"));
    QCOMPARE(file.error(), QStringLiteral("cannot read %1: more than 256 MiB; a session file is at most 256 MiB")
                               .arg(sparse.fileName()));
    QCOMPARE(file.readAll(), QByteArray());

    QVERIFY(writeFile(sparse.fileName(), QByteArray(1001, 'x')));
    UntrustedFile byOne(sparse.fileName(), 1000, kind);
    QVERIFY(byOne.error().endsWith(QStringLiteral("more than 1000 bytes; a test file is at most 1000 bytes")));
}

void TestUntrustedFile::shouldStopAtTheLimitWhenTheFileClaimsLess()
{
    // /proc files claim a size of 0 and are longer; the limit holds while reading.
    const QString path = QStringLiteral("/proc/self/status");
    UntrustedFile claims(path, 1000, kind);
    QVERIFY2(claims.ok(), qPrintable(claims.error()));
    QCOMPARE(claims.sizeHint(), qint64(0));

    UntrustedFile whole(path, 100, kind);
    QCOMPARE(whole.readAll(), QByteArray());
    QCOMPARE(whole.error(), QStringLiteral("cannot read /proc/self/status: more than 100 bytes; a test file is at most 100 bytes"));

    UntrustedFile lines(path, 100, kind);
    QByteArray buffer;
    qsizetype handedOut = 0;
    QVERIFY(!lines.readLines(buffer, [&](QByteArrayView piece) { handedOut += piece.size(); }));
    QVERIFY(lines.error().contains(QStringLiteral("more than 100 bytes")));
    QCOMPARE(handedOut, 0); // the first piece was already over the limit

    UntrustedFile enough(path, 64 * 1024, kind);
    QVERIFY(enough.readAll().startsWith("Name:"));
}

void TestUntrustedFile::shouldStopEndlessInputOnABorrowedDescriptor()
{
    // Standard input may be anything: `sockscope snapshot --from-file - < /dev/zero`.
    const int fd = ::open("/dev/zero", O_RDONLY | O_CLOEXEC);
    QVERIFY(fd >= 0);
    {
        UntrustedFile input(fd, QStringLiteral("standard input"), 1024 * 1024, kind);
        QVERIFY2(input.ok(), qPrintable(input.error()));
        QCOMPARE(input.readAll(), QByteArray());
        QCOMPARE(input.error(), QStringLiteral("cannot read standard input: more than 1 MiB; a test file is at most 1 MiB"));
    }
    {
        UntrustedFile input(fd, QStringLiteral("standard input"), 1024 * 1024, kind);
        QByteArray buffer;
        QVERIFY(!input.readLines(buffer, [](QByteArrayView) { }));
        QVERIFY(input.error().contains(QStringLiteral("more than 1 MiB")));
    }
    // borrowed: still open
    QCOMPARE(::fcntl(fd, F_GETFD) >= 0, true);
    ::close(fd);
}

void TestUntrustedFile::shouldReadAPipeOnABorrowedDescriptor()
{
    int pipeFds[2];
    QCOMPARE(::pipe2(pipeFds, O_CLOEXEC | O_NONBLOCK), 0); // non-blocking: read() may say EAGAIN
    const QByteArray text("State Recv-Q\nESTAB 0\n");
    QCOMPARE(::write(pipeFds[1], text.constData(), size_t(text.size())), ssize_t(text.size()));
    ::close(pipeFds[1]);
    UntrustedFile input(pipeFds[0], QStringLiteral("standard input"), 1000, kind);
    QCOMPARE(input.sizeHint(), qint64(-1));
    QCOMPARE(input.readAll(), text);
    QVERIFY(input.ok());
    ::close(pipeFds[0]);
}

void TestUntrustedFile::shouldHandOutWholeLinesAndTheRestAtTheEnd()
{
    QByteArray text;
    for (int i = 0; text.size() < 200 * 1024; ++i)
        text += QByteArray::number(i) + QByteArray(i % 97, 'a') + '\n';
    text += "no newline at the end";
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("lines"));
    QVERIFY(writeFile(path, text));
    UntrustedFile file(path, 1024 * 1024, kind);
    QByteArray buffer;
    QList<QByteArray> pieces;
    QVERIFY(file.readLines(buffer, [&](QByteArrayView piece) { pieces.append(piece.toByteArray()); }));
    QVERIFY(pieces.size() > 3);
    for (qsizetype i = 0; i + 1 < pieces.size(); ++i)
        QVERIFY(pieces[i].endsWith('\n'));
    QCOMPARE(pieces.last(), QByteArray("no newline at the end"));
    QCOMPARE(pieces.join(), text);
}

void TestUntrustedFile::shouldNameTheFileTheCallAndTheReason()
{
    UntrustedFile missing(QStringLiteral("/nonexistent/tcp"), 1000, kind);
    QCOMPARE(missing.error(), QStringLiteral("cannot read /nonexistent/tcp: stat: No such file or directory"));
    QCOMPARE(missing.systemError(), ENOENT);

    if (::geteuid() == 0)
        QSKIP("root reads files whatever their permissions");
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("secret"));
    QVERIFY(writeFile(path, "x"));
    QVERIFY(QFile::setPermissions(path, QFileDevice::Permissions()));
    UntrustedFile denied(path, 1000, kind);
    QCOMPARE(denied.error(), QStringLiteral("cannot read %1: open: Permission denied").arg(path));
    QCOMPARE(denied.systemError(), EACCES);
}

void TestUntrustedFile::shouldWriteLimitsInTheirUnit_data()
{
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("text");
    QTest::newRow("MiB") << qint64(256) * 1024 * 1024 << "256 MiB";
    QTest::newRow("KiB") << qint64(64) * 1024 << "64 KiB";
    QTest::newRow("bytes") << qint64(1000) << "1000 bytes";
    QTest::newRow("not whole KiB") << qint64(1024 * 1024 + 1) << "1048577 bytes";
}

void TestUntrustedFile::shouldWriteLimitsInTheirUnit()
{
    QFETCH(qint64, bytes);
    QFETCH(QString, text);
    QCOMPARE(UntrustedFile::sizeText(bytes), text);
}

QTEST_GUILESS_MAIN(TestUntrustedFile)
#include "tst_untrustedfile.moc"
