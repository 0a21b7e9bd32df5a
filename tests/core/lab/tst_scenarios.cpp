// SPDX-License-Identifier: GPL-3.0-or-later
// Every scenario, run for real on loopback, must produce each state it promises on the end it
// promises, as seen through /proc, ss and netlink, over IPv4 and IPv6, on the host's loopback
// and in the lab's private network.
#include "core/lab/scenariocatalog.h"
#include "core/lab/scenariorunner.h"
#include "core/live/livesession.h"
#include "core/sources/procsource.h"
#include "core/system/labnetwork.h"

#include "../loopbackpair.h"
#include "../../common/scriptedsource.h"

#include <QSignalSpy>
#include <QStandardPaths>
#include <QTest>

#include <sys/epoll.h>

using namespace sockscope;
using namespace sockscope::test;

class TestScenarios : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldProduceEveryExpectedStateThroughProc_data() { table(); }
    void shouldProduceEveryExpectedStateThroughProc() { runThrough(QStringLiteral("proc")); }
    void shouldProduceEveryExpectedStateThroughSs_data() { table(); }
    void shouldProduceEveryExpectedStateThroughSs() { runThrough(QStringLiteral("ss")); }
    void shouldProduceEveryExpectedStateThroughNetlink_data() { table(); }
    void shouldProduceEveryExpectedStateThroughNetlink() { runThrough(QStringLiteral("netlink")); }
    // The same in the lab's private network, on the tutorial's port 8000, always free there.
    void shouldProduceEveryExpectedStateInThePrivateNetworkThroughProc_data() { table(); }
    void shouldProduceEveryExpectedStateInThePrivateNetworkThroughProc() { runThrough(QStringLiteral("proc"), true); }
    void shouldProduceEveryExpectedStateInThePrivateNetworkThroughSs_data() { table(); }
    void shouldProduceEveryExpectedStateInThePrivateNetworkThroughSs() { runThrough(QStringLiteral("ss"), true); }
    void shouldProduceEveryExpectedStateInThePrivateNetworkThroughNetlink_data() { table(); }
    void shouldProduceEveryExpectedStateInThePrivateNetworkThroughNetlink() { runThrough(QStringLiteral("netlink"), true); }
    void shouldStopAtAnyStepAndCloseEverySocket();
    void shouldRunOneStepAtATime();
    void shouldNameWhatWasNotObserved();
    void shouldStopWhenANeededCallFails();
    void shouldCountAnEpollReportOnlyWithEveryEventExpected();
    void shouldCountOnlyTheSegmentsAnExpectationAsksFor();
    void shouldCountEachSegmentOfTheLabsEndsOnceThoughMarkedLate();

private:
    void table();
    void runThrough(const QString &source, bool inPrivateNetwork = false);
};

void TestScenarios::table()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<int>("family");
    for (const Scenario &s : ScenarioCatalog::all()) {
        QTest::addRow("%s ipv4", qPrintable(s.name)) << s.name << int(AddressFamily::IPv4);
        QTest::addRow("%s ipv6", qPrintable(s.name)) << s.name << int(AddressFamily::IPv6);
    }
}

namespace {

// The live pipeline the window and the command line use, watching the lab's ports.
struct Harness
{
    LiveSession live;
    Lab &lab = *live.lab();
    ScenarioRunner &runner = *live.runner();

    QString procDirectory = QStringLiteral("/proc/net"); // where leftovers() looks

    explicit Harness(const QString &source) : Harness(SocketSource::create(source)) { }
    explicit Harness(std::unique_ptr<SocketSource> source) : live(std::move(source))
    {
        live.setInterval(20);
        live.setWatchedPorts(QList<quint16>());
    }

    void load(const Scenario &scenario, const ScenarioConfig &config)
    {
        runner.load(scenario, config);
        live.start();
    }

    int openSockets() const
    {
        int n = 0;
        for (const LabSocket &s : lab.sockets())
            n += s.open ? 1 : 0;
        return n;
    }

    // What the kernel still has on the scenario's port after stop(): with every socket closed
    // by RST, only TIME_WAIT entries may remain (those the scenario made before the end, and
    // those of earlier users of the port).
    QStringList leftovers() const
    {
        SocketFilter filter;
        filter.port = runner.port();
        filter.family = runner.config().family; // the other family may use the same port number
        QStringList out;
        for (const SocketRecord &r : ProcSource(procDirectory).take(filter).records) {
            if (r.state != TcpState::TimeWait)
                out << r.local.toString() + QLatin1Char(' ') + r.remote.toString() + QLatin1Char(' ') + kernelName(r.state);
        }
        return out;
    }
};

QString describe(const QList<Expectation> &expectations)
{
    QStringList out;
    for (const Expectation &e : expectations)
        out << e.describe();
    return out.join(QStringLiteral("; "));
}

} // namespace

