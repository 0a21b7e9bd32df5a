// SPDX-License-Identifier: GPL-3.0-or-later
// The wire's scenarios on real sockets in a real private network, through the live session as
// the window and the command line run them: each meets what it expects, and the captured
// segments show what the kernel did, to the millisecond. The host's own ruleset is never
// touched.
#include "core/lab/scenariocatalog.h"
#include "core/live/livesession.h"
#include "core/system/labnetwork.h"
#include "core/wire/wirefilter.h"

#include "../../common/hostruleset.h"

#include <QFile>
#include <QProcess>
#include <QTest>

#include <cerrno>
#include <cmath>
#include <unistd.h>

using namespace sockscope;
using sockscope::test::hostRuleset;

namespace {

constexpr qint64 ms = 1'000'000;
constexpr qint64 second = 1000 * ms;

// The live pipeline in the lab's private network, polling the lab's ports every 20 ms.
struct Wired
{
    LiveSession live;
    ScenarioRunner &runner = *live.runner();

    Wired()
    {
        live.setInterval(20);
        live.setWatchedPorts(QList<quint16>());
    }

    void run(QStringView name, AddressFamily family = AddressFamily::IPv4)
    {
        ScenarioConfig config;
        config.family = family;
        config.port = 8000;
        runner.load(*ScenarioCatalog::find(name), config);
        live.start();
        runner.runAll(0);
    }

    QList<WireSegment> segments()
    {
        live.readWire();
        return live.session()->wireSegments();
    }

    QStringList missing() const
    {
        QStringList out;
        for (const Expectation &e : runner.missing())
            out << e.describe();
        return out;
    }

    std::optional<LabCall> connectResult() const
    {
        const QList<LabCall> calls = live.lab()->calls();
        for (const LabCall &c : calls) {
            if (c.kind == LabCall::Kind::Connect && c.asynchronous)
                return c;
        }
        return std::nullopt;
    }
};

bool fromClient(const WireSegment &w)
{
    return w.segment.destination.port == 8000;
}

bool fromServer(const WireSegment &w)
{
    return w.segment.source.port == 8000;
}

QList<WireSegment> only(const QList<WireSegment> &all, const std::function<bool(const WireSegment &)> &keep)
{
    QList<WireSegment> out;
    std::copy_if(all.cbegin(), all.cend(), std::back_inserter(out), keep);
    return out;
}

QString seconds(qint64 ns)
{
    return QString::number(double(ns) / second, 'f', 3) + QStringLiteral(" s");
}

// net.ipv4.tcp_syn_linear_timeouts in the lab's network: how many SYN retries keep the first
// timeout (1 s) before it doubles. Linux 6.5 brought it, 4 in every new namespace; before
// it, none do.
int synLinearTimeouts(const LabNetwork &network)
{
    const QString path = QStringLiteral("/proc/sys/net/ipv4/tcp_syn_linear_timeouts");
    const QStringList launcher = network.ssLauncher();
    if (!launcher.isEmpty()) {
        QProcess cat;
        cat.start(launcher.first(), launcher.mid(1) + QStringList{QStringLiteral("cat"), path});
        if (cat.waitForFinished(5000) && cat.exitCode() == 0) {
            bool number = false;
            const int value = cat.readAllStandardOutput().trimmed().toInt(&number);
            if (number)
                return value;
        }
    }
    return QFile::exists(path) ? 4 : 0;
}

} // namespace

// The private network with wire rules, capture on or off; a skip saying why where the machine
// has no private network (a setting forbids user namespaces) or no rules (no nft, no nf_tables).
#define SOCKSCOPE_WIRED_OR_SKIP(wired, capturing)                                                      \
    do {                                                                                               \
        QString why_;                                                                                  \
        if (!(wired).live.setNetwork(Network::Private, &why_)) {                                       \
            if (!LabNetwork::whyUnavailable().isEmpty())                                               \
                QSKIP(qPrintable(why_));                                                               \
            QFAIL(qPrintable(QStringLiteral("no private network, and no setting says why: ") + why_)); \
        }                                                                                              \
        if (const QString noWire_ = (wired).live.whyNoWire(); !noWire_.isEmpty())                      \
            QSKIP(qPrintable(QStringLiteral("no wire rules here: ") + noWire_));                       \
        std::unique_ptr<SocketSource> source_ = (wired).live.createSource(u"proc", &why_);             \
        QVERIFY2(source_, qPrintable(why_));                                                           \
        (wired).live.setSource(std::move(source_));                                                    \
        if (capturing)                                                                                 \
            QVERIFY2((wired).live.setCapturing(true, &why_), qPrintable(why_));                        \
    } while (false)

