// SPDX-License-Identifier: GPL-3.0-or-later
// The lab's private network on the real kernel: sockets made there live in a loopback of their
// own, close when the program closes them, and the helper that makes them is never left behind.
#include "core/system/labnetwork.h"

#include "../common/privatenetwork.h"

#include "core/lab/lab.h"
#include "core/parsers/procnettcpparser.h"
#include "core/sources/netlinksource.h"
#include "core/sources/procsource.h"

#include <QFile>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace sockscope;

namespace {

sockaddr_in loopback(quint16 port)
{
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    return a;
}

quint16 portOf(int fd)
{
    sockaddr_in a{};
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &length);
    return ntohs(a.sin_port);
}

bool listenOn(int fd, quint16 port)
{
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    const sockaddr_in a = loopback(port);
    return ::bind(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 0 && ::listen(fd, 8) == 0;
}

bool connectTo(int fd, quint16 port)
{
    const sockaddr_in a = loopback(port);
    return ::connect(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) == 0;
}

// Rows on `port` in the private network's /proc/<helper>/net/tcp.
int rowsOn(const LabNetwork &network, quint16 port)
{
    QFile file(network.procNetDirectory() + QStringLiteral("/tcp"));
    if (!file.open(QIODevice::ReadOnly))
        return -1;
    int rows = 0;
    for (const SocketRecord &r : ProcNetTcpParser().parse(file.readAll()).records)
        rows += r.local.port == port || r.remote.port == port;
    return rows;
}

bool processExists(qint64 pid)
{
    return ::kill(pid_t(pid), 0) == 0 || errno != ESRCH;
}

} // namespace

class TestLabNetwork : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldMakeSocketsInALoopbackOfItsOwn();
    void shouldLetTheProgramCloseWhatItMade();
    void shouldReadItsTableThroughEverySource();
    void shouldRunTheLabOnPort8000WhateverTheHostHolds();
    void shouldHaveASmallConnectionTableOfItsOwn();
    void shouldSayWhenItsHelperDies();
    void shouldNotOutliveTheProgram();
    void shouldSayWhyWhereUserNamespacesAreRefused();
};

void TestLabNetwork::shouldMakeSocketsInALoopbackOfItsOwn()
{
    // A port the host is using right now...
    const int host = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    QVERIFY(listenOn(host, 0));
    const quint16 port = portOf(host);

    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    QVERIFY(network.helperPid() > 0);
    // ...is free in the private network, and a connection there works as on any loopback.
    const int listener = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY2(listener >= 0, std::strerror(errno));
    QVERIFY2(listenOn(listener, port), std::strerror(errno));
    const int client = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(client >= 0);
    QVERIFY2(connectTo(client, port), std::strerror(errno));
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    QVERIFY(accepted >= 0);
    QCOMPARE(::send(client, "ping", 4, 0), ssize_t(4));
    char got[4];
    QCOMPARE(::recv(accepted, got, 4, MSG_WAITALL), ssize_t(4));

    // The private table holds the listener and both ends; the host's holds only its listener.
    QCOMPARE(rowsOn(network, port), 3);
    SocketFilter onPort;
    onPort.port = port;
    NetlinkSource hostTable;
    const Snapshot seen = hostTable.take(onPort);
    QVERIFY2(seen.ok(), qPrintable(seen.error));
    QCOMPARE(seen.records.size(), 1);
    QCOMPARE(seen.records.first().state, TcpState::Listen);

    for (int fd : {accepted, client, listener, host})
        ::close(fd);
}

void TestLabNetwork::shouldLetTheProgramCloseWhatItMade()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    const int listener = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(listenOn(listener, 8000)); // always free here
    const int client = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(connectTo(client, 8000));
    const int accepted = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
    QVERIFY(accepted >= 0);
    // The helper keeps no copy: closing the program's descriptor sends the FIN.
    ::close(client);
    char byte;
    QCOMPARE(::recv(accepted, &byte, 1, 0), ssize_t(0));
    ::close(accepted);
    ::close(listener);
    // And a socket the helper could not make says why.
    QCOMPARE(network.createSocket(12345, SOCK_STREAM, 0), -1);
    QCOMPARE(errno, EAFNOSUPPORT);
    QVERIFY(network.isRunning());
}

void TestLabNetwork::shouldReadItsTableThroughEverySource()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    const int listener = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(listenOn(listener, 8000));
    const int client = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(connectTo(client, 8000));

    // The private network holds these three sockets and nothing else, whatever the host has.
    NetlinkSource netlink([&network] { return network.createSocket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG); });
    const Snapshot dumped = netlink.take(SocketFilter());
    QVERIFY2(dumped.ok(), qPrintable(dumped.error));
    ProcSource proc(network.procNetDirectory());
    const Snapshot read = proc.take(SocketFilter());
    QVERIFY2(read.ok(), qPrintable(read.error));
    for (const Snapshot *s : {&dumped, &read}) {
        QCOMPARE(s->records.size(), 3);
        int listening = 0, established = 0;
        for (const SocketRecord &r : s->records) {
            QVERIFY(r.local.port == 8000 || r.remote.port == 8000);
            listening += r.state == TcpState::Listen;
            established += r.state == TcpState::Established;
        }
        QCOMPARE(listening, 1);
        QCOMPARE(established, 2); // the client, and the server's end waiting in the accept queue
    }
    ::close(client);
    ::close(listener);
}