void TestScenarios::runThrough(const QString &source, bool inPrivateNetwork)
{
    QFETCH(QString, scenario);
    QFETCH(int, family);
    if (AddressFamily(family) == AddressFamily::IPv6 && !Loopback::hasIPv6())
        QSKIP("this machine has no IPv6 loopback (::1)");
    if (source == QLatin1String("ss") && QStandardPaths::findExecutable(QStringLiteral("ss")).isEmpty())
        QSKIP("the ss program (iproute2) is not installed");

    const Scenario &chosen = *ScenarioCatalog::find(scenario);
    if (chosen.needsWire && !inPrivateNetwork)
        QSKIP("a wire scenario: its rules act on the lab's private network only (the private runs have it)");

    // In the private network the live session makes it and captures its wire, as the window
    // and the command line do.
    Harness h{inPrivateNetwork ? std::unique_ptr<SocketSource>() : SocketSource::create(source)};
    if (inPrivateNetwork) {
        QString why;
        if (!h.live.setNetwork(Network::Private, &why)) {
            if (!LabNetwork::whyUnavailable().isEmpty())
                QSKIP(qPrintable(why));
            QFAIL(qPrintable(QStringLiteral("no private network, and no setting says why: ") + why));
        }
        QString error;
        std::unique_ptr<SocketSource> polled = h.live.createSource(source, &error);
        QVERIFY2(polled, qPrintable(error));
        h.live.setSource(std::move(polled));
        QVERIFY2(h.live.setCapturing(true, &why), qPrintable(why));
        h.procDirectory = h.live.labNetwork()->procNetDirectory();
        if (chosen.needsWire && !h.live.whyNoWire().isEmpty())
            QSKIP(qPrintable(QStringLiteral("no wire rules here: ") + h.live.whyNoWire()));
    }
    ScenarioConfig config;
    config.family = AddressFamily(family);
    // On the host the kernel chooses: tests never depend on a free port 8000. In the private
    // network it is always free.
    config.port = inPrivateNetwork ? 8000 : 0;
    config.clients = 4;
    h.load(chosen, config);
    h.runner.runAll(0);
    QTRY_VERIFY_WITH_TIMEOUT(h.runner.isDone(), 30000);
    QVERIFY2(h.runner.status() == ScenarioRunner::Status::Finished, qPrintable(h.runner.failure()));
    QVERIFY2(h.runner.missing().isEmpty(), qPrintable(QStringLiteral("not observed: ") + describe(h.runner.missing())));
    QVERIFY(!h.runner.outcomes().isEmpty());

    h.runner.stop();
    QCOMPARE(h.openSockets(), 0);
    QTRY_COMPARE(h.leftovers(), QStringList());
}

void TestScenarios::shouldStopAtAnyStepAndCloseEverySocket()
{
    Harness h(QStringLiteral("proc"));
    ScenarioConfig config;
    config.port = 0;
    h.load(*ScenarioCatalog::find(u"fin-wait-1"), config);
    QSignalSpy finished(&h.runner, &ScenarioRunner::stepFinished);
    // run up to FIN_WAIT1: the FIN is stuck behind data the server never reads
    for (int i = 0; i < 5; ++i) {
        h.runner.step();
        QTRY_COMPARE(finished.size(), i + 1);
        QVERIFY2(finished.last().at(1).toBool(), qPrintable(h.runner.stepAt(i).description));
    }
    QCOMPARE(h.openSockets(), 3);
    h.runner.stop();
    QCOMPARE(h.runner.status(), ScenarioRunner::Status::Stopped);
    QCOMPARE(h.openSockets(), 0);
    // RST ended the FIN_WAIT1 connection: an orphan with unsent data would linger for minutes
    QTRY_COMPARE(h.leftovers(), QStringList());
    h.runner.step(); // a stopped run does nothing more
    QCOMPARE(h.runner.status(), ScenarioRunner::Status::Stopped);
}