class TestWireScenarios : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldSendTheSynAgainUntilConnectTimesOut();
    void shouldSendTheFinAgainWhenItsAckIsLost();
    void shouldRetransmitLostDataAtOnceAfterADuplicateAck_data();
    void shouldRetransmitLostDataAtOnceAfterADuplicateAck();
    void shouldRefuseTheSynInTheServersName();
    void shouldMeetNoSegmentExpectationWithoutACapture();
    void shouldSayWhyOnThisMachinesLoopback();
    void shouldLeaveTheHostsRulesetAlone();
};

void TestWireScenarios::shouldSendTheSynAgainUntilConnectTimesOut()
{
    Wired w;
    SOCKSCOPE_WIRED_OR_SKIP(w, true);
    const int linear = synLinearTimeouts(*w.live.labNetwork());
    w.run(u"syn-retry");
    QTRY_VERIFY_WITH_TIMEOUT(w.runner.isDone(), 40000);
    QVERIFY2(w.runner.status() == ScenarioRunner::Status::Finished, qPrintable(w.runner.failure()));
    QVERIFY2(w.missing().isEmpty(), qPrintable(w.missing().join(QStringLiteral("; "))));

    const QList<WireSegment> all = w.segments();
    const QList<WireSegment> syns = only(all, [](const WireSegment &s) {
        return fromClient(s) && s.segment.has(SegmentFlag::Syn) && !s.segment.has(SegmentFlag::Ack);
    });
    const std::optional<LabCall> failed = w.connectResult();
    QVERIFY(failed);
    QCOMPARE(failed->error, ETIMEDOUT);
    QVERIFY(!syns.isEmpty());
    const qint64 gaveUpAfter = failed->steadyNs - syns.first().steadyNs;

    // The timeouts: 1 s, kept for the first `linear` retries, then doubling. TCP_SYNCNT 2
    // allows the time of two doubling retries, 1 + 2 + 4 = 7 s: as many SYNs as fit in it.
    QList<qint64> expectedGaps;
    qint64 at = 0;
    for (int retry = 1;; ++retry) {
        const qint64 gap = retry <= linear + 1 ? second : (second << (retry - linear - 1));
        if (at + gap >= 7 * second)
            break;
        at += gap;
        expectedGaps.append(gap);
    }
    QStringList gaps;
    for (qsizetype i = 1; i < syns.size(); ++i)
        gaps << seconds(syns[i].steadyNs - syns[i - 1].steadyNs);
    qInfo("SYN retries (tcp_syn_linear_timeouts %d): gaps %s; connect() failed %s after the first SYN", linear,
          qPrintable(gaps.join(QStringLiteral(", "))), qPrintable(seconds(gaveUpAfter)));

    QCOMPARE(syns.size(), expectedGaps.size() + 1);
    for (qsizetype i = 0; i < syns.size(); ++i) {
        QCOMPARE(syns[i].segment.seq, syns.first().segment.seq); // the same SYN, sent again
        QCOMPARE(syns[i].repeat.retransmission, int(i));
        QVERIFY(!syns[i].wasStopped());
        if (i == 0)
            continue;
        const qint64 gap = syns[i].steadyNs - syns[i - 1].steadyNs;
        const qint64 expected = expectedGaps[i - 1];
        QVERIFY2(gap >= expected * 8 / 10 && gap <= expected * 3 / 2,
                 qPrintable(QStringLiteral("retry %1 came %2 after the one before, not about %3")
                                .arg(i)
                                .arg(seconds(gap), seconds(expected))));
    }
    QVERIFY2(gaveUpAfter >= 6500 * ms && gaveUpAfter <= 8500 * ms, qPrintable(seconds(gaveUpAfter)));

    // Every SYN,ACK before the rule was lifted was dropped: the first, one for each SYN that
    // arrived again, and the server's own timer's.
    const QList<WireSegment> synAcks = only(all, [&](const WireSegment &s) {
        return fromServer(s) && s.segment.has(SegmentFlag::Syn) && s.segment.has(SegmentFlag::Ack)
            && s.steadyNs < failed->steadyNs;
    });
    QVERIFY(synAcks.size() >= syns.size());
    for (const WireSegment &s : synAcks) {
        QCOMPARE(s.stoppedBy, 1);
        QCOMPARE(s.stoppingRule, QStringLiteral("drop synack"));
        QCOMPARE(s.segment.seq, synAcks.first().segment.seq);
        QCOMPARE(s.segment.ack, syns.first().segment.seq + 1);
    }
    // Lifted, the server's next SYN,ACK gets through and the client's kernel answers RST.
    const QList<WireSegment> after = only(all, [&](const WireSegment &s) { return s.steadyNs > failed->steadyNs; });
    const auto lastSynAck = std::find_if(after.cbegin(), after.cend(), [](const WireSegment &s) {
        return fromServer(s) && s.segment.has(SegmentFlag::Syn) && !s.wasStopped();
    });
    QVERIFY(lastSynAck != after.cend());
    const auto reset = std::find_if(lastSynAck, after.cend(), [](const WireSegment &s) {
        return fromClient(s) && s.segment.has(SegmentFlag::Rst);
    });
    QVERIFY(reset != after.cend());
    QCOMPARE(reset->segment.source, syns.first().segment.source);
    w.runner.stop();
}

