// SPDX-License-Identifier: GPL-3.0-or-later
// Wire rules on real sockets in a real private network: what each rule does to a connection,
// what the kernel's log reports, and that the host's own ruleset is never touched.
#include "core/system/labnetwork.h"
#include "core/wire/wirefilter.h"

#include "../../common/privatenetwork.h"
#include "../../common/hostruleset.h"

#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>

using namespace sockscope;
using sockscope::test::hostRuleset;

namespace {

// Closes with a reset, so that nothing lingers in the lab after a test.
struct Sockets
{
    QList<int> fds;
    ~Sockets()
    {
        for (int fd : fds) {
            const linger abort{1, 0};
            ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
            ::close(fd);
        }
    }
    int add(int fd)
    {
        if (fd >= 0)
            fds.append(fd);
        return fd;
    }
};

// 127.0.0.1 or ::1, with a port.
struct Address
{
    sockaddr_storage storage{};
    socklen_t length = 0;
    const sockaddr *get() const { return reinterpret_cast<const sockaddr *>(&storage); }
};

Address loopback(int family, quint16 port)
{
    Address a;
    if (family == AF_INET6) {
        auto *six = reinterpret_cast<sockaddr_in6 *>(&a.storage);
        six->sin6_family = AF_INET6;
        six->sin6_addr = in6addr_loopback;
        six->sin6_port = htons(port);
        a.length = sizeof(sockaddr_in6);
    } else {
        auto *four = reinterpret_cast<sockaddr_in *>(&a.storage);
        four->sin_family = AF_INET;
        four->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        four->sin_port = htons(port);
        a.length = sizeof(sockaddr_in);
    }
    return a;
}

quint16 localPort(int fd)
{
    sockaddr_storage a{};
    socklen_t length = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr *>(&a), &length);
    return a.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6 *>(&a)->sin6_port)
                                   : ntohs(reinterpret_cast<sockaddr_in *>(&a)->sin_port);
}

// A listener on 127.0.0.1 (or ::1), on a port the kernel picks.
int listenOn(LabNetwork &network, Sockets &sockets, int family = AF_INET)
{
    const int fd = sockets.add(network.createSocket(family, SOCK_STREAM, 0));
    const Address any = loopback(family, 0);
    if (fd < 0 || ::bind(fd, any.get(), any.length) != 0 || ::listen(fd, 8) != 0)
        return -1;
    return fd;
}

// A non-blocking connect that gives up after two SYN retries (~3 s) at most.
int startConnect(LabNetwork &network, Sockets &sockets, quint16 port, int family = AF_INET)
{
    const int fd = sockets.add(network.createSocket(family, SOCK_STREAM | SOCK_NONBLOCK, 0));
    const int retries = 2;
    ::setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &retries, sizeof retries);
    const Address to = loopback(family, port);
    const int result = ::connect(fd, to.get(), to.length);
    if (result != 0 && errno != EINPROGRESS)
        return -1;
    return fd;
}

// connect()'s outcome: 0, an errno, or ETIME when it did not end within `ms`.
int connectOutcome(int fd, int ms)
{
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, ms) <= 0)
        return ETIME;
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    return error;
}

int tcpState(int fd)
{
    tcp_info info{};
    socklen_t length = sizeof info;
    if (::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0)
        return -1;
    return info.tcpi_state;
}

// Reads exactly `n` bytes within `ms`, or fewer.
QByteArray receive(int fd, qsizetype n, int ms)
{
    QByteArray got;
    QElapsedTimer waited;
    waited.start();
    while (got.size() < n && waited.elapsed() < ms) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, int(ms - waited.elapsed())) <= 0)
            break;
        char buffer[256];
        const ssize_t r = ::recv(fd, buffer, size_t(qMin<qsizetype>(sizeof buffer, n - got.size())), MSG_DONTWAIT);
        if (r <= 0)
            break;
        got.append(buffer, r);
    }
    return got;
}

} // namespace

#define SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter)                                                          \
    do {                                                                                               \
        const QString why_ = (filter).whyUnavailable();                                                \
        if (!why_.isEmpty())                                                                           \
            QSKIP(qPrintable(QStringLiteral("no wire rules here: ") + why_));                          \
    } while (false)

class TestWireFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldSayWhyWithoutAPrivateNetwork();
    void shouldHoldAClientInSynSentWhileSynAcksAreDropped();
    void shouldRefuseAConnectionWhenSynsAreRejected();
    void shouldDropOneDataSegmentAndLetTheRetransmissionThrough_data();
    void shouldDropOneDataSegmentAndLetTheRetransmissionThrough();
    void shouldDropOnlyTheFirstOfABurst();
    void shouldDropTheFinalAckOfAHandshakeOnly();
    void shouldDropTheAckOfAFinAndNoAckBeforeIt();
    void shouldLetANewConnectionCompleteOnceCleared();
    void shouldLeaveTheHostsRulesetAlone();
    void shouldSayWhatNftSaysWhereNetlinkIsRefused();

