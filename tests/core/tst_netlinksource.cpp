// SPDX-License-Identifier: GPL-3.0-or-later
// The netlink sock_diag source against the real kernel: what only it can show (bound-only
// sockets), its kernel-side filters, and that it agrees with /proc/net/tcp row for row.
#include "core/parsers/inetdiagparser.h"
#include "core/sources/netlinksource.h"
#include "core/sources/procsource.h"

#include "loopbackpair.h"

#include <QTest>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// A socket bound to 127.0.0.1 on a port the kernel chooses, neither listening nor connected.
Fd boundOnly(AddressFamily family)
{
    Fd fd(::socket(family == AddressFamily::IPv4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd.isValid())
        return fd;
    int result = -1;
    if (family == AddressFamily::IPv4) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        result = ::bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof a);
    } else {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_addr = in6addr_loopback;
        result = ::bind(fd.get(), reinterpret_cast<sockaddr *>(&a), sizeof a);
    }
    return result == 0 ? std::move(fd) : Fd();
}

// The rows whose local end is address:port. The port number alone is not enough: a socket of
// the other family (or an earlier TIME_WAIT end there) can have the same number.
QList<const SocketRecord *> withLocal(const Snapshot &s, const QString &address, quint16 port)
{
    QList<const SocketRecord *> rows;
    for (const SocketRecord &r : s.records) {
        if (r.local.port == port && r.local.address.toString() == address)
            rows.append(&r);
    }
    return rows;
}

// What identifies a row, for comparing two sources.
QString rowKey(const SocketRecord &r)
{
    return QStringLiteral("%1 %2 %3 %4 inode %5")
        .arg(familyName(r.family), r.local.toString(), r.remote.toString(), kernelName(r.state))
        .arg(r.inode.value_or(0));
}

} // namespace

class TestNetlinkSource : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldShowABoundOnlySocketAsClose_data();
    void shouldShowABoundOnlySocketAsClose();
    void shouldFilterByStateInTheKernel();
    void shouldFilterByMorePortsThanTheKernelFilterHolds();
    void shouldListIPv4MappedRowsUnderIPv6();
    void shouldAgreeWithProcRowForRow();
    void shouldCountDumpBytesWithoutParsing();
    void shouldReadTcpInfoOnlyForTheRowsAskedFor_data();
    void shouldReadTcpInfoOnlyForTheRowsAskedFor();
};

void TestNetlinkSource::initTestCase()
{
    QString error;
    if (!NetlinkSource::isAvailable(&error))
        QSKIP(qPrintable(QStringLiteral("this machine does not answer sock_diag: ") + error));
    QCOMPARE(SocketSource::defaultName(), QStringLiteral("netlink"));
}

void TestNetlinkSource::shouldShowABoundOnlySocketAsClose_data()
{
    QTest::addColumn<int>("family");
    QTest::newRow("ipv4") << int(AddressFamily::IPv4);
    QTest::newRow("ipv6") << int(AddressFamily::IPv6);
}

void TestNetlinkSource::shouldShowABoundOnlySocketAsClose()
{
    QFETCH(int, family);
    const auto fam = AddressFamily(family);
    if (fam == AddressFamily::IPv6 && !Loopback::hasIPv6())
        QSKIP("this machine has no IPv6 loopback (::1)");
    if (!Loopback::kernelListsBoundSockets())
        QSKIP("kernels before 6.8 do not list bound-only sockets");
    Fd bound = boundOnly(fam);
    QVERIFY(bound.isValid());
    const quint16 port = bound.localPort();
    SocketFilter filter;
    filter.port = port;

    NetlinkSource netlink;
    const Snapshot s = netlink.take(filter);
    QVERIFY2(s.ok(), qPrintable(s.error));
    const QList<const SocketRecord *> rows = withLocal(s, Loopback::text(fam), port);
    QCOMPARE(rows.size(), 1);
    QCOMPARE(rows[0]->state, TcpState::Close);
    QCOMPARE(rows[0]->family, fam);
    QCOMPARE(rows[0]->local.address.toString(), Loopback::text(fam));
    QCOMPARE(rows[0]->remote.port, quint16(0));
    QCOMPARE(rows[0]->inode, std::optional<quint64>(bound.inode()));

    // /proc never shows it
    const Snapshot proc = ProcSource().take(filter);
    QVERIFY(proc.ok());
    QVERIFY(withLocal(proc, Loopback::text(fam), port).isEmpty());
}

void TestNetlinkSource::shouldReadTcpInfoOnlyForTheRowsAskedFor_data()
{
    QTest::addColumn<int>("family");
    QTest::addRow("ipv4") << int(AddressFamily::IPv4);
    QTest::addRow("ipv6") << int(AddressFamily::IPv6);
}