void TestWireScenarios::shouldSendTheFinAgainWhenItsAckIsLost()
{
    Wired w;
    SOCKSCOPE_WIRED_OR_SKIP(w, true);
    w.run(u"lost-final-ack");
    QTRY_VERIFY_WITH_TIMEOUT(w.runner.isDone(), 20000);
    QVERIFY2(w.runner.status() == ScenarioRunner::Status::Finished, qPrintable(w.runner.failure()));
    QVERIFY2(w.missing().isEmpty(), qPrintable(w.missing().join(QStringLiteral("; "))));

    const QList<WireSegment> all = w.segments();
    const QList<WireSegment> serverFins = only(all, [](const WireSegment &s) {
        return fromServer(s) && s.segment.has(SegmentFlag::Fin);
    });
    QVERIFY(serverFins.size() >= 2);
    QCOMPARE(serverFins[0].repeat.retransmission, 0);
    QCOMPARE(serverFins[1].repeat.retransmission, 1);
    QCOMPARE(serverFins[1].segment.seq, serverFins[0].segment.seq);
    const qint64 resentAfter = serverFins[1].steadyNs - serverFins[0].steadyNs;
    // LAST_ACK's retransmission timer: 200 ms at least (TCP_RTO_MIN), on loopback just that.
    QVERIFY2(resentAfter >= 180 * ms && resentAfter <= 1500 * ms, qPrintable(seconds(resentAfter)));

    // The client's ACKs of that FIN: the first dropped, the second, for the FIN sent again,
    // let through; the same ACK twice.
    const QList<WireSegment> acks = only(all, [&](const WireSegment &s) {
        return fromClient(s) && WireRule::matchesAlone(WireRule::Kind::Ack, s.segment)
            && s.steadyNs >= serverFins[0].steadyNs;
    });
    QCOMPARE(acks.size(), 2);
    QCOMPARE(acks[0].stoppedBy, 1);
    QCOMPARE(acks[0].stoppingRule, QStringLiteral("drop next fin-ack from client"));
    QCOMPARE(acks[0].segment.ack, serverFins[0].segment.seq + 1);
    QVERIFY(!acks[1].wasStopped());
    QVERIFY(acks[1].steadyNs > serverFins[1].steadyNs);
    QCOMPARE(acks[1].segment.ack, acks[0].segment.ack);
    QCOMPARE(acks[1].repeat.duplicateAck, 1);
    const QList<WireSegment> stopped = only(all, [](const WireSegment &s) { return s.wasStopped(); });
    QCOMPARE(stopped.size(), 1);
    qInfo("the server end sent its FIN again %s after the first; the client's ACK of it came %s after that",
          qPrintable(seconds(resentAfter)), qPrintable(seconds(acks[1].steadyNs - serverFins[1].steadyNs)));
    w.runner.stop();
}