private:
    QString m_hostRuleset;
    QString m_whyNoHostRuleset;
};

void TestWireFilter::initTestCase()
{
    qRegisterMetaType<WireRuleHit>();
    m_hostRuleset = hostRuleset(&m_whyNoHostRuleset);
}

void TestWireFilter::shouldSayWhyWithoutAPrivateNetwork()
{
    WireFilter filter(nullptr);
    const QString why = filter.whyUnavailable();
    QVERIFY(why.contains(QLatin1String("private network")));
    QString error;
    QVERIFY(!filter.apply(WireRule::parse(QStringLiteral("drop syn")), 8000, &error));
    QCOMPARE(error, why);
}

void TestWireFilter::shouldHoldAClientInSynSentWhileSynAcksAreDropped()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
    Sockets sockets;
    const int listener = listenOn(network, sockets);
    QVERIFY(listener >= 0);
    const quint16 port = localPort(listener);
    QString error;
    QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("drop synack")), port, &error), qPrintable(error));
    QSignalSpy hits(&filter, &WireFilter::segmentRuled);

    const int client = startConnect(network, sockets, port);
    QVERIFY(client >= 0);
    // The first SYN,ACK and at least one retransmission (the server's timer, ~1 s).
    QTRY_VERIFY_WITH_TIMEOUT(hits.count() >= 2, 2500);
    QCOMPARE(tcpState(client), int(TCP_SYN_SENT));
    for (const QList<QVariant> &arguments : hits) {
        const WireRuleHit hit = arguments[0].value<WireRuleHit>();
        QCOMPARE(hit.rule, 1);
        QCOMPARE(hit.action, WireRule::Action::Drop);
        QCOMPARE(hit.segment.flags & (SegmentFlag::Syn | SegmentFlag::Ack), SegmentFlag::Syn | SegmentFlag::Ack);
        QCOMPARE(hit.segment.source.port, port);
        QCOMPARE(hit.segment.destination.port, localPort(client));
        QVERIFY(hit.steadyNs > 0);
    }
    const WireRuleHit first = hits[0][0].value<WireRuleHit>();
    const WireRuleHit second = hits[1][0].value<WireRuleHit>();
    QVERIFY(second.steadyNs > first.steadyNs);
    QCOMPARE(second.segment.seq, first.segment.seq); // the same SYN,ACK, sent again
    QVERIFY(filter.clear(&error));
}

void TestWireFilter::shouldRefuseAConnectionWhenSynsAreRejected()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
    Sockets sockets;
    const int listener = listenOn(network, sockets);
    QVERIFY(listener >= 0);
    const quint16 port = localPort(listener);
    QString error;
    QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("reject syn from client")), port, &error), qPrintable(error));
    QSignalSpy hits(&filter, &WireFilter::segmentRuled);

    const int client = startConnect(network, sockets, port);
    QVERIFY(client >= 0);
    QCOMPARE(connectOutcome(client, 3000), ECONNREFUSED);
    QTRY_COMPARE_WITH_TIMEOUT(hits.count(), 1, 2000);
    const WireRuleHit hit = hits[0][0].value<WireRuleHit>();
    QCOMPARE(hit.rule, 1);
    QCOMPARE(hit.action, WireRule::Action::Reject);
    QCOMPARE(hit.segment.flags, SegmentFlags(SegmentFlag::Syn));
    QCOMPARE(hit.segment.destination.port, port);
}

void TestWireFilter::shouldDropOneDataSegmentAndLetTheRetransmissionThrough_data()
{
    QTest::addColumn<int>("family");
    QTest::newRow("IPv4") << int(AF_INET);
    QTest::newRow("IPv6") << int(AF_INET6);
}