void TestNetlinkSource::shouldReadTcpInfoOnlyForTheRowsAskedFor()
{
    QFETCH(int, family);
    const auto fam = AddressFamily(family);
    if (fam == AddressFamily::IPv6 && !Loopback::hasIPv6())
        QSKIP("this machine has no IPv6 loopback (::1)");
    Fd listener = Loopback::listen(fam, 4);
    QVERIFY(listener.isValid());
    const quint16 port = listener.localPort();
    Fd first = Loopback::connect(fam, port);
    Fd second = Loopback::connect(fam, port);
    QVERIFY(first.isValid() && second.isValid());

    NetlinkSource netlink;
    SocketFilter filter;
    filter.port = port;
    filter.state = TcpState::Established;
    QTRY_COMPARE(netlink.take(filter).records.size(), 4);
    // Every row has tcp_info by default (a one-shot snapshot).
    for (const SocketRecord &r : netlink.take(filter).records)
        QVERIFY(r.rttUs.has_value());

    filter.tcpInfoForAll = false;
    const Snapshot plain = netlink.take(filter);
    QCOMPARE(plain.records.size(), 4);
    for (const SocketRecord &r : plain.records)
        QVERIFY(!r.rttUs && !r.cwnd); // the kernel was not asked
    const SocketRecord asked = *std::find_if(plain.records.cbegin(), plain.records.cend(),
                                             [&](const SocketRecord &r) { return r.local.port == first.localPort(); });
    filter.tcpInfoFor = {ConnectionKey::of(asked)};
    const Snapshot some = netlink.take(filter);
    QCOMPARE(some.records.size(), 4);
    int withInfo = 0;
    for (const SocketRecord &r : some.records) {
        const bool isAsked = ConnectionKey::of(r) == ConnectionKey::of(asked);
        QCOMPARE(r.rttUs.has_value(), isAsked);
        QCOMPARE(r.cwnd.has_value(), isAsked);
        withInfo += r.rttUs ? 1 : 0;
    }
    QCOMPARE(withInfo, 1);
}

void TestNetlinkSource::shouldFilterByStateInTheKernel()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 4);
    QVERIFY(listener.isValid());
    const quint16 port = listener.localPort();
    Fd client = Loopback::connect(AddressFamily::IPv4, port);
    QVERIFY(client.isValid());
    Fd bound = boundOnly(AddressFamily::IPv4);
    QVERIFY(bound.isValid());

    NetlinkSource netlink;
    SocketFilter filter;
    filter.ports = {port, bound.localPort()};
    // connect() returns once the client has sent the final ACK; wait for the server end to take it
    filter.state = TcpState::Established;
    QTRY_COMPARE(netlink.take(filter).records.size(), 2);
    filter.state = TcpState::Listen;
    Snapshot s = netlink.take(filter);
    QVERIFY2(s.ok(), qPrintable(s.error));
    QCOMPARE(s.records.size(), 1);
    QCOMPARE(s.records[0].state, TcpState::Listen);
    QCOMPARE(s.records[0].local.port, port);
    QCOMPARE(s.records[0].listenBacklog, std::optional<quint32>(4));
    QCOMPARE(s.records[0].rxQueue, 1u); // the client waits in the accept queue

    filter.state = TcpState::Established;
    s = netlink.take(filter);
    QVERIFY(s.ok());
    QCOMPARE(s.records.size(), 2); // both ends of the one connection
    for (const SocketRecord &r : s.records)
        QCOMPARE(r.state, TcpState::Established);

    if (Loopback::kernelListsBoundSockets()) {
        filter.state = TcpState::Close;
        s = netlink.take(filter);
        QVERIFY(s.ok());
        QCOMPARE(s.records.size(), 1);
        QCOMPARE(s.records[0].local.port, bound.localPort());
    }
}

void TestNetlinkSource::shouldFilterByMorePortsThanTheKernelFilterHolds()
{
    Fd a = Loopback::listen(AddressFamily::IPv4, 1);
    Fd b = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(a.isValid() && b.isValid());
    SocketFilter filter;
    // More ports than the bytecode carries: the source gets everything and filters itself.
    for (int i = 0; i <= InetDiagParser::maxFilterPorts; ++i)
        filter.ports.append(quint16(a.localPort() == 1 + i ? 2 : 1 + i));
    filter.ports.append(a.localPort());
    QVERIFY(InetDiagParser::portFilter(filter.allPorts()).isEmpty());
    const Snapshot s = NetlinkSource().take(filter);
    QVERIFY2(s.ok(), qPrintable(s.error));
    QCOMPARE(withLocal(s, QStringLiteral("127.0.0.1"), a.localPort()).size(), 1);
    QVERIFY(withLocal(s, QStringLiteral("127.0.0.1"), b.localPort()).isEmpty());
    for (const SocketRecord &r : s.records)
        QVERIFY(filter.matches(r));
}