void TestWireScenarios::shouldRetransmitLostDataAtOnceAfterADuplicateAck_data()
{
    QTest::addColumn<int>("family");
    QTest::newRow("IPv4") << int(AddressFamily::IPv4);
    QTest::newRow("IPv6") << int(AddressFamily::IPv6);
}

void TestWireScenarios::shouldRetransmitLostDataAtOnceAfterADuplicateAck()
{
    QFETCH(int, family);
    Wired w;
    SOCKSCOPE_WIRED_OR_SKIP(w, true);
    w.run(u"lost-data", AddressFamily(family));
    QTRY_VERIFY_WITH_TIMEOUT(w.runner.isDone(), 20000);
    if (w.runner.status() == ScenarioRunner::Status::Failed && AddressFamily(family) == AddressFamily::IPv6
        && w.runner.failure().contains(QLatin1String("EADDRNOTAVAIL")))
        QSKIP("no IPv6 on the lab's loopback");
    QVERIFY2(w.runner.status() == ScenarioRunner::Status::Finished, qPrintable(w.runner.failure()));
    QVERIFY2(w.missing().isEmpty(), qPrintable(w.missing().join(QStringLiteral("; "))));

    const QList<WireSegment> all = w.segments();
    const QList<WireSegment> dropped = only(all, [](const WireSegment &s) { return s.wasStopped(); });
    QCOMPARE(dropped.size(), 1); // the next data segment, and no other
    const WireSegment lost = dropped.first();
    QVERIFY(fromClient(lost));
    QCOMPARE(lost.segment.payloadLength, 100u);
    QCOMPARE(lost.stoppingRule, QStringLiteral("drop next data from client"));

    // The server end repeats the ACK that asks for the lost bytes, saying with SACK what came
    // after them.
    const auto duplicate = std::find_if(all.cbegin(), all.cend(), [](const WireSegment &s) {
        return fromServer(s) && s.repeat.duplicateAck > 0;
    });
    QVERIFY(duplicate != all.cend());
    QCOMPARE(duplicate->segment.ack, lost.segment.seq);
    QVERIFY(duplicate->segment.options.sackBlockCount >= 1);
    QCOMPARE(duplicate->segment.options.sackBlocks[0].left, lost.segment.seq + 100);

    // The client sends the lost segment again right after that ACK, long before its
    // retransmission timer (200 ms at least) would.
    const auto resent = std::find_if(duplicate, all.cend(), [&lost](const WireSegment &s) {
        return fromClient(s) && s.segment.seq == lost.segment.seq && s.repeat.retransmission > 0;
    });
    QVERIFY(resent != all.cend());
    QVERIFY(!resent->wasStopped());
    const qint64 afterDuplicate = resent->steadyNs - duplicate->steadyNs;
    QVERIFY2(afterDuplicate < 10 * ms, qPrintable(seconds(afterDuplicate)));
    QVERIFY2(resent->repeat.sincePreviousNs < 200 * ms, qPrintable(seconds(resent->repeat.sincePreviousNs)));
    qInfo("retransmitted %.3f ms after the duplicate ACK, %.1f ms after the lost segment",
          double(afterDuplicate) / ms, double(resent->repeat.sincePreviousNs) / ms);
    w.runner.stop();
}