void TestScenarios::shouldRunOneStepAtATime()
{
    Harness h(QStringLiteral("proc"));
    ScenarioConfig config;
    config.port = 0;
    const Scenario &scenario = *ScenarioCatalog::find(u"time-wait");
    h.load(scenario, config);
    QCOMPARE(h.runner.status(), ScenarioRunner::Status::Idle);
    const int steps = h.runner.stepCount();
    QVERIFY(steps >= 5);
    QSignalSpy finished(&h.runner, &ScenarioRunner::stepFinished);
    for (int i = 0; i < steps; ++i) {
        QCOMPARE(h.runner.nextStep(), i);
        h.runner.step();
        QCOMPARE(h.runner.status(), ScenarioRunner::Status::Waiting);
        QTRY_COMPARE(finished.size(), i + 1);
        QCOMPARE(finished.last().at(0).toInt(), i);
        QVERIFY2(finished.last().at(1).toBool(), qPrintable(h.runner.stepAt(i).description));
    }
    QCOMPARE(h.runner.status(), ScenarioRunner::Status::Finished);
    QVERIFY(h.runner.missing().isEmpty());
    h.runner.stop();
}

void TestScenarios::shouldNameWhatWasNotObserved()
{
    // A source that never shows the lab's sockets: the runner sees none of them, so it must say so.
    auto script = std::make_shared<testing::ScriptedSource::Script>();
    Harness h(std::make_unique<testing::ScriptedSource>(script));
    ScenarioConfig config;
    config.port = 0;
    h.load(*ScenarioCatalog::find(u"self-connect"), config);
    h.runner.runAll(0);
    QTRY_VERIFY_WITH_TIMEOUT(h.runner.isDone(), 15000);
    QCOMPARE(h.runner.status(), ScenarioRunner::Status::Finished);
    QCOMPARE(describe(h.runner.missing()), QStringLiteral("client #1 in ESTABLISHED"));
    QVERIFY(script->polls > 0);
    h.runner.stop();
}

void TestScenarios::shouldStopWhenANeededCallFails()
{
    Fd taken = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(taken.isValid());
    Harness h(QStringLiteral("proc"));
    ScenarioConfig config;
    config.port = taken.localPort();
    h.load(*ScenarioCatalog::find(u"handshake"), config);
    h.runner.runAll(0);
    QTRY_VERIFY(h.runner.isDone());
    QCOMPARE(h.runner.status(), ScenarioRunner::Status::Failed);
    QVERIFY2(h.runner.failure().contains(QStringLiteral("EADDRINUSE")), qPrintable(h.runner.failure()));
    QVERIFY2(h.runner.failure().contains(QStringLiteral("tst_scenarios (pid %1)").arg(QCoreApplication::applicationPid())),
             qPrintable(h.runner.failure()));
    QCOMPARE(h.runner.missing().size(), 3);
    h.runner.stop();
    QCOMPARE(h.openSockets(), 0);
    QCOMPARE(h.lab.calls().last().kind, LabCall::Kind::Close); // the failed listener, closed
}

void TestScenarios::shouldCountAnEpollReportOnlyWithEveryEventExpected()
{
    const Expectation e = Expectation::epollReports(LabEnd::serverEnd(2), EPOLLIN | EPOLLRDHUP);
    QCOMPARE(e.describe(), QStringLiteral("epoll_wait reports server end of client #2 EPOLLIN|EPOLLRDHUP"));
    QCOMPARE(Expectation::epollReports(LabEnd::listener(), EPOLLIN).describe(),
             QStringLiteral("epoll_wait reports listener EPOLLIN"));
    QVERIFY(!e.metBy({7, QStringLiteral("accepted #2"), EPOLLIN}));
    QVERIFY(e.metBy({7, QStringLiteral("accepted #2"), EPOLLIN | EPOLLRDHUP}));
    QVERIFY(e.metBy({7, QStringLiteral("accepted #2"), EPOLLIN | EPOLLRDHUP | EPOLLHUP}));

    // A run whose epoll_wait() reports the listener meets it; nothing else does.
    Harness h(QStringLiteral("proc"));
    ScenarioConfig config;
    config.port = 0;
    h.load(*ScenarioCatalog::find(u"epoll-echo"), config);
    QSignalSpy met(&h.runner, &ScenarioRunner::expectationMet);
    for (int i = 0; i < 3; ++i) {
        h.runner.step();
        QTRY_VERIFY(h.runner.status() == ScenarioRunner::Status::Ready);
    }
    QStringList seen;
    for (const QList<QVariant> &m : std::as_const(met))
        seen << m.first().value<ScenarioRunner::Outcome>().expectation.describe();
    QVERIFY2(seen.contains(QStringLiteral("epoll_wait reports listener EPOLLIN")), qPrintable(seen.join(QLatin1Char('|'))));
    QVERIFY2(!seen.contains(QStringLiteral("epoll_wait reports server end of client #1 EPOLLIN")),
             qPrintable(seen.join(QLatin1Char('|'))));
    const QList<LabCall> calls = h.lab.calls();
    const auto woken = std::find_if(calls.cbegin(), calls.cend(), [](const LabCall &c) {
        return c.kind == LabCall::Kind::EpollWait && c.asynchronous;
    });
    QVERIFY(woken != calls.cend());
    QCOMPARE(woken->readyText(), QStringLiteral("listener EPOLLIN"));
    h.runner.stop();
    QCOMPARE(h.openSockets(), 0);
    QVERIFY(!h.lab.epolls().first().open);
}

