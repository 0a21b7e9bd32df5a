// SPDX-License-Identifier: GPL-3.0-or-later
// Which process holds a socket: the cache's incremental refresh on a /proc tree laid out in a
// temporary directory, and the real thing on loopback sockets of this process and a child.
#include "core/sources/poller.h"
#include "core/sources/procsource.h"
#include "core/system/socketowners.h"
#include "core/tracking/connectiontracker.h"

#include "loopbackpair.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// A /proc look-alike: <pid>/comm and <pid>/fd/<n> links that read "socket:[inode]".
class FakeProc
{
public:
    QString path() const { return m_dir.path(); }

    void addProcess(qint32 pid, const QString &program)
    {
        QVERIFY(QDir(m_dir.path()).mkpath(QStringLiteral("%1/fd").arg(pid)));
        QFile comm(QStringLiteral("%1/%2/comm").arg(m_dir.path()).arg(pid));
        QVERIFY(comm.open(QIODevice::WriteOnly));
        comm.write(program.toUtf8() + '\n');
    }
    void addSocket(qint32 pid, int fd, quint64 inode)
    {
        link(pid, fd, QStringLiteral("socket:[%1]").arg(inode));
    }
    void link(qint32 pid, int fd, const QString &target)
    {
        const QByteArray at = QFile::encodeName(QStringLiteral("%1/%2/fd/%3").arg(m_dir.path()).arg(pid).arg(fd));
        QCOMPARE(::symlink(target.toUtf8().constData(), at.constData()), 0);
    }
    void removeProcess(qint32 pid) { QVERIFY(QDir(QStringLiteral("%1/%2").arg(m_dir.path()).arg(pid)).removeRecursively()); }

private:
    QTemporaryDir m_dir;
};

SocketRecord withInode(quint64 inode, quint32 uid = ::geteuid())
{
    SocketRecord r;
    r.inode = inode;
    r.uid = uid;
    r.state = TcpState::Established;
    return r;
}

QString ownProgram()
{
    QFile comm(QStringLiteral("/proc/self/comm"));
    return comm.open(QIODevice::ReadOnly) ? QString::fromLocal8Bit(comm.readAll()).trimmed() : QString();
}

const SocketRecord *find(const Snapshot &s, quint16 localPort, quint16 remotePort)
{
    for (const SocketRecord &r : s.records) {
        if (r.local.port == localPort && r.remote.port == remotePort)
            return &r;
    }
    return nullptr;
}

} // namespace

class TestSocketOwners : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldNameTheProcessesHoldingAnInode();
    void shouldFindNewProcessesWithoutRescanningOldOnes();
    void shouldRescanEveryProcessOnlyOncePerUnknownInode();
    void shouldForgetProcessesThatEnded();
    void shouldLeaveRowsWithoutInodeAlone();
    void shouldNameThisProcessForItsOwnSockets();
    void shouldFollowASocketHandedToAChild();
    void shouldCarryTheOwnerIntoTimeWait();
    void shouldAttributeOnThePollersThreadUnlessTurnedOff();
};

void TestSocketOwners::shouldNameTheProcessesHoldingAnInode()
{
    FakeProc proc;
    proc.addProcess(100, QStringLiteral("nginx"));
    proc.addSocket(100, 3, 1001);
    proc.link(100, 4, QStringLiteral("/dev/null"));
    proc.link(100, 5, QStringLiteral("socket:[12x]")); // not a socket link
    proc.addProcess(200, QStringLiteral("nginx"));     // a forked worker shares it
    proc.addSocket(200, 7, 1001);
    proc.addSocket(200, 8, 1001); // dup()ed: still one owner
    SocketOwners owners(proc.path(), 1);

    QList<SocketRecord> rows{withInode(1001), withInode(0), withInode(5555)};
    owners.attribute(rows);
    QCOMPARE(rows[0].ownerStatus, OwnerStatus::Process);
    const QList<SocketOwner> both{{100, QStringLiteral("nginx")}, {200, QStringLiteral("nginx")}};
    QCOMPARE(rows[0].owners, both);
    QCOMPARE(rows[0].ownerText(), QStringLiteral("nginx (pid 100, 200)"));
    QCOMPARE(rows[1].ownerStatus, OwnerStatus::KernelOnly);
    QVERIFY(rows[1].owners.isEmpty());
    QCOMPARE(rows[1].ownerText(), QStringLiteral("kernel"));
    // Every process was readable: nobody visible holds 5555.
    QCOMPARE(rows[2].ownerStatus, OwnerStatus::NotFound);
    QCOMPARE(rows[2].ownerText(), QStringLiteral("unknown"));
}

