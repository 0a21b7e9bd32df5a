// SPDX-License-Identifier: GPL-3.0-or-later
// Real sockets on loopback, read back through each source: what the kernel shows of one
// connection from listen() to TIME_WAIT.
#include "core/sources/procsource.h"
#include "core/sources/sssource.h"
#include "core/tracking/connectiontracker.h"

#include "loopbackpair.h"

#include <QStandardPaths>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

const SocketRecord *find(const Snapshot &s, quint16 localPort, quint16 remotePort)
{
    for (const SocketRecord &r : s.records) {
        if (r.local.port == localPort && r.remote.port == remotePort)
            return &r;
    }
    return nullptr;
}

// Polls `source` until `accept` likes a snapshot or 5 s pass; returns the last snapshot.
Snapshot pollUntil(SocketSource &source, const SocketFilter &filter,
                   const std::function<bool(const Snapshot &)> &accept)
{
    Snapshot last;
    // The caller asserts on the returned snapshot, which says what was last seen.
    (void)QTest::qWaitFor([&] {
        last = source.take(filter);
        return last.ok() && accept(last);
    }, 5000);
    return last;
}

} // namespace

class TestLiveSockets : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldSeeAConnectionFromListenToTimeWait_data();
    void shouldSeeAConnectionFromListenToTimeWait();
    void shouldSeeIPv4MappedAddressesOnADualStackSocket();
    void shouldFilterByPortInTheSource_data();
    void shouldFilterByPortInTheSource();
    void shouldSayClearlyWhenSsIsMissing();
    void shouldSayClearlyWhenProcIsMissing();
};

void TestLiveSockets::shouldSeeAConnectionFromListenToTimeWait_data()
{
    QTest::addColumn<QString>("source");
    QTest::addColumn<int>("family");
    QTest::newRow("proc ipv4") << "proc" << int(AddressFamily::IPv4);
    QTest::newRow("proc ipv6") << "proc" << int(AddressFamily::IPv6);
    QTest::newRow("ss ipv4") << "ss" << int(AddressFamily::IPv4);
    QTest::newRow("ss ipv6") << "ss" << int(AddressFamily::IPv6);
    QTest::newRow("netlink ipv4") << "netlink" << int(AddressFamily::IPv4);
    QTest::newRow("netlink ipv6") << "netlink" << int(AddressFamily::IPv6);
}

