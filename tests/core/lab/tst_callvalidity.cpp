// SPDX-License-Identifier: GPL-3.0-or-later
// Which calls make sense on a lab socket in each situation it can be in: the table the lab's
// controls follow, checked here without a window.
#include "core/lab/callvalidity.h"

#include <QTest>

using namespace sockscope;
using K = LabCommand::Kind;
using Role = LabSocket::Role;
using Situation = CallValidity::Situation;

Q_DECLARE_METATYPE(sockscope::LabSocket)
Q_DECLARE_METATYPE(sockscope::CallValidity::Situation)
Q_DECLARE_METATYPE(QList<sockscope::LabCommand::Kind>)

namespace {

LabSocket fresh(Role role)
{
    LabSocket s;
    s.id = 1;
    s.role = role;
    s.ordinal = 1;
    s.fd = 5;
    s.inode = 1234;
    s.open = true;
    return s;
}

LabSocket bound(Role role)
{
    LabSocket s = fresh(role);
    s.local = {IpAddress::fromIPv4(0x7f000001), 8000, QString()};
    return s;
}

LabSocket listening()
{
    LabSocket s = bound(Role::Listener);
    s.listening = true;
    return s;
}

LabSocket connecting()
{
    LabSocket s = fresh(Role::Client);
    s.local = {IpAddress::fromIPv4(0x7f000001), 45678, QString()};
    s.remote = {IpAddress::fromIPv4(0x7f000001), 8000, QString()};
    s.connecting = true;
    return s;
}

LabSocket connected(Role role)
{
    LabSocket s = role == Role::Client ? connecting() : bound(role);
    s.connecting = false;
    s.connected = true;
    if (role == Role::Accepted)
        s.remote = {IpAddress::fromIPv4(0x7f000001), 45678, QString()};
    return s;
}

LabSocket halfClosed(Role role)
{
    LabSocket s = connected(role);
    s.shutWrite = true;
    return s;
}

LabSocket closed(LabSocket s)
{
    s.open = false;
    s.fd = -1;
    return s;
}

QString names(const QList<K> &kinds)
{
    QStringList out;
    for (K k : kinds)
        out << LabCommand::kindName(k);
    return out.join(QLatin1Char(' '));
}

} // namespace

class TestCallValidity : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldAllowWhatEachSituationOffers_data();
    void shouldAllowWhatEachSituationOffers();
    void shouldNeverAllowACallOnAClosedSocket();
    void shouldNeverOfferSocketOnASocket();
    void shouldSayWhenAnEpollCallMakesNoSense();
};

void TestCallValidity::shouldAllowWhatEachSituationOffers_data()
{
    QTest::addColumn<LabSocket>("socket");
    QTest::addColumn<Situation>("situation");
    QTest::addColumn<QList<K>>("allowed");

    // epoll_ctl() on any open socket: an epoll instance may watch it in any state
    const QList<K> always{K::SetOption, K::Close, K::Abort, K::EpollCtl};
    const auto with = [&always](QList<K> more) {
        more += always;
        std::sort(more.begin(), more.end());
        return more;
    };

    // socket() only: bind() or, for a client, connect() straight away
    QTest::newRow("fresh listener") << fresh(Role::Listener) << Situation::Fresh << with({K::Bind});
    QTest::newRow("fresh client") << fresh(Role::Client) << Situation::Fresh << with({K::Bind, K::Connect});
    // bound: a listener listens, a client connects from its port
    QTest::newRow("bound listener") << bound(Role::Listener) << Situation::Bound << with({K::Listen});
    QTest::newRow("bound client") << bound(Role::Client) << Situation::Bound << with({K::Connect});
    // listening: only accept()
    QTest::newRow("listening") << listening() << Situation::Listening << with({K::Accept});
    // a connect() under way: nothing but waiting (or closing)
    QTest::newRow("connecting") << connecting() << Situation::Connecting << always;
    // a connect() that failed: the client may try again
    LabSocket refused = connecting();
    refused.connecting = false;
    QTest::newRow("connect failed") << refused << Situation::Bound << with({K::Connect});
    // connected: data both ways, and the half-close
    const QList<K> talking = with({K::Send, K::Fill, K::Receive, K::Drain, K::Echo, K::ShutdownWrite});
    QTest::newRow("connected client") << connected(Role::Client) << Situation::Connected << talking;
    QTest::newRow("accepted") << connected(Role::Accepted) << Situation::Connected << talking;
    // the peer's FIN read changes nothing the lab may call
    LabSocket sawFin = connected(Role::Accepted);
    sawFin.sawEndOfFile = true;
    QTest::newRow("peer's FIN read") << sawFin << Situation::Connected << talking;
    // shut down for writing: it still receives, and sends nothing more
    QTest::newRow("half-closed client") << halfClosed(Role::Client) << Situation::HalfClosed
                                        << with({K::Receive, K::Drain});
    QTest::newRow("half-closed accepted") << halfClosed(Role::Accepted) << Situation::HalfClosed
                                          << with({K::Receive, K::Drain});
    // closed: nothing at all
    QTest::newRow("closed client") << closed(connected(Role::Client)) << Situation::Closed << QList<K>();
    QTest::newRow("closed listener") << closed(listening()) << Situation::Closed << QList<K>();
}

