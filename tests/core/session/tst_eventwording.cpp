// SPDX-License-Identifier: GPL-3.0-or-later
// The event log's reasons come from what the kernel's table shows, on real loopback sockets.
#include "core/session/eventwording.h"
#include "core/tcp/stateexplainer.h"
#include "core/sources/procsource.h"

#include <QTest>

using namespace sockscope;

namespace {

Endpoint loopback(quint16 port)
{
    return {IpAddress::fromIPv4(0x7f000001), port, QString()};
}

int openListener(Lab &lab, int backlog, const QList<std::pair<LabOption, int>> &options = {})
{
    const int id = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    for (const auto &[option, value] : options)
        lab.execute(LabCommand::setOption(id, option, value));
    lab.execute(LabCommand::bind(id, loopback(0)));
    lab.execute(LabCommand::listen(id, backlog));
    return id;
}

int connectClient(Lab &lab, quint16 port, const QList<std::pair<LabOption, int>> &options = {})
{
    const int id = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    for (const auto &[option, value] : options)
        lab.execute(LabCommand::setOption(id, option, value));
    lab.execute(LabCommand::connect(id, loopback(port)));
    return id;
}

// Polls the port into the session until the connection of `socketId` is in `state`; its id.
quint64 waitFor(Session &session, const Lab &lab, quint16 port, int socketId, TcpState state)
{
    quint64 found = 0;
    (void)QTest::qWaitFor([&] {
        SocketFilter filter;
        filter.port = port;
        session.apply(ProcSource().take(filter));
        for (quint64 id : session.connections().liveIds()) {
            const ConnectionHistory *h = session.connections().history(id);
            if (h->state() == state && lab.identify(h->latest).socketId == socketId)
                found = id;
        }
        return found != 0;
    }, 5000);
    return found;
}

} // namespace

class TestEventWording : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldSayASynIsDroppedBecauseTheQueueIsFull();
    void shouldSayADeferredAcceptHoldsSynRecv();
    void shouldSayAQueuedConnectionWaitsForAccept();
    void shouldWordTransitions();
};

void TestEventWording::shouldSayASynIsDroppedBecauseTheQueueIsFull()
{
    Lab lab;
    Session session(&lab);
    const int listener = openListener(lab, 0);
    const quint16 port = lab.socket(listener)->local.port;
    const int first = connectClient(lab, port); // takes the only place in the queue
    QVERIFY(waitFor(session, lab, port, first, TcpState::Established));
    const int second = connectClient(lab, port, {{LabOption::SynRetries, 2}});
    const quint64 id = waitFor(session, lab, port, second, TcpState::SynSent);
    QVERIFY(id != 0);
    const QString why = EventWording::reason(session, id);
    QVERIFY2(why.contains(QStringLiteral("the server's accept queue is full (1 completed connection(s) waiting, listen(0))")),
             qPrintable(why));
}

void TestEventWording::shouldSayADeferredAcceptHoldsSynRecv()
{
    Lab lab;
    Session session(&lab);
    const int listener = openListener(lab, 8, {{LabOption::DeferAccept, 5}});
    const quint16 port = lab.socket(listener)->local.port;
    connectClient(lab, port);
    quint64 id = 0;
    QTRY_VERIFY([&] {
        SocketFilter filter;
        filter.port = port;
        session.apply(ProcSource().take(filter));
        for (quint64 each : session.connections().liveIds()) {
            if (session.roleOf(each).kind == RowRole::Kind::Handshaking)
                id = each;
        }
        return id != 0;
    }());
    QCOMPARE(EventWording::reason(session, id),
             QStringLiteral("the listener has TCP_DEFER_ACCEPT 5 s: its kernel ignores the final ACK until data arrives"));
}

void TestEventWording::shouldSayAQueuedConnectionWaitsForAccept()
{
    Lab lab;
    Session session(&lab);
    const int listener = openListener(lab, 8);
    const quint16 port = lab.socket(listener)->local.port;
    connectClient(lab, port);
    quint64 id = 0;
    QTRY_VERIFY([&] {
        SocketFilter filter;
        filter.port = port;
        session.apply(ProcSource().take(filter));
        for (quint64 each : session.connections().liveIds()) {
            if (session.roleOf(each).kind == RowRole::Kind::Queued)
                id = each;
        }
        return id != 0;
    }());
    QVERIFY(EventWording::reason(session, id).startsWith(QStringLiteral("the kernel completed the handshake")));
    // once accepted, that reason no longer holds
    lab.execute(LabCommand::accept(listener));
    SocketFilter filter;
    filter.port = port;
    session.apply(ProcSource().take(filter));
    QCOMPARE(EventWording::reason(session, id), QString());
}

void TestEventWording::shouldWordTransitions()
{
    Session session(nullptr);
    ConnectionEvent e;
    e.kind = ConnectionEvent::Kind::StateChanged;
    e.from = TcpState::Established;
    e.to = TcpState::FinWait2;
    e.msInFrom = 312;
    e.key.local = loopback(40000);
    e.key.remote = loopback(8000);
    QCOMPARE(EventWording::transition(session, e),
             QStringLiteral("ESTABLISHED → FIN_WAIT2 after 312 ms in ESTABLISHED  (127.0.0.1:40000 127.0.0.1:8000) — ")
                 + StateExplainer::meaning(TcpState::FinWait2));
    e.kind = ConnectionEvent::Kind::Vanished;
    e.to.reset();
    QCOMPARE(EventWording::transition(session, e),
             QStringLiteral("left the kernel's table after 312 ms in ESTABLISHED  (127.0.0.1:40000 127.0.0.1:8000)"));
}

QTEST_GUILESS_MAIN(TestEventWording)
#include "tst_eventwording.moc"