void TestScenarios::shouldCountOnlyTheSegmentsAnExpectationAsksFor()
{
    using Counted = Expectation::Counted;
    using Seg = WireRule::Kind;
    const auto segment = [](SegmentFlags flags, quint32 payload = 0) {
        WireSegment w;
        w.segment.flags = flags;
        w.segment.payloadLength = payload;
        return w;
    };
    WireSegment syn = segment(SegmentFlag::Syn);
    WireSegment synAgain = syn;
    synAgain.repeat.retransmission = 1;
    synAgain.repeat.sincePreviousNs = 1'000'000'000;
    WireSegment synAck = segment(SegmentFlag::Syn | SegmentFlag::Ack);
    synAck.stoppedBy = 1;
    synAck.stoppingRule = QStringLiteral("drop synack");
    WireSegment refused = syn;
    refused.stoppedBy = 2;
    refused.answeredWithReset = true;
    WireSegment ack = segment(SegmentFlag::Ack);
    WireSegment duplicate = ack;
    duplicate.repeat.duplicateAck = 1;
    const WireSegment data = segment(SegmentFlag::Psh | SegmentFlag::Ack, 100);

    const Expectation everySyn = Expectation::sends(LabEnd::client(1), Seg::Syn, 3);
    QCOMPARE(everySyn.describe(), QStringLiteral("client #1 sends SYN 3 times"));
    QVERIFY(everySyn.counts(syn) && everySyn.counts(synAgain) && everySyn.counts(refused));
    QVERIFY(!everySyn.counts(synAck) && !everySyn.counts(ack));

    const Expectation resent = Expectation::sends(LabEnd::client(1), Seg::Syn, 2, Counted::Retransmissions);
    QCOMPARE(resent.describe(), QStringLiteral("client #1 sends SYN 3 times (2 retransmissions)"));
    QVERIFY(resent.counts(synAgain));
    QVERIFY(!resent.counts(syn));
    QCOMPARE(Expectation::sends(LabEnd::serverEnd(1), Seg::Fin, 1, Counted::Retransmissions).describe(),
             QStringLiteral("server end of client #1 sends FIN 2 times (1 retransmission)"));

    const Expectation dropped = Expectation::sends(LabEnd::serverEnd(1), Seg::SynAck, 1, Counted::Dropped);
    QCOMPARE(dropped.describe(), QStringLiteral("server end of client #1's SYN,ACK dropped on the wire"));
    QVERIFY(dropped.counts(synAck));
    QVERIFY(!dropped.counts(segment(SegmentFlag::Syn | SegmentFlag::Ack)));
    QVERIFY(!Expectation::sends(LabEnd::client(1), Seg::Syn, 1, Counted::Dropped).counts(refused));

    const Expectation refusedSyn = Expectation::sends(LabEnd::client(1), Seg::Syn, 1, Counted::Refused);
    QCOMPARE(refusedSyn.describe(), QStringLiteral("client #1's SYN refused on the wire (answered with RST)"));
    QVERIFY(refusedSyn.counts(refused));
    QVERIFY(!refusedSyn.counts(syn));

    // A duplicate ACK is a pure ACK, whatever kind was named.
    const Expectation duplicates = Expectation::sends(LabEnd::serverEnd(1), Seg::Any, 2, Counted::DuplicateAcks);
    QCOMPARE(duplicates.segment, Seg::Ack);
    QCOMPARE(duplicates.describe(), QStringLiteral("server end of client #1 sends duplicate ACKs (2 at least)"));
    QCOMPARE(Expectation::sends(LabEnd::serverEnd(1), Seg::Ack, 1, Counted::DuplicateAcks).describe(),
             QStringLiteral("server end of client #1 sends a duplicate ACK"));
    QVERIFY(duplicates.counts(duplicate));
    QVERIFY(!duplicates.counts(ack) && !duplicates.counts(data));

    QCOMPARE(Expectation::sends(LabEnd::client(2), Seg::Data).describe(), QStringLiteral("client #2 sends data"));
    QCOMPARE(Expectation::sends(LabEnd::client(2), Seg::Any, 4).describe(), QStringLiteral("client #2 sends 4 segments"));
    QVERIFY(Expectation::sends(LabEnd::client(2), Seg::Data).counts(data));
    QVERIFY(!Expectation::sends(LabEnd::client(2), Seg::Ack).counts(data));
}

