// SPDX-License-Identifier: GPL-3.0-or-later
#include "core/live/livesession.h"
#include "core/system/labnetwork.h"

#include "../../common/privatenetwork.h"

#include "../../common/scriptedsource.h"

#include <QSignalSpy>

#include <algorithm>
#include <QTest>

using namespace sockscope;
using testing::ScriptedSource;

namespace {

SocketRecord row(quint16 localPort, quint16 remotePort, TcpState state, quint64 inode = 0)
{
    SocketRecord r;
    r.family = AddressFamily::IPv4;
    r.local = {IpAddress::fromIPv4(0x7f000001), localPort, QString()};
    r.remote = {remotePort ? IpAddress::fromIPv4(0x7f000001) : IpAddress(), remotePort, QString()};
    r.state = state;
    r.inode = inode;
    return r;
}

void setTable(ScriptedSource::Script &script, const QList<SocketRecord> &records)
{
    QMutexLocker lock(&script.mutex);
    script.records = records;
}

int pollsOf(ScriptedSource::Script &script)
{
    QMutexLocker lock(&script.mutex);
    return script.polls;
}

SocketFilter lastFilterOf(ScriptedSource::Script &script)
{
    QMutexLocker lock(&script.mutex);
    return script.lastFilter;
}

// The next poll's changes.
PollChanges nextPoll(LiveSession &live)
{
    QSignalSpy spy(&live, &LiveSession::polled);
    live.pollNow();
    if (!spy.wait(5000))
        return PollChanges();
    return spy.first().first().value<PollChanges>();
}

} // namespace

// Moves the live session's lab to its private network with wire rules, or skips saying why
// this machine has none (a setting forbids user namespaces, or nft is missing).
#define SOCKSCOPE_PRIVATE_WIRE_OR_SKIP(live)                                                      \
    do {                                                                                           \
        QString why_;                                                                              \
        if (!(live).setNetwork(Network::Private, &why_)) {                                         \
            if (!LabNetwork::whyUnavailable().isEmpty())                                           \
                QSKIP(qPrintable(why_));                                                           \
            QFAIL(qPrintable(why_));                                                               \
        }                                                                                          \
        if (!(live).whyNoWire().isEmpty())                                                         \
            QSKIP(qPrintable(QStringLiteral("no wire rules here: ") + (live).whyNoWire()));        \
    } while (false)

class TestLiveSession : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldStreamWhatEachPollChangedAndNothingElse();
    void shouldKeepEachHistoryOnceInTheSession();
    void shouldReportASourceFailureWithoutTouchingTheTable();
    void shouldWatchEveryPortUnlessPortsAreChosen();
    void shouldAlwaysWatchTheLabsOwnPorts();
    void shouldPollNothingWhileTheLabHasNoPortToWatch();
    void shouldStreamLabCallsAndPollAfterThem();
    void shouldForgetTheTableWhenTheSourceChanges();
    void shouldListBoundSocketsOfThePrivateLabOnlyWhileItHasOne();
    void shouldHaveNoWireRulesOnTheHostsNetwork();
    void shouldMarkTheSegmentAWireRuleDroppedAndNotLetItMoveItsReceiver();
    void shouldTakeTheWireRulesAwayWithThePrivateNetwork();
};

void TestLiveSession::shouldStreamWhatEachPollChangedAndNothingElse()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    QList<SocketRecord> table;
    for (quint16 i = 0; i < 200; ++i)
        table << row(40000 + i, 8000, TcpState::Established, 1000 + i);
    setTable(*script, table);
    LiveSession live(std::make_unique<ScriptedSource>(script));

    const PollChanges first = nextPoll(live);
    QVERIFY(first.ok());
    QCOMPARE(first.rows, 200);
    QCOMPARE(first.delta.events.size(), 200);
    QCOMPARE(live.session()->connections().liveCount(), 200);

    // 1 % of the rows change: two of them.
    table[5].state = TcpState::FinWait1;
    table[7].txQueue = 512;
    const quint64 gone = live.session()->connections().findLive(ConnectionKey::of(table[9]))->id;
    table.removeAt(9);
    setTable(*script, table);
    const PollChanges second = nextPoll(live);
    QCOMPARE(second.rows, 199);
    QCOMPARE(second.delta.events.size(), 2);
    QCOMPARE(second.delta.events[0].kind, ConnectionEvent::Kind::StateChanged);
    QCOMPARE(*second.delta.events[0].from, TcpState::Established);
    QCOMPARE(*second.delta.events[0].to, TcpState::FinWait1);
    QCOMPARE(second.delta.events[1].kind, ConnectionEvent::Kind::Vanished);
    QCOMPARE(second.delta.events[1].id, gone);
    QCOMPARE(second.delta.updated.size(), 1);
    // Only the changed rows cross from the poller's thread: one for the state change, one update.
    QCOMPARE(second.delta.rows.size(), 2);
    QCOMPARE(second.delta.rows[0].record.state, TcpState::FinWait1);
    QCOMPARE(second.delta.rows[1].record.txQueue, 512u);

    const PollChanges third = nextPoll(live);
    QVERIFY(third.delta.isEmpty());
    QVERIFY(third.delta.rows.isEmpty());
}