void TestLabNetwork::shouldRunTheLabOnPort8000WhateverTheHostHolds()
{
    // The host's 127.0.0.1:8000 is taken (by this test, or by whoever had it already).
    const int host = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const bool ours = listenOn(host, 8000);
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    Lab lab;
    lab.setNetwork(&network);
    const Lab::Result server = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4));
    QVERIFY(server.ok);
    Endpoint at;
    at.address = IpAddress::fromIPv4(0x7f000001);
    at.port = 8000;
    QVERIFY(lab.execute(LabCommand::bind(server.socketId, at)).ok);
    QVERIFY(lab.execute(LabCommand::listen(server.socketId, 4)).ok);
    const Lab::Result client = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4));
    QVERIFY(client.ok);
    lab.execute(LabCommand::connect(client.socketId, at));
    QTRY_VERIFY(lab.socket(client.socketId)->connected);
    QCOMPARE(rowsOn(network, 8000), 3);
    if (ours)
        QCOMPARE(lab.socket(server.socketId)->local.port, quint16(8000));
    lab.abortAll();
    ::close(host);
}

void TestLabNetwork::shouldHaveASmallConnectionTableOfItsOwn()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    QFile hostSetting(QStringLiteral("/proc/sys/net/ipv4/tcp_child_ehash_entries"));
    if (!hostSetting.exists())
        QSKIP("this kernel (before 6.1) gives a network namespace no connection table of its own");
    // What the helper read in its namespace's own /proc/sys/net/ipv4/tcp_ehash_entries.
    QCOMPARE(network.ownHashEntries(), 1024);
}

void TestLabNetwork::shouldSayWhenItsHelperDies()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    const int before = network.createSocket(AF_INET, SOCK_STREAM, 0);
    QVERIFY(before >= 0);
    QSignalSpy died(&network, &LabNetwork::died);
    const qint64 pid = network.helperPid();
    QCOMPARE(::kill(pid_t(pid), SIGKILL), 0);
    QTRY_COMPARE_WITH_TIMEOUT(died.size(), 1, 3000);
    QVERIFY(died.first().first().toString().contains(QString::number(pid)));
    QVERIFY(!network.isRunning());
    QVERIFY(!processExists(pid)); // reaped, no zombie left
    // Asking again fails at once instead of waiting for an answer that cannot come.
    QCOMPARE(network.createSocket(AF_INET, SOCK_STREAM, 0), -1);
    QCOMPARE(errno, ESRCH);
    // What it made before still works.
    QVERIFY(listenOn(before, 8000));
    ::close(before);
}

void TestLabNetwork::shouldNotOutliveTheProgram()
{
    QProcess holder;
    holder.start(QStringLiteral(SOCKSCOPE_LABNETWORK_HOLDER), {});
    QVERIFY(holder.waitForStarted());
    QVERIFY(holder.waitForReadyRead(10000));
    const QString line = QString::fromLatin1(holder.readLine()).trimmed();
    if (line.startsWith(QLatin1String("error")) && !LabNetwork::whyUnavailable().isEmpty())
        QSKIP(qPrintable(line));
    QVERIFY2(line.startsWith(QLatin1String("helper ")), qPrintable(line));
    const qint64 helper = line.mid(7).toLongLong();
    QVERIFY(processExists(helper));
    ::kill(pid_t(holder.processId()), SIGKILL); // no destructor, no cleanup: only the kernel
    QVERIFY(holder.waitForFinished(5000));
    QTRY_VERIFY_WITH_TIMEOUT(!QFile::exists(QStringLiteral("/proc/%1/status").arg(helper)), 5000);
}

void TestLabNetwork::shouldSayWhyWhereUserNamespacesAreRefused()
{
    // ctest runs this under tests/common/denyuserns.cpp as tst_labnetwork_without_userns.
    LabNetwork network;
    QString why;
    if (network.start(&why))
        QSKIP("user namespaces work here; tst_labnetwork_without_userns runs this where they do not");
    QVERIFY(!network.isRunning());
    QVERIFY2(why.contains(QLatin1String("user namespace")), qPrintable(why));
    QVERIFY(!why.contains(QLatin1Char('\n')));
    QCOMPARE(network.lastError(), why);
    QCOMPARE(network.createSocket(AF_INET, SOCK_STREAM, 0), -1);
    QCOMPARE(errno, ESRCH);
}

QTEST_MAIN(TestLabNetwork)
#include "tst_labnetwork.moc"