void TestScenarios::shouldCountEachSegmentOfTheLabsEndsOnceThoughMarkedLate()
{
    // Segments handed to the runner as the live session hands them, without a capture: which
    // end sent each is told by its endpoints, and a rule's mark that comes after the segment
    // counts it as stopped, not as a second segment.
    using Seg = WireRule::Kind;
    using Counted = Expectation::Counted;
    Lab lab;
    ScenarioRunner runner(&lab);
    Scenario scenario;
    scenario.name = QStringLiteral("segments");
    scenario.steps = [](const ScenarioConfig &) {
        return QList<ScenarioStep>{ScenarioStep{
            QStringLiteral("A listener, and client #1 connects."),
            [](ScenarioContext &c) { return c.openListener(8) && c.newClient() == 1 && c.connectClient(1); },
            {Expectation::sends(LabEnd::client(1), Seg::Syn, 2), Expectation::sends(LabEnd::client(1), Seg::Syn, 1, Counted::Dropped),
             Expectation::sends(LabEnd::serverEnd(1), Seg::SynAck)},
            3000, 0}};
    };
    ScenarioConfig config;
    config.port = 0;
    const qint64 beforeLoad = steadyNowNs();
    runner.load(scenario, config);
    runner.step();
    QCOMPARE(runner.status(), ScenarioRunner::Status::Waiting);
    const Endpoint client = lab.sockets().last().local;
    const Endpoint server = ScenarioContext(lab, config).serverEndpoint();
    QVERIFY(client.port != 0);
    const auto segment = [](const Endpoint &from, const Endpoint &to, SegmentFlags flags, qint64 atNs) {
        WireSegment w;
        w.segment.source = from;
        w.segment.destination = to;
        w.segment.flags = flags;
        w.steadyNs = atNs;
        return w;
    };
    Endpoint serverPort = server;
    serverPort.port = runner.port();
    const auto met = [&runner] {
        QStringList out;
        for (const ScenarioRunner::Outcome &o : runner.outcomes()) {
            if (o.met)
                out << o.expectation.describe();
        }
        return out;
    };

    runner.observeSegment(segment(client, serverPort, SegmentFlag::Syn, beforeLoad)); // an earlier run's
    WireSegment syn = segment(client, serverPort, SegmentFlag::Syn, steadyNowNs());
    runner.observeSegment(syn);
    QCOMPARE(met(), QStringList());
    syn.stoppedBy = 1;
    syn.stoppingRule = QStringLiteral("drop syn");
    runner.observeSegment(syn); // the same SYN, marked after it was reported
    QCOMPARE(met(), QStringList{QStringLiteral("client #1's SYN dropped on the wire")});
    Endpoint stranger = client;
    stranger.port = quint16(client.port + 1);
    runner.observeSegment(segment(stranger, serverPort, SegmentFlag::Syn, steadyNowNs())); // no end of the lab's
    runner.observeSegment(segment(serverPort, client, SegmentFlag::Syn | SegmentFlag::Ack, steadyNowNs()));
    QCOMPARE(met(), QStringList({QStringLiteral("client #1's SYN dropped on the wire"),
                                 QStringLiteral("server end of client #1 sends SYN,ACK")}));
    runner.observeSegment(segment(client, serverPort, SegmentFlag::Syn, steadyNowNs()));
    QCOMPARE(met().size(), 3);
    runner.stop();
}

QTEST_GUILESS_MAIN(TestScenarios)
#include "tst_scenarios.moc"
