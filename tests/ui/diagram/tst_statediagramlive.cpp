// SPDX-License-Identifier: GPL-3.0-or-later
// The diagram fed with real histories: a lab connection on 127.0.0.1 goes through connect,
// accept and close while /proc is polled and tracked, and the widget shows each end where the
// kernel says it is.
#include "ui/diagram/statediagramwidget.h"

#include "core/lab/lab.h"
#include "core/sources/procsource.h"
#include "core/tracking/connectiontracker.h"

#include <QSignalSpy>
#include <QTest>

using namespace sockscope;
using S = TcpState;

namespace {

Endpoint loopback(quint16 port)
{
    return {IpAddress::fromIPv4(0x7f000001), port, QString()};
}

} // namespace

class TestStateDiagramLive : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldFollowARealConnectionThroughConnectAcceptAndClose();

private:
    void poll();
    // The tracker's connection with these ports, live or (if `vanished`) gone; 0 if none.
    quint64 findConnection(quint16 localPort, quint16 remotePort) const;
    QList<StateDiagramWidget::End> ends() const;
    // Polls until the client end and the server end are in these states (nullopt: gone).
    bool reached(std::optional<S> client, std::optional<S> server);

    ProcSource m_source;
    ConnectionTracker m_tracker;
    SocketFilter m_filter;
    quint64 m_clientId = 0;
    quint64 m_serverId = 0;
};

void TestStateDiagramLive::poll()
{
    const Snapshot snapshot = m_source.take(m_filter);
    QVERIFY2(snapshot.ok(), qPrintable(snapshot.error));
    m_tracker.update(snapshot);
}

quint64 TestStateDiagramLive::findConnection(quint16 localPort, quint16 remotePort) const
{
    for (quint64 id : m_tracker.liveIds()) {
        const ConnectionHistory *h = m_tracker.history(id);
        if (h->key.local.port == localPort && h->key.remote.port == remotePort)
            return id;
    }
    return 0;
}

QList<StateDiagramWidget::End> TestStateDiagramLive::ends() const
{
    return {{*m_tracker.history(m_clientId), QStringLiteral("client #1"), true, {}},
            {*m_tracker.history(m_serverId), QStringLiteral("accepted #1"), false, {}}};
}

bool TestStateDiagramLive::reached(std::optional<S> client, std::optional<S> server)
{
    poll();
    const auto matches = [this](quint64 id, std::optional<S> want) {
        const ConnectionHistory *h = m_tracker.history(id);
        return want ? h->alive && h->state() == *want : !h->alive;
    };
    return matches(m_clientId, client) && matches(m_serverId, server);
}

void TestStateDiagramLive::shouldFollowARealConnectionThroughConnectAcceptAndClose()
{
    Lab lab;
    const int listener = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    QVERIFY(lab.execute(LabCommand::bind(listener, loopback(0))).ok);
    QVERIFY(lab.execute(LabCommand::listen(listener, 4)).ok);
    const quint16 port = lab.socket(listener)->local.port;
    m_filter.port = port;
    poll();

    const int client = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::connect(client, loopback(port)));
    QTRY_VERIFY(lab.socket(client)->connected);
    const quint16 clientPort = lab.socket(client)->local.port;
    QTRY_VERIFY((poll(), findConnection(clientPort, port) && findConnection(port, clientPort)));
    m_clientId = findConnection(clientPort, port);
    m_serverId = findConnection(port, clientPort);

    StateDiagramWidget widget;
    widget.setTokenSpeed(5000);
    QSignalSpy finished(&widget, &StateDiagramWidget::animationFinished);

    // The kernel completed the handshake before accept(): both ends ESTABLISHED already.
    QTRY_VERIFY(reached(S::Established, S::Established));
    widget.showConnection(ends());
    QCOMPARE(widget.highlightedState(0), S::Established);
    QCOMPARE(widget.highlightedState(1), S::Established);
    QVERIFY(widget.observedStates(0).contains(S::Established));
    // however the handshake went, the client came from CLOSED and the server end from LISTEN
    QVERIFY(widget.passedNotObservedStates(0).contains(S::Close));
    QVERIFY(widget.passedNotObservedStates(1).contains(S::Listen));

    const int accepted = lab.execute(LabCommand::accept(listener)).socketId;
    QVERIFY(accepted > 0);

    // The client closes first: FIN_WAIT2 on its end, CLOSE_WAIT on the server end.
    QVERIFY(lab.execute(LabCommand::close(client)).ok);
    QTRY_VERIFY(reached(S::FinWait2, S::CloseWait));
    widget.showConnection(ends());
    QVERIFY(widget.isAnimating());
    QTRY_COMPARE(finished.size(), 1);
    QCOMPARE(widget.highlightedState(0), S::FinWait2);
    QCOMPARE(widget.highlightedState(1), S::CloseWait);
    // FIN_WAIT1 lasts microseconds on loopback: either a poll caught it or the path implies it
    QVERIFY(widget.observedStates(0).contains(S::FinWait1) || widget.passedNotObservedStates(0).contains(S::FinWait1));

    // The server end closes too: the client waits in TIME_WAIT, the server end is gone.
    QVERIFY(lab.execute(LabCommand::close(accepted)).ok);
    QTRY_VERIFY(reached(S::TimeWait, std::nullopt));
    widget.showConnection(ends());
    QTRY_COMPARE(finished.size(), 2);
    QCOMPARE(widget.highlightedState(0), S::TimeWait);
    QCOMPARE(widget.highlightedState(1), S::Close);
    QVERIFY(widget.observedStates(1).contains(S::CloseWait));
    QVERIFY(widget.observedStates(1).contains(S::LastAck) || widget.passedNotObservedStates(1).contains(S::LastAck));
    QVERIFY2(widget.explanationText().contains(QStringLiteral("TIME_WAIT: this end closed first")),
             qPrintable(widget.explanationText()));
}

QTEST_MAIN(TestStateDiagramLive)
#include "tst_statediagramlive.moc"