void TestLiveSession::shouldKeepEachHistoryOnceInTheSession()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    QList<SocketRecord> table{row(40000, 8000, TcpState::SynSent)};
    setTable(*script, table);
    LiveSession live(std::make_unique<ScriptedSource>(script));
    QSignalSpy updated(live.session(), &Session::updated);
    nextPoll(live);
    nextPoll(live);
    table[0].state = TcpState::Established;
    setTable(*script, table);
    const PollChanges changed = nextPoll(live);
    QCOMPARE(updated.size(), 3); // the session took every poll before the stream went on

    const quint64 id = changed.delta.events.first().id;
    const ConnectionHistory *h = live.session()->connections().history(id);
    QVERIFY(h);
    QCOMPARE(h->spans.size(), 2);
    QCOMPARE(h->spans[0].state, TcpState::SynSent);
    QCOMPARE(h->spans[0].polls, 2); // seen by the two polls before the change, kept without a copy per poll
    QCOMPARE(h->spans[1].state, TcpState::Established);
    QCOMPARE(h->spans[0].lastSeenNs < h->spans[1].firstSeenNs, true);
    QCOMPARE(changed.delta.events.first().msInFrom, (h->spans[1].firstSeenNs - h->spans[0].firstSeenNs) / 1000000);

    nextPoll(live);
    QCOMPARE(live.session()->connections().history(id)->spans[1].polls, 2);
}

void TestLiveSession::shouldReportASourceFailureWithoutTouchingTheTable()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    setTable(*script, {row(40000, 8000, TcpState::Established)});
    LiveSession live(std::make_unique<ScriptedSource>(script));
    nextPoll(live);
    {
        QMutexLocker lock(&script->mutex);
        script->error = QStringLiteral("cannot read the table");
    }
    const PollChanges failed = nextPoll(live);
    QVERIFY(!failed.ok());
    QCOMPARE(failed.error, QStringLiteral("cannot read the table"));
    QVERIFY(failed.delta.isEmpty());
    QCOMPARE(live.session()->connections().liveCount(), 1); // nothing vanished because of it
}

void TestLiveSession::shouldWatchEveryPortUnlessPortsAreChosen()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    setTable(*script, {row(40000, 8000, TcpState::Established), row(40001, 9000, TcpState::Established)});
    LiveSession live(std::make_unique<ScriptedSource>(script));
    QVERIFY(live.filter().has_value());
    QVERIFY(live.filter()->isEmpty());
    live.start();
    QTRY_VERIFY_WITH_TIMEOUT(live.session()->connections().liveCount() == 2, 5000);

    live.setWatchedPorts(QList<quint16>{9000});
    QCOMPARE(live.filter()->ports, QList<quint16>{9000});
    QTRY_COMPARE_WITH_TIMEOUT(live.session()->connections().liveCount(), 1, 5000);
    QCOMPARE(lastFilterOf(*script).ports, QList<quint16>{9000});
    live.setWatchedPorts(std::nullopt);
    QTRY_COMPARE_WITH_TIMEOUT(live.session()->connections().liveCount(), 2, 5000);
    live.stop();
}

void TestLiveSession::shouldAlwaysWatchTheLabsOwnPorts()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    LiveSession live(std::make_unique<ScriptedSource>(script));
    live.setWatchedPorts(QList<quint16>{9000});
    Lab &lab = *live.lab();
    const Lab::Result server = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4));
    QVERIFY(server.ok);
    Endpoint any;
    any.address = IpAddress::fromIPv4(0x7f000001);
    QVERIFY(lab.execute(LabCommand::bind(server.socketId, any)).ok);
    QVERIFY(lab.execute(LabCommand::listen(server.socketId, 4)).ok);
    const quint16 port = lab.socket(server.socketId)->local.port;
    QVERIFY(port != 0);
    QCOMPARE(live.labPorts(), QList<quint16>{port});
    QCOMPARE(live.filter()->ports, (QList<quint16>{9000, port}));
    lab.abortAll();
}