void TestSocketOwners::shouldFindNewProcessesWithoutRescanningOldOnes()
{
    FakeProc proc;
    proc.addProcess(100, QStringLiteral("nginx"));
    proc.addSocket(100, 3, 1001);
    SocketOwners owners(proc.path(), 1);
    QList<SocketRecord> rows{withInode(1001)};
    owners.attribute(rows);
    const SocketOwners::Stats first = owners.stats();

    // Known inodes cost nothing: not even the process list is read.
    owners.attribute(rows);
    QCOMPARE(owners.stats().listings, first.listings);
    QCOMPARE(owners.stats().processScans, first.processScans);

    proc.addProcess(300, QStringLiteral("curl"));
    proc.addSocket(300, 3, 3003);
    rows.append(withInode(3003));
    owners.attribute(rows);
    QCOMPARE(rows[1].ownerText(), QStringLiteral("curl (pid 300)"));
    QCOMPARE(rows[0].ownerText(), QStringLiteral("nginx (pid 100)"));
    // this process (absent here) and the new one: nginx was not read again
    QCOMPARE(owners.stats().processScans, first.processScans + 2);
    QCOMPARE(owners.stats().fullRescans, first.fullRescans);
}

void TestSocketOwners::shouldRescanEveryProcessOnlyOncePerUnknownInode()
{
    FakeProc proc;
    proc.addProcess(100, QStringLiteral("nginx"));
    proc.addSocket(100, 3, 1001);
    SocketOwners owners(proc.path(), 1);
    owners.setFullRescanIntervalMs(0);
    QList<SocketRecord> rows{withInode(1001)};
    owners.attribute(rows);

    // An old process opens a new socket: only a rescan of every process finds it.
    proc.addSocket(100, 4, 1002);
    rows.append(withInode(1002));
    const int fullBefore = owners.stats().fullRescans;
    owners.attribute(rows);
    QCOMPARE(owners.stats().fullRescans, fullBefore + 1);
    QCOMPARE(rows[1].ownerText(), QStringLiteral("nginx (pid 100)"));

    // An inode no process holds is looked for once, not on every poll.
    rows.append(withInode(9999));
    owners.attribute(rows);
    QCOMPARE(owners.stats().fullRescans, fullBefore + 2);
    const SocketOwners::Stats settled = owners.stats();
    for (int i = 0; i < 5; ++i)
        owners.attribute(rows);
    QCOMPARE(owners.stats().fullRescans, settled.fullRescans);
    QCOMPARE(owners.stats().listings, settled.listings);
    QCOMPARE(rows[2].ownerStatus, OwnerStatus::NotFound);

    // With a rate limit, a second unknown inode soon after waits for the next poll after it.
    owners.setFullRescanIntervalMs(60000);
    proc.addSocket(100, 5, 1003);
    rows.append(withInode(1003));
    owners.attribute(rows);
    QCOMPARE(owners.stats().fullRescans, settled.fullRescans);
    // Not "unknown": nobody has looked for it yet.
    QCOMPARE(rows[3].ownerStatus, OwnerStatus::NotLooked);
    QVERIFY(rows[3].ownerExplanation().contains(QStringLiteral("Not looked up")));
    // Once the wait is over (at least 200 times the last rescan), it is found.
    owners.setFullRescanIntervalMs(0);
    QTRY_VERIFY_WITH_TIMEOUT((owners.attribute(rows), rows[3].ownerStatus == OwnerStatus::Process), 5000);
    QCOMPARE(rows[3].ownerText(), QStringLiteral("nginx (pid 100)"));
}

