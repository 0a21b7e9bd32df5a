// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/model/endpoint.h"
#include "core/model/socketrecord.h"

#include <QHostAddress>
#include <QSet>
#include <QTest>

using namespace sockscope;

class TestIpAddress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldFormatLikeInetNtop_data();
    void shouldFormatLikeInetNtop();
    void shouldRejectNonAddresses();
    void shouldRecogniseMappedAndLoopback();
    void shouldConvertToQHostAddress();
    void shouldFormatEndpoints();
    void shouldTellConnectionKeysApart();
};

void TestIpAddress::shouldFormatLikeInetNtop_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("ipv6");
    QTest::newRow("v4 loopback") << "127.0.0.1" << false;
    QTest::newRow("v4 any") << "0.0.0.0" << false;
    QTest::newRow("v4 other loopback") << "127.0.0.42" << false;
    QTest::newRow("v6 loopback") << "::1" << true;
    QTest::newRow("v6 any") << "::" << true;
    QTest::newRow("v6 mapped") << "::ffff:127.0.0.1" << true;
    QTest::newRow("v6 link local") << "fe80::1" << true;
    QTest::newRow("v6 full") << "2001:db8:1:2:3:4:5:6" << true;
}

void TestIpAddress::shouldFormatLikeInetNtop()
{
    QFETCH(QString, text);
    QFETCH(bool, ipv6);
    const std::optional<IpAddress> a = IpAddress::fromString(text);
    QVERIFY(a.has_value());
    QCOMPARE(a->isIPv6(), ipv6);
    QCOMPARE(a->toString(), text);
    QCOMPARE(a->family(), ipv6 ? AddressFamily::IPv6 : AddressFamily::IPv4);
}

void TestIpAddress::shouldRejectNonAddresses()
{
    QVERIFY(!IpAddress::fromString(u""));
    QVERIFY(!IpAddress::fromString(u"localhost"));
    QVERIFY(!IpAddress::fromString(u"256.0.0.1"));
    QVERIFY(!IpAddress::fromString(u"[::1]"));
    QVERIFY(!IpAddress::fromString(u"::1%lo"));
    QVERIFY(!IpAddress::fromString(QString(100, u'1')));
    QVERIFY(!IpAddress::fromString(u"1.2.3.4\u00e9"));
}

void TestIpAddress::shouldRecogniseMappedAndLoopback()
{
    QVERIFY(IpAddress::fromString(u"::ffff:127.0.0.1")->isV4Mapped());
    QVERIFY(IpAddress::fromString(u"::ffff:127.0.0.1")->isLoopback());
    QVERIFY(!IpAddress::fromString(u"::1")->isV4Mapped());
    QVERIFY(IpAddress::fromString(u"::1")->isLoopback());
    QVERIFY(IpAddress::fromString(u"127.1.2.3")->isLoopback());
    QVERIFY(!IpAddress::fromString(u"10.0.0.1")->isLoopback());
    QVERIFY(IpAddress::fromString(u"0.0.0.0")->isAny());
    QVERIFY(IpAddress::anyIPv6().isAny());
    QVERIFY(IpAddress() != IpAddress::anyIPv6()); // same bytes, different family
    QCOMPARE(IpAddress::fromIPv4(0x7f000001).toString(), QStringLiteral("127.0.0.1"));
    QCOMPARE(IpAddress::fromString(u"127.0.0.1")->toIPv4(), 0x7f000001u);
}

void TestIpAddress::shouldConvertToQHostAddress()
{
    QCOMPARE(IpAddress::fromString(u"127.0.0.1")->toQHostAddress(), QHostAddress(QHostAddress::LocalHost));
    QCOMPARE(IpAddress::fromString(u"::1")->toQHostAddress(), QHostAddress(QHostAddress::LocalHostIPv6));
}

void TestIpAddress::shouldFormatEndpoints()
{
    Endpoint v4{*IpAddress::fromString(u"127.0.0.1"), 8000, QString()};
    QCOMPARE(v4.toString(), QStringLiteral("127.0.0.1:8000"));
    Endpoint v6{*IpAddress::fromString(u"::1"), 8000, QString()};
    QCOMPARE(v6.toString(), QStringLiteral("[::1]:8000"));
    Endpoint wildcard{IpAddress(), 0, QString()};
    QCOMPARE(wildcard.toString(), QStringLiteral("0.0.0.0:*"));
    Endpoint scoped{*IpAddress::fromString(u"fe80::1"), 22, QStringLiteral("eth0")};
    QCOMPARE(scoped.toString(), QStringLiteral("[fe80::1%eth0]:22"));
}

void TestIpAddress::shouldTellConnectionKeysApart()
{
    SocketRecord a;
    a.local = {*IpAddress::fromString(u"127.0.0.1"), 8000, QString()};
    a.remote = {*IpAddress::fromString(u"127.0.0.1"), 40000, QString()};
    a.inode = 11;
    SocketRecord b = a;
    b.inode = 0; // same connection after the kernel dropped its inode
    QCOMPARE(ConnectionKey::of(a), ConnectionKey::of(b));

    SocketRecord listener1;
    listener1.state = TcpState::Listen;
    listener1.local = a.local;
    listener1.inode = 100;
    SocketRecord listener2 = listener1; // SO_REUSEPORT sibling on the same address
    listener2.inode = 101;
    QVERIFY(ConnectionKey::of(listener1) != ConnectionKey::of(listener2));

    const QSet<ConnectionKey> keys{ConnectionKey::of(a), ConnectionKey::of(listener1),
                                   ConnectionKey::of(listener2), ConnectionKey::of(b)};
    QCOMPARE(keys.size(), 3);
}

QTEST_GUILESS_MAIN(TestIpAddress)
#include "tst_ipaddress.moc"