void TestNetlinkSource::shouldListIPv4MappedRowsUnderIPv6()
{
    if (!Loopback::hasIPv6())
        QSKIP("this machine has no IPv6 loopback (::1)");
    Fd listener = Loopback::listenMapped(2);
    QVERIFY(listener.isValid());
    const quint16 port = listener.localPort();
    Fd client = Loopback::connect(AddressFamily::IPv4, port);
    QVERIFY(client.isValid());

    SocketFilter filter;
    filter.port = port;
    const Snapshot s = NetlinkSource().take(filter);
    QVERIFY2(s.ok(), qPrintable(s.error));
    QList<const SocketRecord *> server = withLocal(s, QStringLiteral("::ffff:127.0.0.1"), port);
    QCOMPARE(server.size(), 2); // the listener and the connection in its accept queue
    for (const SocketRecord *r : server) {
        QCOMPARE(r->family, AddressFamily::IPv6);
        QCOMPARE(r->local.address.toString(), QStringLiteral("::ffff:127.0.0.1"));
    }
    const QList<const SocketRecord *> clientEnd = withLocal(s, QStringLiteral("127.0.0.1"), client.localPort());
    QCOMPARE(clientEnd.size(), 1);
    QCOMPARE(clientEnd[0]->family, AddressFamily::IPv4);

    // --family ipv4 keeps the client's end only; the mapped rows belong to the IPv6 table.
    filter.family = AddressFamily::IPv4;
    const Snapshot v4 = NetlinkSource().take(filter);
    QVERIFY(v4.ok());
    QVERIFY(withLocal(v4, QStringLiteral("::ffff:127.0.0.1"), port).isEmpty());
    QCOMPARE(withLocal(v4, QStringLiteral("127.0.0.1"), client.localPort()).size(), 1);
}

void TestNetlinkSource::shouldAgreeWithProcRowForRow()
{
    // A listener with one accepted and one queued connection, and one half-closed pair:
    // the same rows, states, queues and inodes through both sources.
    Fd listener = Loopback::listen(AddressFamily::IPv4, 8);
    QVERIFY(listener.isValid());
    const quint16 port = listener.localPort();
    Fd first = Loopback::connect(AddressFamily::IPv4, port);
    Fd accepted = Loopback::accept(listener);
    Fd queued = Loopback::connect(AddressFamily::IPv4, port);
    QVERIFY(first.isValid() && accepted.isValid() && queued.isValid());
    QCOMPARE(::shutdown(first.get(), SHUT_WR), 0);

    SocketFilter filter;
    filter.port = port;
    NetlinkSource netlink;
    ProcSource proc;
    QStringList fromNetlink, fromProc;
    // A poll may land before the FIN and its ACK are through: retry until both ends moved.
    const bool same = QTest::qWaitFor([&] {
        fromNetlink.clear();
        fromProc.clear();
        for (const SocketRecord &r : netlink.take(filter).records)
            fromNetlink << rowKey(r);
        for (const SocketRecord &r : proc.take(filter).records)
            fromProc << rowKey(r);
        fromNetlink.sort();
        fromProc.sort();
        const QString rows = fromNetlink.join(QLatin1Char('\n'));
        return fromNetlink == fromProc && rows.contains(QStringLiteral("FIN_WAIT2"))
            && rows.contains(QStringLiteral("CLOSE_WAIT"));
    }, 3000);
    QVERIFY2(same, qPrintable(fromNetlink.join(QLatin1Char('\n')) + QStringLiteral("\n---\n")
                              + fromProc.join(QLatin1Char('\n'))));
    QVERIFY(fromNetlink.size() >= 5); // listener, 2 × 2 ends (+ stale TIME_WAITs on the port)
}

void TestNetlinkSource::shouldCountDumpBytesWithoutParsing()
{
    Fd listener = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(listener.isValid());
    SocketFilter filter;
    filter.port = listener.localPort();
    NetlinkSource netlink;
    QString error;
    const qint64 bytes = netlink.dumpBytes(filter, &error);
    QVERIFY2(bytes > 0, qPrintable(error));
    // At least the one socket's message; the source still works after a bare dump.
    QVERIFY(bytes >= qint64(sizeof(inet_diag_msg)));
    const Snapshot s = netlink.take(filter);
    QVERIFY(s.ok());
    QCOMPARE(withLocal(s, QStringLiteral("127.0.0.1"), listener.localPort()).size(), 1);
}

QTEST_GUILESS_MAIN(TestNetlinkSource)
#include "tst_netlinksource.moc"