void TestCallValidity::shouldAllowWhatEachSituationOffers()
{
    QFETCH(LabSocket, socket);
    QFETCH(Situation, situation);
    QFETCH(QList<K>, allowed);
    QCOMPARE(CallValidity::situationOf(socket), situation);
    QCOMPARE(names(CallValidity::allowed(socket)), names(allowed));
    for (int k = 0; k <= int(K::EpollWait); ++k) {
        QCOMPARE(CallValidity::allows(socket, K(k)), allowed.contains(K(k)));
        QCOMPARE(CallValidity::allows(socket.role, situation, K(k)), allowed.contains(K(k)));
    }
}

void TestCallValidity::shouldNeverAllowACallOnAClosedSocket()
{
    for (Role role : {Role::Listener, Role::Client, Role::Accepted}) {
        for (int k = 0; k <= int(K::EpollWait); ++k)
            QVERIFY(!CallValidity::allows(role, Situation::Closed, K(k)));
    }
}

void TestCallValidity::shouldNeverOfferSocketOnASocket()
{
    for (Role role : {Role::Listener, Role::Client, Role::Accepted}) {
        for (int s = 0; s <= int(Situation::Closed); ++s)
            QVERIFY(!CallValidity::allows(role, Situation(s), K::Socket));
        // nor the epoll instance's own calls
        for (int s = 0; s <= int(Situation::Closed); ++s) {
            QVERIFY(!CallValidity::allows(role, Situation(s), K::EpollCreate));
            QVERIFY(!CallValidity::allows(role, Situation(s), K::EpollWait));
        }
    }
}

void TestCallValidity::shouldSayWhenAnEpollCallMakesNoSense()
{
    const LabSocket s = listening();
    QCOMPARE(CallValidity::whyNotEpollCtl(nullptr, &s, EpollOp::Add), QStringLiteral("no epoll instance: epoll_create1() makes one"));
    LabEpoll e;
    e.id = 9;
    e.ordinal = 1;
    e.open = true;
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, nullptr, EpollOp::Add), QStringLiteral("select a lab socket for epoll #1 to watch"));
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &s, EpollOp::Add), QString());
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &s, EpollOp::Modify), QStringLiteral("epoll #1 does not watch listener: ADD it first"));
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &s, EpollOp::Delete), QStringLiteral("epoll #1 does not watch listener: ADD it first"));
    e.interest.insert(s.id, 1);
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &s, EpollOp::Add), QStringLiteral("epoll #1 already watches listener: MOD changes its events"));
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &s, EpollOp::Modify), QString());
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &s, EpollOp::Delete), QString());
    const LabSocket gone = closed(listening());
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &gone, EpollOp::Delete), QStringLiteral("listener is closed"));

    QCOMPARE(CallValidity::whyNotEpollWait(&e), QString());
    e.waiting = true;
    QCOMPARE(CallValidity::whyNotEpollWait(&e), QStringLiteral("an epoll_wait() on epoll #1 is already waiting"));
    e.open = false;
    QCOMPARE(CallValidity::whyNotEpollCtl(&e, &s, EpollOp::Modify), QStringLiteral("no epoll instance: epoll_create1() makes one"));
    QCOMPARE(CallValidity::whyNotEpollWait(&e), QStringLiteral("no epoll instance: epoll_create1() makes one"));
}

QTEST_GUILESS_MAIN(TestCallValidity)
#include "tst_callvalidity.moc"