void TestWireFilter::shouldDropOneDataSegmentAndLetTheRetransmissionThrough()
{
    QFETCH(int, family);
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
    Sockets sockets;
    const int listener = listenOn(network, sockets, family);
    if (listener < 0 && family == AF_INET6)
        QSKIP("no IPv6 on the lab's loopback");
    QVERIFY(listener >= 0);
    const quint16 port = localPort(listener);
    QString error;
    // A rule on pure ACKs too: they go through, and the payload classification is exercised.
    QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("drop next data from client; drop 1% ack from server")), port,
                          &error),
             qPrintable(error));
    QSignalSpy hits(&filter, &WireFilter::segmentRuled);
    QSignalSpy spent(&filter, &WireFilter::ruleSpent);

    const int client = startConnect(network, sockets, port, family);
    QCOMPARE(connectOutcome(client, 3000), 0); // the handshake carries no data
    const int accepted = sockets.add(::accept(listener, nullptr, nullptr));
    QVERIFY(accepted >= 0);
    QCOMPARE(::send(client, "hello", 5, 0), ssize_t(5));
    QTRY_COMPARE_WITH_TIMEOUT(spent.count(), 1, 2000);
    QCOMPARE(spent[0][0].toInt(), 1);
    QVERIFY(filter.isSpent(1));
    // The retransmission (after ~200 ms on lo) arrives.
    QCOMPARE(receive(accepted, 5, 3000), QByteArray("hello"));
    QCOMPARE(::send(client, "again", 5, 0), ssize_t(5));
    QCOMPARE(receive(accepted, 5, 2000), QByteArray("again"));

    int dataHits = 0;
    for (const QList<QVariant> &arguments : hits) {
        const WireRuleHit hit = arguments[0].value<WireRuleHit>();
        if (hit.rule != 1)
            continue; // 1% of the server's ACKs may be dropped too
        ++dataHits;
        QCOMPARE(hit.segment.family, family == AF_INET6 ? AddressFamily::IPv6 : AddressFamily::IPv4);
        QCOMPARE(hit.segment.payloadLength, 5u);
        QCOMPARE(hit.segment.source.port, localPort(client));
        QCOMPARE(hit.segment.destination.port, port);
    }
    QCOMPARE(dataHits, 1);
}

void TestWireFilter::shouldDropOnlyTheFirstOfABurst()
{
    // Four segments leave back to back, before anything could read the rule's report: a
    // "drop next" takes the first alone, in the kernel, and the rest arrive.
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
    Sockets sockets;
    const int listener = listenOn(network, sockets);
    QVERIFY(listener >= 0);
    const quint16 port = localPort(listener);
    QString error;
    QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("drop next data from client")), port, &error), qPrintable(error));
    QSignalSpy hits(&filter, &WireFilter::segmentRuled);
    const int client = startConnect(network, sockets, port, AF_INET);
    QCOMPARE(connectOutcome(client, 3000), 0);
    const int accepted = sockets.add(::accept(listener, nullptr, nullptr));
    QVERIFY(accepted >= 0);
    const int one = 1;
    QCOMPARE(::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
    for (const char *part : {"aaaaa", "bbbbb", "ccccc", "ddddd"})
        QCOMPARE(::send(client, part, 5, 0), ssize_t(5));
    QCOMPARE(receive(accepted, 20, 5000), QByteArray("aaaaabbbbbcccccddddd"));
    QTRY_VERIFY_WITH_TIMEOUT(filter.isSpent(1), 2000);
    QCoreApplication::processEvents();
    QCOMPARE(hits.count(), 1);
    QCOMPARE(hits[0][0].value<WireRuleHit>().segment.payloadLength, 5u);
}

void TestWireFilter::shouldDropTheFinalAckOfAHandshakeOnly()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
    Sockets sockets;
    const int listener = listenOn(network, sockets);
    QVERIFY(listener >= 0);
    const quint16 port = localPort(listener);
    QString error;
    QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("drop next handshake-ack; drop synack from client")), port,
                          &error),
             qPrintable(error));
    QSignalSpy hits(&filter, &WireFilter::segmentRuled);

    const int client = startConnect(network, sockets, port);
    QCOMPARE(connectOutcome(client, 3000), 0); // the client is established at once
    QTRY_COMPARE_WITH_TIMEOUT(hits.count(), 1, 2000);
    const WireRuleHit hit = hits[0][0].value<WireRuleHit>();
    QCOMPARE(hit.rule, 1);
    QCOMPARE(hit.segment.flags, SegmentFlags(SegmentFlag::Ack));
    QCOMPARE(hit.segment.payloadLength, 0u);
    QCOMPARE(hit.segment.source.port, localPort(client));
    // The server learns of the connection only from what the client sends next (or from its
    // own SYN,ACK retransmission, which the client answers): then accept() has it.
    QCOMPARE(::send(client, "x", 1, 0), ssize_t(1));
    pollfd p{listener, POLLIN, 0};
    QCOMPARE(::poll(&p, 1, 3000), 1);
    const int accepted = sockets.add(::accept(listener, nullptr, nullptr));
    QVERIFY(accepted >= 0);
    QCOMPARE(receive(accepted, 1, 2000), QByteArray("x"));
    QCOMPARE(hits.count(), 1);
}