void TestLiveSockets::shouldSeeAConnectionFromListenToTimeWait()
{
    QFETCH(QString, source);
    QFETCH(int, family);
    const auto fam = AddressFamily(family);
    if (fam == AddressFamily::IPv6 && !Loopback::hasIPv6())
        QSKIP("this machine has no IPv6 loopback (::1)");
    if (source == QLatin1String("ss") && QStandardPaths::findExecutable(QStringLiteral("ss")).isEmpty())
        QSKIP("the ss program (iproute2) is not installed");
    const std::unique_ptr<SocketSource> src = SocketSource::create(source);
    QVERIFY(src);

    QString error;
    Fd listener = Loopback::listen(fam, 4, &error);
    QVERIFY2(listener.isValid(), qPrintable(error));
    const quint16 port = listener.localPort();
    SocketFilter filter;
    filter.port = port;
    filter.family = fam; // a socket of the other family can have the same port number
    ConnectionTracker tracker;

    // listen(): one LISTEN row, with the listening socket's own inode. (Other rows may show
    // this port as their remote end: TIME_WAIT entries of an earlier listener the kernel gave
    // the same port. Only rows with this local port are this test's.)
    Snapshot s = pollUntil(*src, filter, [&](const Snapshot &x) { return find(x, port, 0); });
    QVERIFY2(s.ok(), qPrintable(s.error));
    QVERIFY(s.issues.isEmpty());
    QList<SocketRecord> mine;
    for (const SocketRecord &r : s.records) {
        QVERIFY(r.local.port == port || r.remote.port == port);
        if (r.local.port == port)
            mine.append(r);
    }
    QCOMPARE(mine.size(), 1);
    QCOMPARE(mine[0].state, TcpState::Listen);
    QCOMPARE(mine[0].family, fam);
    QCOMPARE(mine[0].local.address.toString(), Loopback::text(fam));
    QCOMPARE(mine[0].inode, std::optional<quint64>(listener.inode()));
    tracker.update(s);

    // connect(): the kernel completes the handshake; accept() has not been called
    Fd client = Loopback::connect(fam, port, &error);
    QVERIFY2(client.isValid(), qPrintable(error));
    const quint16 clientPort = client.localPort();
    // connect() returns once the client has sent the final ACK; wait for the server end to take it too
    s = pollUntil(*src, filter, [&](const Snapshot &x) {
        return find(x, port, clientPort) && find(x, clientPort, port) && find(x, port, clientPort)->state == TcpState::Established;
    });
    QVERIFY(find(s, port, clientPort));
    QCOMPARE(find(s, clientPort, port)->state, TcpState::Established);
    QCOMPARE(find(s, clientPort, port)->inode, std::optional<quint64>(client.inode()));
    QCOMPARE(find(s, port, clientPort)->state, TcpState::Established);
    QCOMPARE(find(s, port, clientPort)->inode, std::optional<quint64>(0)); // still in the accept queue
    QCOMPARE(find(s, port, 0)->rxQueue, 1u);
    tracker.update(s);
    const quint64 serverEndId = tracker.findLive(ConnectionKey::of(*find(s, port, clientPort)))->id;
    const quint64 clientEndId = tracker.findLive(ConnectionKey::of(*find(s, clientPort, port)))->id;

    // accept(): the same connection now has a file, and the queue is empty
    Fd accepted = Loopback::accept(listener);
    QVERIFY(accepted.isValid());
    s = pollUntil(*src, filter, [&](const Snapshot &x) {
        const SocketRecord *r = find(x, port, clientPort);
        return r && r->inode.value_or(0) != 0;
    });
    const quint64 acceptedInode = accepted.inode();
    QCOMPARE(find(s, port, clientPort)->inode, std::optional<quint64>(acceptedInode));
    QCOMPARE(find(s, port, 0)->rxQueue, 0u);
    TrackerDelta delta = tracker.update(s);
    QVERIFY(delta.events.isEmpty()); // an inode change is not a new connection
    QVERIFY(delta.updated.contains(serverEndId));

    // the client closes first: FIN_WAIT2 on its end, CLOSE_WAIT on the server's
    client.reset();
    s = pollUntil(*src, filter, [&](const Snapshot &x) {
        const SocketRecord *c = find(x, clientPort, port);
        const SocketRecord *v = find(x, port, clientPort);
        return c && v && c->state == TcpState::FinWait2 && v->state == TcpState::CloseWait;
    });
    QCOMPARE(find(s, clientPort, port)->state, TcpState::FinWait2);
    QCOMPARE(find(s, port, clientPort)->state, TcpState::CloseWait);
    tracker.update(s);

    // then the server: the active closer's end stays in TIME_WAIT, counting down from 60 s
    accepted.reset();
    s = pollUntil(*src, filter, [&](const Snapshot &x) {
        const SocketRecord *c = find(x, clientPort, port);
        return c && c->state == TcpState::TimeWait && !find(x, port, clientPort);
    });
    const SocketRecord *timeWait = find(s, clientPort, port);
    QVERIFY(timeWait);
    QCOMPARE(timeWait->state, TcpState::TimeWait);
    QCOMPARE(timeWait->timer, TimerKind::TimeWait);
    QVERIFY2(timeWait->timerRemainingMs > 50000 && timeWait->timerRemainingMs <= 61000,
             qPrintable(QString::number(timeWait->timerRemainingMs)));
    QCOMPARE(timeWait->inode, std::optional<quint64>(0));
    QVERIFY(!find(s, port, clientPort));
    delta = tracker.update(s);

    // One history per end, kept across every inode change.
    const ConnectionHistory *clientEnd = tracker.history(clientEndId);
    QVERIFY(clientEnd->alive);
    QCOMPARE(clientEnd->state(), TcpState::TimeWait);
    QCOMPARE(clientEnd->spans.first().state, TcpState::Established);
    QCOMPARE(clientEnd->inodes.size(), 1);
    const ConnectionHistory *serverEnd = tracker.history(serverEndId);
    QVERIFY(!serverEnd->alive);
    QCOMPARE(serverEnd->inodes, QList<quint64>{acceptedInode});
    QCOMPARE(serverEnd->spans.first().state, TcpState::Established);
    QCOMPARE(serverEnd->spans.last().state, TcpState::CloseWait);
}