void TestSocketOwners::shouldForgetProcessesThatEnded()
{
    FakeProc proc;
    proc.addProcess(100, QStringLiteral("nginx"));
    proc.addSocket(100, 3, 1001);
    proc.addProcess(200, QStringLiteral("worker"));
    proc.addSocket(200, 3, 1001);
    SocketOwners owners(proc.path(), 1);
    owners.setFullRescanIntervalMs(0);
    QList<SocketRecord> rows{withInode(1001)};
    owners.attribute(rows);
    QCOMPARE(rows[0].owners.size(), 2);

    // The parent exits; its worker keeps the socket. A new socket makes the cache look again.
    proc.removeProcess(100);
    proc.addProcess(400, QStringLiteral("other"));
    proc.addSocket(400, 3, 4004);
    rows.append(withInode(4004));
    owners.attribute(rows);
    QCOMPARE(rows[0].ownerText(), QStringLiteral("worker (pid 200)"));
    QCOMPARE(rows[1].ownerText(), QStringLiteral("other (pid 400)"));
}

void TestSocketOwners::shouldLeaveRowsWithoutInodeAlone()
{
    FakeProc proc;
    SocketOwners owners(proc.path(), 1);
    SocketRecord fromAFile; // a source that does not report inodes
    owners.attribute(fromAFile);
    QCOMPARE(fromAFile.ownerStatus, OwnerStatus::NotLooked);
    QCOMPARE(fromAFile.ownerText(), QString());
    QCOMPARE(owners.stats().listings, 0);
}

void TestSocketOwners::shouldNameThisProcessForItsOwnSockets()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 2);
    QVERIFY(listener.isValid());
    SocketOwners owners;
    SocketRecord row = withInode(listener.inode());
    owners.attribute(row);
    QCOMPARE(row.ownerStatus, OwnerStatus::Process);
    const QList<SocketOwner> me{{qint32(::getpid()), ownProgram()}};
    QCOMPARE(row.owners, me);
}

void TestSocketOwners::shouldFollowASocketHandedToAChild()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 2);
    QVERIFY(listener.isValid());
    const quint64 inode = listener.inode();
    SocketOwners owners;
    owners.setFullRescanIntervalMs(0);
    SocketRecord row = withInode(inode);
    owners.attribute(row);
    QCOMPARE(row.owners.size(), 1);

    // fork(): the child holds the same socket until it is told to exit.
    int pipeFds[2];
    QCOMPARE(::pipe(pipeFds), 0);
    const pid_t child = ::fork();
    QVERIFY(child >= 0);
    if (child == 0) {
        ::close(pipeFds[1]);
        char c;
        (void)!::read(pipeFds[0], &c, 1); // returns when the parent closes its end
        ::_exit(0);
    }
    ::close(pipeFds[0]);
    const auto reap = qScopeGuard([&] {
        ::close(pipeFds[1]);
        ::waitpid(child, nullptr, 0);
    });
    listener.reset(); // now only the child holds it

    // The cached answer names this process until something makes the cache look again; a
    // socket it does not know yet does.
    Fd other = Loopback::listen(AddressFamily::IPv4, 1);
    QList<SocketRecord> rows{withInode(inode), withInode(other.inode())};
    owners.attribute(rows);
    QCOMPARE(rows[1].owners.value(0).pid, qint32(::getpid()));
    QCOMPARE(rows[0].ownerStatus, OwnerStatus::Process);
    QCOMPARE(rows[0].owners.size(), 1);
    QCOMPARE(rows[0].owners[0].pid, qint32(child));
}