void TestLiveSession::shouldPollNothingWhileTheLabHasNoPortToWatch()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    setTable(*script, {row(40000, 8000, TcpState::Established)});
    LiveSession live(std::make_unique<ScriptedSource>(script));
    live.setInterval(10);
    live.setWatchedPorts(QList<quint16>()); // the lab alone
    QVERIFY(!live.filter());
    live.start();
    live.pollNow();
    QTest::qWait(100);
    QCOMPARE(pollsOf(*script), 0); // no row of another program is read, let alone recorded

    Lab &lab = *live.lab();
    const Lab::Result server = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4));
    Endpoint any;
    any.address = IpAddress::fromIPv4(0x7f000001);
    lab.execute(LabCommand::bind(server.socketId, any));
    QTRY_VERIFY_WITH_TIMEOUT(pollsOf(*script) > 0, 5000);
    QCOMPARE(lastFilterOf(*script).ports, QList<quint16>{lab.socket(server.socketId)->local.port});
    QCOMPARE(live.session()->connections().liveCount(), 0);
    live.stop();
    lab.abortAll();
}

void TestLiveSession::shouldStreamLabCallsAndPollAfterThem()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    LiveSession live(std::make_unique<ScriptedSource>(script));
    live.setInterval(60000); // only the calls make polls here
    live.start();
    QTRY_COMPARE_WITH_TIMEOUT(pollsOf(*script), 1, 5000); // start() polls once
    QSignalSpy calls(&live, &LiveSession::callMade);
    QSignalSpy polls(&live, &LiveSession::polled);
    const Lab::Result client = live.lab()->execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4));
    QVERIFY(client.ok);
    QCOMPARE(calls.size(), 1);
    QCOMPARE(calls.first().first().value<LabCall>().socketId, client.socketId);
    QVERIFY(polls.wait(5000)); // the call's burst
    live.stop();
}

void TestLiveSession::shouldForgetTheTableWhenTheSourceChanges()
{
    auto script = std::make_shared<ScriptedSource::Script>();
    setTable(*script, {row(40000, 8000, TcpState::Established)});
    LiveSession live(std::make_unique<ScriptedSource>(script));
    nextPoll(live);
    QCOMPARE(live.session()->connections().liveCount(), 1);
    QSignalSpy changed(&live, &LiveSession::sourceChanged);
    auto other = std::make_shared<ScriptedSource::Script>();
    live.setSource(std::make_unique<ScriptedSource>(other));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(live.session()->connections().liveCount(), 0);
    const PollChanges first = nextPoll(live);
    QVERIFY(first.ok());
    QCOMPARE(first.rows, 0);
    QCOMPARE(live.session()->connections().liveCount(), 0);
}

void TestLiveSession::shouldListBoundSocketsOfThePrivateLabOnlyWhileItHasOne()
{
    LabNetwork network;
    SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP(network);
    LiveSession live(SocketSource::create(QStringLiteral("netlink"), &network));
    Lab &lab = *live.lab();
    lab.setNetwork(&network);
    live.setWatchedPorts(QList<quint16>()); // the lab alone
    live.setInterval(20);
    live.start();
    const Lab::Result server = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4));
    Endpoint at;
    at.address = IpAddress::fromIPv4(0x7f000001);
    at.port = 8000;
    QVERIFY(lab.execute(LabCommand::bind(server.socketId, at)).ok);
    // Bound, not listening: it is in the kernel's bind hash, and the poll asks for it there.
    QVERIFY(live.filter()->boundInactive);
    const ConnectionStore &store = live.session()->connections();
    QTRY_VERIFY_WITH_TIMEOUT(!store.liveIds().isEmpty(), 5000);
    const quint64 id = store.liveIds().first();
    QCOMPARE(store.history(id)->latest.state, TcpState::Close);
    // Listening: nothing bound-only is left, and the walk of the host-wide bind hash stops.
    QVERIFY(lab.execute(LabCommand::listen(server.socketId, 4)).ok);
    QVERIFY(!live.filter()->boundInactive);
    QTRY_COMPARE_WITH_TIMEOUT(store.history(id)->latest.state, TcpState::Listen, 5000);
    // A lab on the host's loopback always asks: other programs' bound sockets are there too.
    lab.setNetwork(nullptr);
    QVERIFY(live.filter()->boundInactive);
    live.stop();
    lab.abortAll();
}

void TestLiveSession::shouldHaveNoWireRulesOnTheHostsNetwork()
{
    LiveSession live;
    QCOMPARE(live.network(), Network::Host);
    QVERIFY(!live.wire());
    QVERIFY(!live.wireDelay());
    QVERIFY(live.whyNoWire().contains(QLatin1String("private network only")));
    QString why;
    QVERIFY(!live.setWireRules(WireRule::parse(QStringLiteral("drop synack")), &why));
    QCOMPARE(why, live.whyNoWire());
    QVERIFY(live.wireRules().isEmpty());
}