void TestLiveSockets::shouldSeeIPv4MappedAddressesOnADualStackSocket()
{
    if (!Loopback::hasIPv6())
        QSKIP("this machine has no IPv6 loopback (::1)");
    // An IPv6 listener on ::ffff:127.0.0.1 accepts IPv4 clients; the kernel lists its side
    // in tcp6 with mapped addresses and the client's side in tcp.
    Fd listener = Loopback::listenMapped(2);
    QVERIFY(listener.isValid());
    const quint16 port = listener.localPort();
    Fd client = Loopback::connect(AddressFamily::IPv4, port);
    QVERIFY(client.isValid());

    ProcSource proc;
    SocketFilter filter;
    filter.port = port;
    const Snapshot s = proc.take(filter);
    QVERIFY(s.ok());
    const SocketRecord *l = find(s, port, 0);
    QVERIFY(l);
    QCOMPARE(l->family, AddressFamily::IPv6);
    QCOMPARE(l->local.address.toString(), QStringLiteral("::ffff:127.0.0.1"));
    const SocketRecord *serverEnd = find(s, port, client.localPort());
    QVERIFY(serverEnd);
    QVERIFY(serverEnd->remote.address.isV4Mapped());
    const SocketRecord *clientEnd = find(s, client.localPort(), port);
    QCOMPARE(clientEnd->family, AddressFamily::IPv4);
}

void TestLiveSockets::shouldFilterByPortInTheSource_data()
{
    QTest::addColumn<QString>("source");
    QTest::newRow("proc") << "proc";
    QTest::newRow("ss") << "ss";
    QTest::newRow("netlink") << "netlink";
}

void TestLiveSockets::shouldFilterByPortInTheSource()
{
    QFETCH(QString, source);
    if (source == QLatin1String("ss") && QStandardPaths::findExecutable(QStringLiteral("ss")).isEmpty())
        QSKIP("the ss program (iproute2) is not installed");
    Fd a = Loopback::listen(AddressFamily::IPv4, 1);
    Fd b = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(a.isValid() && b.isValid());
    SocketFilter filter;
    filter.port = a.localPort();
    const Snapshot s = SocketSource::create(source)->take(filter);
    QVERIFY2(s.ok(), qPrintable(s.error));
    int listeners = 0;
    for (const SocketRecord &r : s.records) {
        QVERIFY(r.local.port == a.localPort() || r.remote.port == a.localPort());
        QVERIFY(r.local.port != b.localPort());
        listeners += r.state == TcpState::Listen ? 1 : 0;
    }
    QCOMPARE(listeners, 1);
    filter.state = TcpState::TimeWait;
    for (const SocketRecord &r : SocketSource::create(source)->take(filter).records)
        QCOMPARE(r.state, TcpState::TimeWait);
}

void TestLiveSockets::shouldSayClearlyWhenSsIsMissing()
{
    SsSource ss(QStringLiteral("/nonexistent/ss"));
    const Snapshot s = ss.take(SocketFilter());
    QVERIFY(!s.ok());
    QVERIFY(s.records.isEmpty());
    QVERIFY2(s.error.contains(QStringLiteral("could not run '/nonexistent/ss'")), qPrintable(s.error));
    QVERIFY(s.error.contains(QStringLiteral("is iproute2 installed?")));
    // the /proc source keeps working
    QVERIFY(ProcSource().take(SocketFilter()).ok());
}

void TestLiveSockets::shouldSayClearlyWhenProcIsMissing()
{
    ProcSource proc(QStringLiteral("/nonexistent"));
    const Snapshot s = proc.take(SocketFilter());
    QVERIFY(!s.ok());
    QCOMPARE(s.error, QStringLiteral("cannot read /nonexistent/tcp: stat: No such file or directory"));
}

QTEST_GUILESS_MAIN(TestLiveSockets)
#include "tst_livesockets.moc"