void TestSocketOwners::shouldCarryTheOwnerIntoTimeWait()
{
    // The client closes first: its end goes to TIME_WAIT, where the kernel drops its inode.
    Fd listener = Loopback::listen(AddressFamily::IPv4, 2);
    QVERIFY(listener.isValid());
    const quint16 port = listener.localPort();
    Fd client = Loopback::connect(AddressFamily::IPv4, port);
    QVERIFY(client.isValid());
    const quint16 clientPort = client.localPort();
    Fd accepted = Loopback::accept(listener);
    QVERIFY(accepted.isValid());

    ProcSource proc;
    SocketOwners owners;
    ConnectionTracker tracker;
    SocketFilter filter;
    filter.port = port;
    const auto poll = [&] {
        Snapshot s = proc.take(filter);
        owners.attribute(s.records);
        tracker.update(s);
        return s;
    };
    Snapshot s = poll();
    QVERIFY(find(s, clientPort, port));
    QCOMPARE(find(s, clientPort, port)->ownerStatus, OwnerStatus::Process);
    const ConnectionHistory *clientEnd = tracker.findLive(ConnectionKey::of(*find(s, clientPort, port)));
    QVERIFY(clientEnd);
    const quint64 id = clientEnd->id;

    client.reset();
    accepted.reset();
    const bool reached = QTest::qWaitFor([&] {
        s = poll();
        return tracker.history(id)->state() == TcpState::TimeWait;
    }, 5000);
    QVERIFY(reached);
    const SocketRecord *timeWait = find(s, clientPort, port);
    QVERIFY(timeWait);
    QCOMPARE(timeWait->ownerStatus, OwnerStatus::KernelOnly); // what the kernel says now
    const SocketRecord &carried = tracker.history(id)->latest; // what sockscope shows
    QCOMPARE(carried.state, TcpState::TimeWait);
    QCOMPARE(carried.ownerStatus, OwnerStatus::Carried);
    QCOMPARE(carried.owners.value(0).pid, qint32(::getpid()));
    QVERIFY(carried.ownerText().startsWith(QStringLiteral("was ")));
}

void TestSocketOwners::shouldAttributeOnThePollersThreadUnlessTurnedOff()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(listener.isValid());
    Poller poller(SocketSource::create(SocketSource::defaultName()));
    SocketFilter filter;
    filter.port = listener.localPort();
    poller.setFilter(filter);
    QSignalSpy spy(&poller, &Poller::snapshotTaken);
    poller.pollNow();
    QVERIFY(spy.wait(5000));
    // The listener's row; other rows on the port can be TIME_WAIT ends of earlier connections
    // to a listener that had the same port number.
    const auto listenerRow = [&listener](const Snapshot &s) -> const SocketRecord * {
        const SocketRecord *found = nullptr;
        for (const SocketRecord &r : s.records) {
            if (r.inode == std::optional<quint64>(listener.inode())) {
                if (found)
                    return nullptr; // one socket, one row
                found = &r;
            }
        }
        return found;
    };
    Snapshot s = spy.takeFirst().first().value<Snapshot>();
    QVERIFY2(s.ok(), qPrintable(s.error));
    QVERIFY(listenerRow(s));
    QCOMPARE(listenerRow(s)->ownerStatus, OwnerStatus::Process);
    QCOMPARE(listenerRow(s)->owners.value(0).pid, qint32(::getpid()));

    poller.setOwnerLookup(false);
    poller.pollNow();
    QVERIFY(spy.wait(5000));
    s = spy.takeFirst().first().value<Snapshot>();
    QVERIFY(listenerRow(s));
    QCOMPARE(listenerRow(s)->ownerStatus, OwnerStatus::NotLooked);
}

QTEST_GUILESS_MAIN(TestSocketOwners)
#include "tst_socketowners.moc"