void TestLiveSession::shouldMarkTheSegmentAWireRuleDroppedAndNotLetItMoveItsReceiver()
{
    qRegisterMetaType<WireRuleHit>();
    LiveSession live;
    QString why;
    SOCKSCOPE_PRIVATE_WIRE_OR_SKIP(live);
    QVERIFY2(live.setCapturing(true, &why), qPrintable(why));
    Lab &lab = *live.lab();
    const Lab::Result server = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4));
    Endpoint at;
    at.address = IpAddress::fromIPv4(0x7f000001);
    at.port = 8000;
    QVERIFY(lab.execute(LabCommand::bind(server.socketId, at)).ok);
    QVERIFY(lab.execute(LabCommand::listen(server.socketId, 4)).ok);
    QCOMPARE(live.wirePort(), quint16(8000));
    QSignalSpy changed(&live, &LiveSession::wireRulesChanged);
    QVERIFY2(live.setWireRules(WireRule::parse(QStringLiteral("drop next synack from server")), &why), qPrintable(why));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(live.activeWireRules().size(), 1);

    QSignalSpy acted(&live, &LiveSession::wireRuleActed);
    QList<PacketStateChange> changes;
    connect(&live, &LiveSession::packetStateChanged, this, [&changes](const PacketStateChange &c) { changes.append(c); });
    const Lab::Result client = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4));
    QVERIFY(lab.execute(LabCommand::connect(client.socketId, at)).ok);
    QVERIFY(acted.wait(3000));
    QCOMPARE(acted.size(), 1);
    const WireRuleHit hit = acted.first().at(0).value<WireRuleHit>();
    QCOMPARE(hit.rule, 1);
    QVERIFY(hit.segment.has(SegmentFlag::Syn) && hit.segment.has(SegmentFlag::Ack));
    const QString text = acted.first().at(1).toString();
    QVERIFY2(text.startsWith(QLatin1String("rule 1 (drop next synack from server) dropped listener -> client #1  SYN,ACK seq=0 ack=1")),
             qPrintable(text));
    // The server sends it again after its one-second timer, and that one arrives.
    QTRY_VERIFY_WITH_TIMEOUT(lab.socket(client.socketId)->connected, 5000);
    live.readWire();
    const QList<WireSegment> wire = live.session()->wireSegments();
    QList<WireSegment> synAcks;
    for (const WireSegment &w : wire) {
        if (w.segment.has(SegmentFlag::Syn) && w.segment.has(SegmentFlag::Ack))
            synAcks.append(w);
    }
    QVERIFY2(synAcks.size() >= 2, qPrintable(QString::number(synAcks.size())));
    QCOMPARE(synAcks[0].stoppedBy, 1);
    QCOMPARE(synAcks[0].stoppingRule, QStringLiteral("drop next synack from server"));
    QVERIFY(!synAcks[0].answeredWithReset);
    QVERIFY(!synAcks[1].wasStopped());
    QVERIFY(synAcks[1].repeat.retransmission > 0);
    QVERIFY(synAcks[1].steadyNs - synAcks[0].steadyNs >= 900'000'000);
    // A "drop next" is spent once it acted, and said to be.
    QVERIFY(live.wire()->isSpent(1));
    QVERIFY(changed.size() >= 2);
    // The lost SYN,ACK did not move the client: its ESTABLISHED is the copy that arrived.
    const auto established = std::find_if(changes.cbegin(), changes.cend(), [](const PacketStateChange &c) {
        return c.who == QLatin1String("client #1") && c.transition.to == TcpState::Established;
    });
    QVERIFY(established != changes.cend());
    QVERIFY(established->steadyNs >= synAcks[1].steadyNs);
    lab.abortAll();
}

void TestLiveSession::shouldTakeTheWireRulesAwayWithThePrivateNetwork()
{
    LiveSession live;
    QString why;
    SOCKSCOPE_PRIVATE_WIRE_OR_SKIP(live);
    QVERIFY(live.wire());
    QVERIFY(live.wireDelay());
    QVERIFY2(live.setWireRules(WireRule::parse(QStringLiteral("drop syn; reject fin")), &why), qPrintable(why));
    QCOMPARE(live.wire()->rules().size(), 2);
    QVERIFY(live.wire()->nftText().contains(QLatin1String("table inet sockscope")));
    QSignalSpy changed(&live, &LiveSession::wireRulesChanged);
    QVERIFY(live.setNetwork(Network::Host));
    QCOMPARE(changed.size(), 1);
    QVERIFY(live.wireRules().isEmpty());
    QVERIFY(!live.wire());
    // Back in the private network, the wire starts bare.
    QVERIFY(live.setNetwork(Network::Private));
    QVERIFY(live.activeWireRules().isEmpty());
    QVERIFY(live.wire()->rules().isEmpty());
}

QTEST_GUILESS_MAIN(TestLiveSession)
#include "tst_livesession.moc"