void TestWireScenarios::shouldRefuseTheSynInTheServersName()
{
    Wired w;
    SOCKSCOPE_WIRED_OR_SKIP(w, true);
    w.run(u"rst-on-connect");
    QTRY_VERIFY_WITH_TIMEOUT(w.runner.isDone(), 20000);
    QVERIFY2(w.runner.status() == ScenarioRunner::Status::Finished, qPrintable(w.runner.failure()));
    QVERIFY2(w.missing().isEmpty(), qPrintable(w.missing().join(QStringLiteral("; "))));

    const QList<WireSegment> all = w.segments();
    const auto syn = std::find_if(all.cbegin(), all.cend(), [](const WireSegment &s) {
        return fromClient(s) && s.segment.has(SegmentFlag::Syn);
    });
    QVERIFY(syn != all.cend());
    QCOMPARE(syn->stoppedBy, 1);
    QVERIFY(syn->answeredWithReset);
    const auto reset = std::find_if(syn, all.cend(), [](const WireSegment &s) {
        return fromServer(s) && s.segment.has(SegmentFlag::Rst);
    });
    QVERIFY(reset != all.cend());
    QCOMPARE(reset->segment.destination, syn->segment.source);
    QCOMPARE(reset->segment.ack, syn->segment.seq + 1);
    QVERIFY(!reset->wasStopped());
    // Nothing else: the listener never saw the SYN, so nothing of it answered.
    QCOMPARE(only(all, [](const WireSegment &s) { return fromServer(s); }).size(), 1);
    const std::optional<LabCall> refused = w.connectResult();
    QVERIFY(refused);
    QCOMPARE(refused->error, ECONNREFUSED);
    w.runner.stop();
}

void TestWireScenarios::shouldMeetNoSegmentExpectationWithoutACapture()
{
    Wired w;
    SOCKSCOPE_WIRED_OR_SKIP(w, false);
    QVERIFY(!w.live.isCapturing());
    w.run(u"rst-on-connect");
    QTRY_VERIFY_WITH_TIMEOUT(w.runner.isDone(), 20000);
    // The rule acts all the same, and the kernel's part is seen; what only a capture could
    // show is not taken as seen.
    QCOMPARE(w.runner.status(), ScenarioRunner::Status::Finished);
    QCOMPARE(w.missing(), QStringList({QStringLiteral("client #1's SYN refused on the wire (answered with RST)"),
                                       QStringLiteral("server end of client #1 sends RST")}));
    const std::optional<LabCall> refused = w.connectResult();
    QVERIFY(refused);
    QCOMPARE(refused->error, ECONNREFUSED);
    w.runner.stop();
}

void TestWireScenarios::shouldSayWhyOnThisMachinesLoopback()
{
    Wired w;
    w.live.setSource(SocketSource::create(u"proc"));
    ScenarioConfig config;
    config.port = 0; // the host's port 8000 may be taken
    w.runner.load(*ScenarioCatalog::find(u"rst-on-connect"), config);
    w.live.start();
    w.runner.runAll(0);
    QTRY_VERIFY_WITH_TIMEOUT(w.runner.isDone(), 10000);
    QCOMPARE(w.runner.status(), ScenarioRunner::Status::Failed);
    QVERIFY2(w.runner.failure().startsWith(QLatin1String("step 2 could not be done: ")), qPrintable(w.runner.failure()));
    QVERIFY2(w.runner.failure().contains(QLatin1String("wire rules act on the lab's private network only")),
             qPrintable(w.runner.failure()));
    QVERIFY(w.missing().contains(QStringLiteral("server end of client #1 sends RST")));
    w.runner.stop();
}

void TestWireScenarios::shouldLeaveTheHostsRulesetAlone()
{
    QString why;
    const QString before = hostRuleset(&why);
    if (!why.isEmpty())
        QSKIP(qPrintable(QStringLiteral("cannot compare the host's ruleset: ") + why));
    {
        Wired w;
        SOCKSCOPE_WIRED_OR_SKIP(w, true);
        w.run(u"lost-final-ack"); // a "drop next" and connection tracking
        QTRY_VERIFY_WITH_TIMEOUT(w.runner.isDone(), 20000);
        QCOMPARE(w.runner.status(), ScenarioRunner::Status::Finished);
        QVERIFY(!w.live.activeWireRules().isEmpty()); // the scenario's rule, spent, still listed
        QCOMPARE(hostRuleset(&why), before);
        w.runner.stop();
    }
    QCOMPARE(hostRuleset(&why), before);
}

QTEST_GUILESS_MAIN(TestWireScenarios)
#include "tst_wirescenarios.moc"