void TestWireFilter::shouldDropTheAckOfAFinAndNoAckBeforeIt()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
    Sockets sockets;
    const int listener = listenOn(network, sockets);
    QVERIFY(listener >= 0);
    const quint16 port = localPort(listener);
    QString error;
    QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("drop fin-ack from server")), port, &error), qPrintable(error));
    QSignalSpy hits(&filter, &WireFilter::segmentRuled);

    const int client = startConnect(network, sockets, port);
    QCOMPARE(connectOutcome(client, 3000), 0);
    const int accepted = sockets.add(::accept(listener, nullptr, nullptr));
    QVERIFY(accepted >= 0);
    // The server's ACK of data is no ACK of a FIN.
    QCOMPARE(::send(client, "data", 4, 0), ssize_t(4));
    QCOMPARE(receive(accepted, 4, 2000), QByteArray("data"));
    QTest::qWait(50);
    QCOMPARE(hits.count(), 0);

    QCOMPARE(::shutdown(client, SHUT_WR), 0);
    QTRY_VERIFY_WITH_TIMEOUT(hits.count() >= 1, 2000);
    const WireRuleHit hit = hits[0][0].value<WireRuleHit>();
    QCOMPARE(hit.rule, 1);
    QCOMPARE(hit.segment.flags, SegmentFlags(SegmentFlag::Ack));
    QCOMPARE(hit.segment.source.port, port);
    QCOMPARE(hit.segment.payloadLength, 0u);
    // The server has the FIN; the client, without its ACK, stays in FIN_WAIT1 and sends it again.
    QCOMPARE(tcpState(accepted), int(TCP_CLOSE_WAIT));
    QCOMPARE(tcpState(client), int(TCP_FIN_WAIT1));
    QVERIFY2(filter.clear(&error), qPrintable(error));
    // Once the rule is gone the next retransmitted FIN is acknowledged.
    QTRY_COMPARE_WITH_TIMEOUT(tcpState(client), int(TCP_FIN_WAIT2), 5000);
}

void TestWireFilter::shouldLetANewConnectionCompleteOnceCleared()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
    Sockets sockets;
    const int listener = listenOn(network, sockets);
    QVERIFY(listener >= 0);
    const quint16 port = localPort(listener);
    QString error;
    QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("drop synack")), port, &error), qPrintable(error));
    QSignalSpy hits(&filter, &WireFilter::segmentRuled);
    const int held = startConnect(network, sockets, port);
    QVERIFY(held >= 0);
    QTRY_VERIFY_WITH_TIMEOUT(hits.count() >= 1, 2000);
    QCOMPARE(connectOutcome(held, 0), ETIME);

    QVERIFY2(filter.clear(&error), qPrintable(error));
    QVERIFY(filter.rules().isEmpty());
    const int fresh = startConnect(network, sockets, port);
    QCOMPARE(connectOutcome(fresh, 2000), 0);
    QVERIFY(filter.clear(&error)); // twice is fine
}

void TestWireFilter::shouldLeaveTheHostsRulesetAlone()
{
    if (!m_whyNoHostRuleset.isEmpty())
        QSKIP(qPrintable(QStringLiteral("cannot compare the host's ruleset: ") + m_whyNoHostRuleset));
    {
        LabNetwork network;
        SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
        WireFilter filter(&network);
        SOCKSCOPE_WIRE_FILTER_OR_SKIP(filter);
        QString error;
        QVERIFY2(filter.apply(WireRule::parse(QStringLiteral("drop fin-ack; drop 50% data; reject any from server")), 8000,
                              &error),
                 qPrintable(error));
        QString why;
        QCOMPARE(hostRuleset(&why), m_hostRuleset);
    }
    QString why;
    QCOMPARE(hostRuleset(&why), m_hostRuleset); // earlier tests included
}

void TestWireFilter::shouldSayWhatNftSaysWhereNetlinkIsRefused()
{
    // ctest runs this under tests/common/denynetlink.cpp as tst_wirefilter_without_netlink.
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    WireFilter filter(&network);
    if (WireFilter::nftProgram().isEmpty())
        QSKIP("the nft program is not installed");
    const QString why = filter.whyUnavailable();
    if (why.isEmpty())
        QSKIP("nf_tables answers here; tst_wirefilter_without_netlink runs this where netlink is refused");
    QVERIFY2(why.startsWith(QLatin1String("nft in the lab's network: ")), qPrintable(why));
    QString error;
    QVERIFY(!filter.apply(WireRule::parse(QStringLiteral("drop syn")), 8000, &error));
    QCOMPARE(error, why);
    QVERIFY(filter.rules().isEmpty());
}

QTEST_GUILESS_MAIN(TestWireFilter)
#include "tst_wirefilter.moc"
