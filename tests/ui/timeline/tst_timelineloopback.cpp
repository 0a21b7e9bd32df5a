// SPDX-License-Identifier: GPL-3.0-or-later
// The timeline of a real loopback connection: the lab makes the calls, /proc is polled
// between them, and the two ends' histories and calls become the lanes.
#include "ui/timeline/timelineview.h"
#include "ui/timeline/timelinewidget.h"

#include "core/lab/lab.h"
#include "core/sources/procsource.h"
#include "core/tracking/connectiontracker.h"

#include <QTest>
#include <QTimer>

using namespace sockscope;

namespace {

Endpoint loopback(quint16 port)
{
    return {IpAddress::fromIPv4(0x7f000001), port, QString()};
}

} // namespace

class TestTimelineLoopback : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldDrawBothEndsOfARealConnectionWithTheirCallsAndImpliedSegments();
};

void TestTimelineLoopback::shouldDrawBothEndsOfARealConnectionWithTheirCallsAndImpliedSegments()
{
    Lab lab;
    const int listener = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    QVERIFY(lab.execute(LabCommand::bind(listener, loopback(0))).ok);
    if (!lab.execute(LabCommand::listen(listener, 8)).ok)
        QSKIP("cannot listen on 127.0.0.1");
    const quint16 port = lab.socket(listener)->local.port;

    // Poll the lab's port the way the program does, on a timer, between the calls.
    ProcSource source;
    ConnectionTracker tracker;
    SocketFilter filter;
    filter.port = port;
    QString sourceError;
    QTimer poller;
    poller.setInterval(5);
    connect(&poller, &QTimer::timeout, this, [&] {
        const Snapshot snapshot = source.take(filter);
        if (!snapshot.ok())
            sourceError = snapshot.error;
        tracker.update(snapshot);
    });
    poller.start();

    const int client = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::connect(client, loopback(port)));
    QTRY_VERIFY(lab.socket(client)->connected);
    const quint16 clientPort = lab.socket(client)->local.port;

    // The tracker's history of the connection seen from `local` to `remote`, or nullptr.
    const auto historyOf = [&tracker](quint16 local, quint16 remote) -> const ConnectionHistory * {
        for (quint64 id = 1; id < 10000; ++id) {
            const ConnectionHistory *h = tracker.history(id);
            if (h && h->key.local.port == local && h->key.remote.port == remote)
                return h;
        }
        return nullptr;
    };
    const auto stateOf = [&](quint16 local, quint16 remote) {
        const ConnectionHistory *h = historyOf(local, remote);
        return h && h->alive ? std::optional<TcpState>(h->state()) : std::nullopt;
    };
    QTRY_COMPARE(stateOf(clientPort, port), std::optional<TcpState>(TcpState::Established));
    QTRY_COMPARE(stateOf(port, clientPort), std::optional<TcpState>(TcpState::Established));

    const Lab::Result accepted = lab.execute(LabCommand::accept(listener));
    QVERIFY(accepted.ok);
    lab.execute(LabCommand::shutdownWrite(client));
    QTRY_COMPARE(stateOf(clientPort, port), std::optional<TcpState>(TcpState::FinWait2));
    QTRY_COMPARE(stateOf(port, clientPort), std::optional<TcpState>(TcpState::CloseWait));
    lab.execute(LabCommand::close(accepted.socketId));
    QTRY_COMPARE(stateOf(clientPort, port), std::optional<TcpState>(TcpState::TimeWait));
    QTRY_VERIFY(historyOf(port, clientPort) && !historyOf(port, clientPort)->alive);
    poller.stop();
    QVERIFY2(sourceError.isEmpty(), qPrintable(sourceError));

    // Each kernel row belongs to its lab socket; the lane carries that socket's calls.
    const auto laneOf = [&lab](const ConnectionHistory &h, bool clientSide) {
        TimelineLane lane;
        const RowRole role = lab.identify(h.latest);
        lane.label = lab.socket(role.socketId) ? lab.socket(role.socketId)->label() : h.key.toString();
        lane.history = h;
        lane.clientSide = clientSide;
        for (const LabCall &call : lab.calls()) {
            if (call.socketId == role.socketId)
                lane.calls.append(call);
        }
        return lane;
    };
    const TimelineLane clientLane = laneOf(*historyOf(clientPort, port), true);
    const TimelineLane serverLane = laneOf(*historyOf(port, clientPort), false);
    QCOMPARE(clientLane.label, QStringLiteral("client #1"));
    QCOMPARE(serverLane.label, QStringLiteral("accepted #1"));

    TimelineWidget w;
    w.resize(1000, 300);
    w.show();
    w.setNow(steadyNowNs());
    w.setLanes({clientLane, serverLane});

    QCOMPARE(w.laneCount(), 2);
    // Every observed state is drawn, in order. A poll may also catch a transient state
    // (FIN_WAIT1 until the peer's ACK; on this kernel it often lasts a few ms), which changes
    // the path but not the segments it implies.
    const auto observed = [](const TimelineLane &lane) {
        QList<TcpState> states;
        for (const StateSpan &s : lane.history.spans)
            states.append(s.state);
        return states;
    };
    const auto stable = [](QList<TcpState> states) {
        states.removeIf([](TcpState s) {
            return s == TcpState::SynSent || s == TcpState::SynRecv || s == TcpState::FinWait1 || s == TcpState::LastAck
                || s == TcpState::Closing;
        });
        return states;
    };
    QCOMPARE(w.laneStates(0), observed(clientLane));
    QCOMPARE(w.laneStates(1), observed(serverLane));
    QCOMPARE(stable(w.laneStates(0)), (QList<TcpState>{TcpState::Established, TcpState::FinWait2, TcpState::TimeWait}));
    QCOMPARE(stable(w.laneStates(1)), (QList<TcpState>{TcpState::Established, TcpState::CloseWait}));
    // socket(), connect() and its completion, shutdown(); the accepted socket's close()
    QStringList clientCalls;
    for (const LabCall &c : clientLane.calls)
        clientCalls.append(c.name());
    QCOMPARE(clientCalls, (QStringList{QStringLiteral("socket"), QStringLiteral("connect"), QStringLiteral("connect"),
                                       QStringLiteral("shutdown")}));
    QCOMPARE(w.callMarkerCount(0), 4);
    QCOMPARE(w.callMarkerCount(1), 1);
    QCOMPARE(w.impliedSegments(), (QStringList{
                                      QStringLiteral("client #1 -> accepted #1: SYN"),
                                      QStringLiteral("accepted #1 -> client #1: SYN,ACK"),
                                      QStringLiteral("client #1 -> accepted #1: ACK"),
                                      QStringLiteral("client #1 -> accepted #1: FIN"),
                                      QStringLiteral("accepted #1 -> client #1: ACK"),
                                      QStringLiteral("accepted #1 -> client #1: FIN"),
                                      QStringLiteral("client #1 -> accepted #1: ACK"),
                                  }));
    // The client is still in TIME_WAIT: its last span is live and reaches the live edge.
    QVERIFY(w.isLive());
    const qint64 later = steadyNowNs() + 1000000000;
    w.setNow(later);
    QCOMPARE(w.view()->plan().lanes()[0].intervals.last().endNs, later);
    // every implied segment lies in the window between the polls around its change
    for (const TimelinePlan::Segment &s : w.view()->plan().segments())
        QVERIFY(s.change.windowStartNs <= s.change.windowEndNs);

    const QByteArray dir = qgetenv("SOCKSCOPE_SCREENSHOT_DIR");
    if (!dir.isEmpty())
        w.grab().save(QString::fromLocal8Bit(dir) + QStringLiteral("/timeline-loopback.png"));
    lab.execute(LabCommand::close(client));
}

QTEST_MAIN(TestTimelineLoopback)
#include "tst_timelineloopback.moc"
