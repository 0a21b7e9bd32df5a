// SPDX-License-Identifier: GPL-3.0-or-later
// The sequence diagram's rows and columns, from real frames captured on a private loopback
// (tests/data/capture/lo-ipv4.txt), numbered and named as the live session keeps them, with the
// lab's calls written by hand around them as the lab stamps calls (when they return), and the
// state changes PacketStates proves from the same frames.
#include "core/sequence/sequencelayout.h"
#include "core/sequence/sequencetext.h"

#include "../common/transferfigure.h"

#include <QTest>

#include <cerrno>
#include <limits>

using namespace sockscope;
using namespace sockscope::test;
using namespace sockscope::test::transfer;

namespace {

QStringList statesOf(const Layout &layout, int lifeline)
{
    QStringList out;
    for (const Layout::Band &band : layout.bands()) {
        if (band.lifeline == lifeline)
            out.append(kernelName(band.state));
    }
    return out;
}

const Layout::CallBox *boxOf(const Layout &layout, qsizetype call)
{
    for (const Layout::CallBox &box : layout.calls()) {
        if (box.call == call)
            return &box;
    }
    return nullptr;
}

} // namespace

class TestSequenceLayout : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldCompleteTheHandshakeBeforeALateAccept();
    void shouldDrawEachSegmentFromItsSenderToItsReceiver();
    void shouldFollowTheServersEndFromTheListenerToTheAcceptedSocket();
    void shouldPutACallBeforeTheSegmentsItCaused();
    void shouldSpanAWaitingConnectUntilItFinishes();
    void shouldSpanAWaitingEpollWaitUntilItReturns();
    void shouldPutAnEpollCallOnTheSocketItIsAbout();
    void shouldWordEpollCallsShortly();
    void shouldChangeStatesAtTheRowsOfTheSegmentsThatCausedThem();
    void shouldRenderTheHandshakeAsATextbookFigure();
    void shouldDrawImpliedArrowsWhereNothingWasCaptured();
    void shouldKeepAnImpliedSynAfterItsConnect();
    void shouldMarkAnEndInTheAcceptQueueAsTheKernelsOnly();
    void shouldShowACallThatFailed();
    void shouldDrawToTheMarginWithOneLifeline();
    void shouldDrawNothingForAnEmptyFigure();
    void shouldMarkASegmentAWireRuleStoppedAsLost();
};

void TestSequenceLayout::shouldCompleteTheHandshakeBeforeALateAccept()
{
    const Transfer t;
    const Layout layout = t.layout();
    const int acceptRow = layout.rowOfCall(t.accept);
    QVERIFY(acceptRow >= 0);
    for (qsizetype segment : {0, 1, 2})
        QVERIFY2(layout.rowOfSegment(segment) < acceptRow, qPrintable(QString::number(segment)));
    // The accepted socket's lifeline begins at the SYN, the kernel's only until accept().
    const Layout::Lifeline &line = layout.lifelines()[acceptedLine];
    QCOMPARE(line.firstRow, layout.rowOfSegment(0));
    QCOMPARE(line.acceptedRow, acceptRow);
    QVERIFY(line.kernelOnlyAt(acceptRow - 1));
    QVERIFY(!line.kernelOnlyAt(acceptRow));
    // ESTABLISHED before accept() returns it; the listener itself never left LISTEN.
    const Layout::Band *atAccept = layout.bandAt(acceptedLine, acceptRow);
    QVERIFY(atAccept);
    QCOMPARE(atAccept->state, TcpState::Established);
    QCOMPARE(atAccept->firstRow, layout.rowOfSegment(2));
    QCOMPARE(statesOf(layout, listenerLine), (QStringList{"CLOSE", "LISTEN"}));
    QCOMPARE(layout.bandAt(listenerLine, acceptRow)->state, TcpState::Listen);
}

void TestSequenceLayout::shouldDrawEachSegmentFromItsSenderToItsReceiver()
{
    const Transfer t;
    const Layout layout = t.layout();
    struct Expected
    {
        int from;
        int to;
        const char *label;
    };
    const QList<Expected> expected = {
        {clientLine, listenerLine, "SYN seq=0"},
        {listenerLine, clientLine, "SYN,ACK seq=0 ack=1"},
        {clientLine, listenerLine, "ACK ack=1"},
        {clientLine, acceptedLine, "PSH,ACK seq=1 ack=1 len=300"},
        {acceptedLine, clientLine, "ACK ack=301"},
        {acceptedLine, clientLine, "PSH,ACK seq=1 ack=301 len=200"},
        {clientLine, acceptedLine, "ACK ack=201"},
        {clientLine, acceptedLine, "FIN,ACK seq=301 ack=201"},
        {acceptedLine, clientLine, "ACK ack=302"},
        {acceptedLine, clientLine, "FIN,ACK seq=201 ack=302"},
        {clientLine, acceptedLine, "ACK ack=202"},
    };
    QCOMPARE(layout.arrows().size(), expected.size());
    int previousRow = -1;
    for (qsizetype i = 0; i < expected.size(); ++i) {
        const Layout::Arrow &arrow = layout.arrows()[i];
        QCOMPARE(arrow.segment, i);
        QCOMPARE(arrow.fromLifeline, expected[i].from);
        QCOMPARE(arrow.toLifeline, expected[i].to);
        QCOMPARE(arrow.label, QString::fromLatin1(expected[i].label));
        QVERIFY(arrow.captured);
        // One row each, in capture order: on lo a segment arrives as it leaves.
        QCOMPARE(arrow.fromRow, arrow.toRow);
        QCOMPARE(arrow.fromRow, layout.rowOfSegment(i));
        QVERIFY(arrow.fromRow > previousRow);
        previousRow = arrow.fromRow;
    }
}

void TestSequenceLayout::shouldFollowTheServersEndFromTheListenerToTheAcceptedSocket()
{
    // Names given a moment off: the SYN,ACK already as the accepted socket's, and the server's
    // FIN still as the listener's (a replay of a session whose names were taken late).
    Transfer t;
    QList<WireSegment> &wire = t.wire.wire;
    wire[1].sender = accepted;
    wire[9].sender = listener;
    const Layout layout = t.layout();
    QCOMPARE(layout.arrows()[1].fromLifeline, listenerLine);
    QCOMPARE(layout.arrows()[1].sender, accepted);
    QCOMPARE(layout.arrows()[9].fromLifeline, acceptedLine);
    QCOMPARE(layout.arrows()[9].sender, listener);

    // A second connection still waiting in the listener's queue stays on the listener's lifeline.
    Capture other = capture(QStringLiteral("server-close"), 2, std::numeric_limits<qint64>::max());
    QList<Layout::SegmentSpec> specs = t.wire.specs();
    for (WireSegment w : other.wire.mid(0, 3)) {
        w.steadyNs += ms(400);
        if (w.sender == client)
            w.sender = QStringLiteral("client #2");
        else
            w.receiver = QStringLiteral("client #2");
        specs.append(Layout::SegmentSpec::of(w));
    }
    QList<Layout::LifelineSpec> lifelines = threeLifelines();
    lifelines.append({QStringLiteral("client #2"), {4}, {}});
    const Layout withSecond = Layout::of(lifelines, t.calls.list, specs, t.changes);
    QCOMPARE(withSecond.arrows().size(), 14);
    QCOMPARE(withSecond.arrows()[11].fromLifeline, 3);
    QCOMPARE(withSecond.arrows()[11].toLifeline, listenerLine);
    QCOMPARE(withSecond.arrows()[12].fromLifeline, listenerLine);
}

void TestSequenceLayout::shouldPutACallBeforeTheSegmentsItCaused()
{
    const Transfer t;
    // The lab stamps connect() when it returns, after its SYN (and the SYN,ACK) left.
    QVERIFY(t.calls.list[t.connect].steadyNs > t.wire.at(0));
    const Layout layout = t.layout();
    const int connectRow = layout.rowOfCall(t.connect);
    QCOMPARE(layout.rowOfSegment(0), connectRow + 1);
    QCOMPARE(layout.rowOfSegment(1), connectRow + 2);
    QCOMPARE(layout.rowOfSegment(2), connectRow + 3);
    QCOMPARE(layout.rowOfCall(t.connected), connectRow + 4);
    for (const auto &[call, segment] : {std::pair(t.clientSend, 3), std::pair(t.shutdown, 7), std::pair(t.serverClose, 9)}) {
        QVERIFY(t.calls.list[call].steadyNs > t.wire.at(segment));
        QCOMPARE(layout.rowOfSegment(segment), layout.rowOfCall(call) + 1);
    }
    // The kernel's answers keep their own time: the ACK of the data after the call too.
    QCOMPARE(layout.rowOfSegment(4), layout.rowOfSegment(3) + 1);
}

void TestSequenceLayout::shouldSpanAWaitingConnectUntilItFinishes()
{
    const Transfer t;
    const Layout layout = t.layout();
    const Layout::CallBox *box = boxOf(layout, t.connect);
    QVERIFY(box);
    QCOMPARE(box->lifeline, clientLine);
    QCOMPARE(box->text, QStringLiteral("connect(127.0.0.1:8001) = -1 EINPROGRESS"));
    QVERIFY(box->waits());
    QCOMPARE(box->row, layout.rowOfCall(t.connect));
    QCOMPARE(box->endRow, layout.rowOfCall(t.connected));
    QCOMPARE(box->endCall, t.connected);
    QCOMPARE(box->endText, QStringLiteral("connect() finished: connected"));
    QVERIFY(!box->failed);
    // The handshake happens while it waits; its completion has no box of its own.
    QVERIFY(box->row < layout.rowOfSegment(1) && layout.rowOfSegment(1) < box->endRow);
    QVERIFY(!boxOf(layout, t.connected));
    QCOMPARE(layout.calls().size(), t.calls.list.size() - 1);

    const Layout::CallBox *accept = boxOf(layout, t.accept);
    QVERIFY(accept);
    QCOMPARE(accept->lifeline, listenerLine);
    QCOMPARE(accept->text, QStringLiteral("accept() = 5"));
    QVERIFY(!accept->waits());
    QCOMPARE(accept->endRow, accept->row);

    QStringList serverTexts;
    for (const Layout::CallBox &b : layout.calls()) {
        if (b.lifeline == acceptedLine)
            serverTexts.append(b.text);
    }
    QCOMPARE(serverTexts, (QStringList{"recv(up to 1000 bytes) = 300", "send(200 bytes) = 200",
                                       "recv(up to 1000 bytes) = 0 (EOF)", "close() = 0"}));
}

namespace {

constexpr int epollId = 9;

// The transfer's server as an epoll server: epoll #1 watches the listener, then accepted #1;
// each epoll_wait() waits until the kernel has something.
struct EpollTransfer : Transfer
{
    qsizetype create = 0, addListener = 0, firstWait = 0, woken = 0, addAccepted = 0, secondWait = 0, readable = 0;

    static LabCall::Ready ready(int socket, quint32 events) { return {socket, labelOf(socket), events}; }

    qsizetype epollCall(qint64 atNs, Kind kind, int socket = epollId)
    {
        const qsizetype i = calls.add(atNs, socket, kind);
        calls[i].epollId = epollId;
        calls[i].epollLabel = QStringLiteral("epoll #1");
        if (socket == epollId)
            calls[i].socketLabel = calls[i].epollLabel;
        return i;
    }
    qsizetype wait(qint64 atNs, int timeoutMs)
    {
        const qsizetype i = epollCall(atNs, Kind::EpollWait);
        calls[i].value = 8;
        calls[i].timeoutMs = timeoutMs;
        calls[i].waiting = true;
        return i;
    }
    qsizetype completion(qint64 atNs, const QList<LabCall::Ready> &reported)
    {
        const qsizetype i = epollCall(atNs, Kind::EpollWait);
        calls[i].value = 8;
        calls[i].timeoutMs = 10000;
        calls[i].asynchronous = true;
        calls[i].ready = reported;
        calls[i].result = reported.size();
        return i;
    }

    EpollTransfer()
    {
        create = epollCall(originNs - ms(29.7), Kind::EpollCreate);
        calls[create].result = 6;
        addListener = epollCall(originNs - ms(29.6), Kind::EpollCtl, listenerId);
        calls[addListener].events = 0x001; // EPOLLIN
        firstWait = wait(originNs - ms(29.5), 10000);
        woken = completion(wire.at(2) + us(40), {ready(listenerId, 0x001)});
        addAccepted = epollCall(originNs + ms(30.01), Kind::EpollCtl, acceptedId);
        calls[addAccepted].events = 0x001 | 0x2000; // EPOLLIN | EPOLLRDHUP
        secondWait = wait(originNs + ms(30.02), 10000);
        readable = completion(wire.at(3) + us(15), {ready(acceptedId, 0x001)});
        std::stable_sort(calls.list.begin(), calls.list.end(),
                         [](const LabCall &a, const LabCall &b) { return a.steadyNs < b.steadyNs; });
        // the indexes after sorting
        const auto find = [this](qint64 atNs, Kind kind) {
            for (qsizetype i = 0; i < calls.list.size(); ++i) {
                if (calls.list[i].steadyNs == atNs && calls.list[i].kind == kind)
                    return i;
            }
            return qsizetype(-1);
        };
        create = find(originNs - ms(29.7), Kind::EpollCreate);
        addListener = find(originNs - ms(29.6), Kind::EpollCtl);
        firstWait = find(originNs - ms(29.5), Kind::EpollWait);
        woken = find(wire.at(2) + us(40), Kind::EpollWait);
        addAccepted = find(originNs + ms(30.01), Kind::EpollCtl);
        secondWait = find(originNs + ms(30.02), Kind::EpollWait);
        readable = find(wire.at(3) + us(15), Kind::EpollWait);
        connect = find(wire.at(0) + us(5), Kind::Connect);
        accept = find(originNs + ms(30), Kind::Accept);
    }

    // The figure's lifelines: the epoll instance's own calls on the listener's.
    static QList<Layout::LifelineSpec> lifelines()
    {
        return {{client, {clientId}, {}}, {listener, {listenerId, epollId}, {}}, {accepted, {acceptedId}, {}}};
    }
    Layout layout() const { return Layout::of(lifelines(), calls.list, wire.specs(), changes); }
};

} // namespace

void TestSequenceLayout::shouldSpanAWaitingEpollWaitUntilItReturns()
{
    const EpollTransfer t;
    const Layout layout = t.layout();
    QVERIFY(t.firstWait >= 0 && t.woken >= 0 && t.secondWait >= 0 && t.readable >= 0);

    // The server waits on the listener's lifeline through the handshake; the wait returns
    // after the handshake's last segment, reporting the listener readable.
    const Layout::CallBox *box = boxOf(layout, t.firstWait);
    QVERIFY(box);
    QCOMPARE(box->lifeline, listenerLine);
    QCOMPARE(box->text, QStringLiteral("epoll_wait(10000 ms) waits"));
    QVERIFY(box->waits());
    QCOMPARE(box->endCall, t.woken);
    QCOMPARE(box->endRow, layout.rowOfCall(t.woken));
    QCOMPARE(box->endText, QStringLiteral("epoll_wait() = 1: listener EPOLLIN"));
    QVERIFY(!box->failed);
    QVERIFY(box->row < layout.rowOfSegment(0) && layout.rowOfSegment(2) < box->endRow);
    QVERIFY(box->endRow < layout.rowOfCall(t.accept));
    QVERIFY(!boxOf(layout, t.woken)); // the completion has no box of its own

    // The second wait, begun on the listener's lifeline, returns when the data has come.
    const Layout::CallBox *second = boxOf(layout, t.secondWait);
    QVERIFY(second);
    QCOMPARE(second->lifeline, listenerLine);
    QCOMPARE(second->endRow, layout.rowOfCall(t.readable));
    QCOMPARE(second->endText, QStringLiteral("epoll_wait() = 1: accepted #1 EPOLLIN"));
    QVERIFY(second->row < layout.rowOfSegment(3) && layout.rowOfSegment(3) < second->endRow);

    // A wait that never returned spans to the figure's last row.
    EpollTransfer unfinished;
    unfinished.calls.list.removeAt(unfinished.readable);
    const Layout open = unfinished.layout();
    const Layout::CallBox *hanging = boxOf(open, unfinished.secondWait);
    QVERIFY(hanging);
    QCOMPARE(hanging->endCall, -1);
    QCOMPARE(hanging->endRow, open.rowCount() - 1);
    // A connect() still spans as before.
    QCOMPARE(boxOf(layout, t.connect)->endText, QStringLiteral("connect() finished: connected"));
}

void TestSequenceLayout::shouldPutAnEpollCallOnTheSocketItIsAbout()
{
    EpollTransfer t;
    // a wait that does not wait, reporting the accepted socket: on its lifeline
    const qsizetype now = t.epollCall(t.wire.at(7) + us(30), Kind::EpollWait);
    t.calls[now].ready = {EpollTransfer::ready(acceptedId, 0x001 | 0x2000)};
    t.calls[now].result = 1;
    t.calls[now].value = 8;
    const Layout layout = t.layout();
    QCOMPARE(boxOf(layout, t.create)->lifeline, listenerLine);
    QCOMPARE(boxOf(layout, t.create)->text, QStringLiteral("epoll_create1(EPOLL_CLOEXEC) = 6"));
    QCOMPARE(boxOf(layout, t.addListener)->lifeline, listenerLine);
    QCOMPARE(boxOf(layout, t.addAccepted)->lifeline, acceptedLine);
    QCOMPARE(boxOf(layout, t.addAccepted)->text, QStringLiteral("epoll_ctl(ADD, accepted #1, EPOLLIN|EPOLLRDHUP) = 0"));
    const Layout::CallBox *reported = boxOf(layout, now);
    QVERIFY(reported);
    QCOMPARE(reported->lifeline, acceptedLine);
    QCOMPARE(reported->text, QStringLiteral("epoll_wait() = 1: accepted #1 EPOLLIN|EPOLLRDHUP"));
    QVERIFY(!reported->waits());

    // Without the instance on a lifeline, its calls about no drawn socket are left out.
    const Layout plain = Layout::of(threeLifelines(), t.calls.list, t.wire.specs(), t.changes);
    QCOMPARE(plain.rowOfCall(t.create), -1);
    QCOMPARE(plain.rowOfCall(t.firstWait), -1);
    QVERIFY(plain.rowOfCall(t.addListener) >= 0); // epoll_ctl() is on its socket
    QVERIFY(plain.rowOfCall(now) >= 0);           // a report of a drawn socket is on it
}

void TestSequenceLayout::shouldWordEpollCallsShortly()
{
    LabCall ctl;
    ctl.kind = Kind::EpollCtl;
    ctl.socketLabel = accepted;
    ctl.epollLabel = QStringLiteral("epoll #1");
    ctl.epollOp = EpollOp::Add;
    ctl.events = 0x001 | 0x2000;
    QCOMPARE(Layout::callText(ctl), QStringLiteral("epoll_ctl(ADD, accepted #1, EPOLLIN|EPOLLRDHUP) = 0"));
    ctl.error = EEXIST;
    ctl.result = -1;
    QCOMPARE(Layout::callText(ctl), QStringLiteral("epoll_ctl(ADD, accepted #1, EPOLLIN|EPOLLRDHUP) = -1 EEXIST"));
    ctl.error = 0;
    ctl.result = 0;
    ctl.epollOp = EpollOp::Delete;
    ctl.events = 0;
    QCOMPARE(Layout::callText(ctl), QStringLiteral("epoll_ctl(DEL, accepted #1) = 0"));
    ctl.epollOp = EpollOp::Modify;
    ctl.events = 0x004 | (1u << 31); // EPOLLOUT | EPOLLET
    QCOMPARE(Layout::callText(ctl), QStringLiteral("epoll_ctl(MOD, accepted #1, EPOLLOUT|EPOLLET) = 0"));

    LabCall wait;
    wait.kind = Kind::EpollWait;
    wait.socketLabel = QStringLiteral("epoll #1");
    wait.value = 16;
    wait.timeoutMs = -1;
    wait.waiting = true;
    QCOMPARE(Layout::callText(wait), QStringLiteral("epoll_wait(no timeout) waits"));
    wait.waiting = false;
    wait.asynchronous = true;
    wait.timeoutMs = 500;
    QCOMPARE(Layout::callText(wait), QStringLiteral("epoll_wait() = 0: timed out"));
    wait.asynchronous = false;
    QCOMPARE(Layout::callText(wait), QStringLiteral("epoll_wait() = 0"));
    wait.ready = {{1, listener, 0x001}, {3, accepted, 0x001 | 0x008 | 0x010}};
    wait.result = 2;
    QCOMPARE(Layout::callText(wait), QStringLiteral("epoll_wait() = 2: listener EPOLLIN, accepted #1 EPOLLIN|EPOLLERR|EPOLLHUP"));
    wait.ready.clear();
    wait.result = -1;
    wait.error = EBADF;
    QCOMPARE(Layout::callText(wait), QStringLiteral("epoll_wait() = -1 EBADF"));
}

void TestSequenceLayout::shouldChangeStatesAtTheRowsOfTheSegmentsThatCausedThem()
{
    const Transfer t;
    const Layout layout = t.layout();
    QCOMPARE(statesOf(layout, clientLine),
             (QStringList{"CLOSE", "SYN_SENT", "ESTABLISHED", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT"}));
    // No row before its SYN: the accepted end never was the listener's LISTEN.
    QCOMPARE(statesOf(layout, acceptedLine),
             (QStringList{"SYN_RECV", "ESTABLISHED", "CLOSE_WAIT", "LAST_ACK", "CLOSE"}));

    for (const Layout::StateChange &change : t.changes) {
        if (change.segment < 0)
            continue;
        const int row = layout.rowOfSegment(change.segment);
        const Layout::Band *band = layout.bandAt(change.lifeline, row);
        QVERIFY(band);
        QCOMPARE(band->state, change.to);
        QCOMPARE(band->firstRow, row);
        QCOMPARE(band->how, Layout::Known::TimedByPacket);
        // The band before ends on the same row; only the accepted end has none, its lifeline
        // beginning at its SYN.
        const Layout::Band *before = layout.bandAt(change.lifeline, row - 1);
        if (!before && change.lifeline == acceptedLine && change.segment == 0)
            continue;
        QVERIFY(before);
        QCOMPARE(before->state, change.from);
        QCOMPARE(before->lastRow, row);
    }

    // The client's first band starts with its socket(); its last, TIME_WAIT, outlives close().
    const QList<Layout::Band> &bands = layout.bands();
    const auto first = std::find_if(bands.cbegin(), bands.cend(), [](const auto &b) { return b.lifeline == clientLine; });
    QCOMPARE(first->firstRow, layout.lifelines()[clientLine].firstRow);
    QCOMPARE(layout.bandAt(clientLine, layout.rowCount() - 1)->state, TcpState::TimeWait);
    // The accepted end's CLOSE ends it; the listener's LISTEN, seen by a poll, is its own row.
    QCOMPARE(layout.lifelines()[acceptedLine].lastRow, layout.rowOfSegment(10));
    const Layout::Band *listening = layout.bandAt(listenerLine, layout.rowCount() - 1);
    QCOMPARE(listening->how, Layout::Known::SeenByPoll);
    QCOMPARE(layout.rows()[listening->firstRow].kind, Layout::Row::Kind::State);
    QCOMPARE(listening->firstRow, layout.rowOfCall(2) + 1); // after listen()
}

void TestSequenceLayout::shouldRenderTheHandshakeAsATextbookFigure()
{
    // The handshake and the late accept() alone.
    Transfer t;
    const QList<LabCall> calls = t.calls.list.mid(0, t.accept + 1);
    QList<Layout::StateChange> changes;
    for (const Layout::StateChange &c : std::as_const(t.changes)) {
        if (c.segment <= 2)
            changes.append(c);
    }
    const Layout layout = Layout::of(threeLifelines(), calls, t.wire.specs(3), changes);
    const QString expected = QStringLiteral(
        "client #1                                   listener                                    accepted #1\n"
        "                                            | [CLOSE]       socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK) = 3\n"
        "                                            |               bind(127.0.0.1:8001) = 0\n"
        "                                            |               listen(8) = 0\n"
        "                                            | [LISTEN]\n"
        "| (CLOSE)       socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK) = 4\n"
        "|               connect(127.0.0.1:8001) = -1 EINPROGRESS\n"
        "# (SYN_SENT)    -------- SYN seq=0 -------->|                                           : (SYN_RECV)\n"
        "# (ESTABLISHED) <-- SYN,ACK seq=0 ack=1 ----|                                           :\n"
        "#               -------- ACK ack=1 -------->|                                           : (ESTABLISHED)\n"
        "|               connect() finished: connected                                           :\n"
        "|                                           |               accept() = 5                |\n"
        "\n"
        "[STATE] seen by a poll   (STATE) timed by a packet   : the kernel's only, before accept()   # waiting to finish\n");
    const QString text = SequenceText::render(layout, 100);
    if (text != expected)
        qInfo().noquote() << "\n" << text;
    QCOMPARE(text, expected);
}

void TestSequenceLayout::shouldDrawImpliedArrowsWhereNothingWasCaptured()
{
    // No capture (the host's network): polls every 10 ms saw the client in ESTABLISHED at 20 ms,
    // and the server's end, as the accepted socket, at 50 ms. The handshake is implied; the
    // client's SYN_SENT was passed, not observed.
    Calls calls;
    calls[calls.add(ms(1), listenerId, Kind::Listen)].value = 8;
    const qsizetype connect = calls.add(ms(10), clientId, Kind::Connect, -1, EINPROGRESS);
    calls[connect].endpoint = endpoint(8000);
    const qsizetype connected = calls.add(ms(10.2), clientId, Kind::Connect);
    calls[connected].asynchronous = true;
    const qsizetype accept = calls.add(ms(40), listenerId, Kind::Accept, 5);
    calls[accept].createdSocketId = acceptedId;
    const QList<Layout::SegmentSpec> implied = {
        Layout::SegmentSpec::implied(TcpFlag::Syn, client, listener, ms(0), ms(20)),
        Layout::SegmentSpec::implied(TcpFlag::Syn | TcpFlag::Ack, accepted, client, ms(0), ms(20)),
        Layout::SegmentSpec::implied(TcpFlag::Ack, client, accepted, ms(0), ms(20)),
    };
    const QList<Layout::StateChange> changes = {
        {clientLine, TcpState::Close, TcpState::SynSent, ms(20), Layout::Known::PassedNotObserved, 0},
        {clientLine, TcpState::SynSent, TcpState::Established, ms(20), Layout::Known::SeenByPoll, -1},
        {acceptedLine, TcpState::Listen, TcpState::Established, ms(50), Layout::Known::SeenByPoll, -1},
    };
    const Layout layout = Layout::of(threeLifelines(), calls.list, implied, changes);

    QCOMPARE(layout.arrows().size(), 3);
    const QStringList labels = {"SYN", "SYN,ACK", "ACK"};
    for (qsizetype i = 0; i < 3; ++i) {
        const Layout::Arrow &arrow = layout.arrows()[i];
        QVERIFY(!arrow.captured);
        QCOMPARE(arrow.label, labels[i]);
        // Before accept() the server's end is the listener's, whatever the lane called it.
        QCOMPARE(arrow.fromLifeline, i == 1 ? listenerLine : clientLine);
        QCOMPARE(arrow.toLifeline, i == 1 ? clientLine : listenerLine);
    }
    // After the connect() that sent the SYN, in the order given, before the poll that saw them.
    const int connectRow = layout.rowOfCall(connect);
    QCOMPARE(layout.rowOfSegment(0), connectRow + 1);
    QCOMPARE(layout.rowOfSegment(1), connectRow + 2);
    QCOMPARE(layout.rowOfSegment(2), connectRow + 3);
    QVERIFY(layout.rowOfCall(accept) > layout.rowOfSegment(2));
    // The passed state on the implied SYN's row, the seen one at its poll.
    const Layout::Band *synSent = layout.bandAt(clientLine, layout.rowOfSegment(1));
    QCOMPARE(synSent->state, TcpState::SynSent);
    QCOMPARE(synSent->how, Layout::Known::PassedNotObserved);
    QCOMPARE(synSent->firstRow, layout.rowOfSegment(0));
    const Layout::Band *established = layout.bandAt(clientLine, layout.rowCount() - 1);
    QCOMPARE(established->how, Layout::Known::SeenByPoll);
    QCOMPARE(layout.rows()[established->firstRow].kind, Layout::Row::Kind::State);
    QCOMPARE(layout.rows()[established->firstRow].atNs, ms(20));

    const QString text = SequenceText::render(layout, 100);
    QVERIFY2(text.contains(QStringLiteral("(SYN_SENT?)")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("- SYN - ")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("- - -> implied, not captured")), qPrintable(text));
}

void TestSequenceLayout::shouldKeepAnImpliedSynAfterItsConnect()
{
    // A poll stamps its start: one that began at 9.9 ms, before connect() returned at 10 ms,
    // saw the client ESTABLISHED, so the implied handshake's window (9.8 ms, 9.9 ms] ends before
    // the call that sent its SYN. The SYN still comes after connect(), and after socket().
    Calls calls;
    const qsizetype socket = calls.add(ms(5), clientId, Kind::Socket, 4);
    calls[socket].createdSocketId = clientId;
    const qsizetype connect = calls.add(ms(10), clientId, Kind::Connect, -1, EINPROGRESS);
    calls[connect].endpoint = endpoint(8000);
    const QList<Layout::SegmentSpec> implied = {
        Layout::SegmentSpec::implied(TcpFlag::Syn, client, listener, ms(0), ms(9.9)),
        Layout::SegmentSpec::implied(TcpFlag::Syn | TcpFlag::Ack, listener, client, ms(0), ms(9.9)),
        Layout::SegmentSpec::implied(TcpFlag::Ack, client, listener, ms(0), ms(9.9)),
    };
    const QList<Layout::StateChange> changes = {
        {clientLine, TcpState::Close, TcpState::Established, ms(9.9), Layout::Known::SeenByPoll, -1},
    };
    const Layout layout = Layout::of(threeLifelines(), calls.list, implied, changes);
    QCOMPARE(layout.rowOfCall(socket), 0);
    QCOMPARE(layout.rowOfCall(connect), 1);
    QCOMPARE(layout.rowOfSegment(0), 2);
    QCOMPARE(layout.rowOfSegment(1), 3);
    QCOMPARE(layout.rowOfSegment(2), 4);
    // And the poll that saw what they did after them.
    QCOMPARE(layout.bandAt(clientLine, 5)->state, TcpState::Established);
    QCOMPARE(layout.bandAt(clientLine, 5)->firstRow, 5);
}

void TestSequenceLayout::shouldMarkAnEndInTheAcceptQueueAsTheKernelsOnly()
{
    // No accept() yet: the server's end waits in the listener's queue, ESTABLISHED, and no
    // program holds it on any row.
    const Transfer t;
    QList<Layout::LifelineSpec> lifelines = threeLifelines();
    lifelines[acceptedLine] = {QStringLiteral("in accept queue (client #1)"), {}, {}, true};
    QList<LabCall> calls = t.calls.list.mid(0, t.accept);
    const Layout layout = Layout::of(lifelines, calls, t.wire.specs(3), t.changes);
    const Layout::Lifeline &queued = layout.lifelines()[acceptedLine];
    QVERIFY(!queued.isEmpty());
    for (int row = queued.firstRow; row <= queued.lastRow; ++row)
        QVERIFY(queued.kernelOnlyAt(row));
    QVERIFY(!layout.lifelines()[listenerLine].kernelOnlyAt(queued.firstRow));
    // Its segments are the listener's: nothing else holds the port.
    for (const Layout::Arrow &arrow : layout.arrows())
        QVERIFY(arrow.fromLifeline != acceptedLine && arrow.toLifeline != acceptedLine);
    QVERIFY(statesOf(layout, acceptedLine).contains(QStringLiteral("ESTABLISHED")));
}

void TestSequenceLayout::shouldShowACallThatFailed()
{
    // Nothing listens on port 8004: the kernel answers the SYN with RST,ACK.
    const Capture refused =
        capture(QStringLiteral("refused"), 4, 0, {{0, causeOf(clientId, QStringLiteral("connect(127.0.0.1:8004)"))}});
    QCOMPARE(refused.wire.size(), 2);
    Calls calls;
    const qsizetype connect = calls.add(refused.at(0) + us(5), clientId, Kind::Connect, -1, EINPROGRESS);
    calls[connect].endpoint = endpoint(8004);
    const qsizetype finished = calls.add(refused.at(1) + us(20), clientId, Kind::Connect, 0, ECONNREFUSED);
    calls[finished].endpoint = endpoint(8004);
    calls[finished].asynchronous = true;
    const qsizetype send = calls.add(refused.at(1) + ms(5), clientId, Kind::Send, -1, EPIPE);
    calls[send].value = 10;
    const Layout layout =
        Layout::of(threeLifelines(), calls.list, refused.specs(), refused.changesOf(refused.clientEnd, TcpState::Close, clientLine));

    const Layout::CallBox *waited = boxOf(layout, connect);
    QVERIFY(waited);
    QVERIFY(waited->failed);
    QCOMPARE(waited->endRow, layout.rowOfCall(finished));
    QCOMPARE(waited->endText, QStringLiteral("connect() finished: ECONNREFUSED"));
    const Layout::CallBox *failed = boxOf(layout, send);
    QVERIFY(failed);
    QVERIFY(failed->failed);
    QCOMPARE(failed->text, QStringLiteral("send(10 bytes) = -1 EPIPE"));
    // Its direction's first segment without SYN reads seq=1, as in Wireshark.
    QCOMPARE(layout.arrows()[1].label, QStringLiteral("RST,ACK seq=1 ack=1"));
    // The RST ended the end: CLOSE to its last call, not beyond.
    QCOMPARE(statesOf(layout, clientLine), (QStringList{"CLOSE", "SYN_SENT", "CLOSE"}));
    QCOMPARE(layout.bandAt(clientLine, layout.rowOfCall(send))->state, TcpState::Close);
    QCOMPARE(layout.lifelines()[clientLine].lastRow, layout.rowOfCall(send));
}

void TestSequenceLayout::shouldDrawToTheMarginWithOneLifeline()
{
    // The refused connect() with only the client drawn: the port's end has no socket at all,
    // and LiveSession names it by its endpoint.
    Capture refused = capture(QStringLiteral("refused"), 4, 0);
    for (WireSegment &w : refused.wire) {
        if (w.sender == client)
            w.receiver = QStringLiteral("127.0.0.1:8004");
        else
            w.sender = QStringLiteral("127.0.0.1:8004");
    }
    const Layout layout = Layout::of({{client, {clientId}, {}}}, {}, refused.specs(),
                                     refused.changesOf(refused.clientEnd, TcpState::Close, 0));
    QCOMPARE(layout.lifelines().size(), 1);
    QCOMPARE(layout.arrows().size(), 2);
    QCOMPARE(layout.arrows()[0].fromLifeline, 0);
    QCOMPARE(layout.arrows()[0].toLifeline, -1);
    QCOMPARE(layout.arrows()[1].fromLifeline, -1);
    QCOMPARE(layout.arrows()[1].sender, QStringLiteral("127.0.0.1:8004"));
    // No row before the SYN: no band before it.
    QCOMPARE(statesOf(layout, 0), (QStringList{"SYN_SENT", "CLOSE"}));

    const QString expected = QStringLiteral(
        "client #1\n"
        "| (SYN_SENT) -------- SYN seq=0 -------> 127.0.0.1:8004\n"
        "| (CLOSE)    <-- RST,ACK seq=1 ack=1 --- 127.0.0.1:8004\n"
        "\n"
        "(STATE) timed by a packet\n");
    const QString text = SequenceText::render(layout, 60);
    if (text != expected)
        qInfo().noquote() << "\n" << text;
    QCOMPARE(text, expected);
}

void TestSequenceLayout::shouldDrawNothingForAnEmptyFigure()
{
    const Layout nothing = Layout::of({{client, {clientId}, {}}}, {}, {}, {});
    QVERIFY(nothing.isEmpty());
    QVERIFY(nothing.lifelines().first().isEmpty());
    QCOMPARE(SequenceText::render(nothing, 80), QStringLiteral("client #1\n"));
    QCOMPARE(SequenceText::render(Layout(), 80), QString());
    // Calls and segments of sockets the figure does not draw are left out.
    const Transfer t;
    const Layout elsewhere = Layout::of({{QStringLiteral("client #9"), {9}, {}}}, t.calls.list, t.wire.specs(), {});
    QVERIFY(elsewhere.isEmpty());
}

void TestSequenceLayout::shouldMarkASegmentAWireRuleStoppedAsLost()
{
    // The handshake with its first SYN,ACK dropped by a rule ("drop next synack"): the server
    // sends it again a second later, and that one arrives. A SYN a rule refused, answered with
    // a reset, after it.
    const Transfer t;
    QList<WireSegment> wire = t.wire.wire.mid(0, 3);
    wire[1].stoppedBy = 1;
    wire[1].stoppingRule = QStringLiteral("drop next synack");
    WireSegment again = t.wire.wire[1];
    again.steadyNs += ms(1000);
    again.repeat.retransmission = 1;
    again.repeat.sincePreviousNs = ms(1000);
    wire.insert(2, again);
    wire[3].steadyNs += ms(1000);
    WireSegment refused = t.wire.wire[0];
    refused.steadyNs += ms(2000);
    refused.stoppedBy = 2;
    refused.stoppingRule = QStringLiteral("reject syn");
    refused.answeredWithReset = true;
    wire.append(refused);
    QList<Layout::SegmentSpec> specs;
    for (const WireSegment &w : std::as_const(wire))
        specs.append(Layout::SegmentSpec::of(w));
    const Layout layout = Layout::of(threeLifelines(), t.calls.list.mid(0, t.connect + 1), specs, {});

    QCOMPARE(layout.arrows().size(), 5);
    const QList<Layout::Arrow> &arrows = layout.arrows();
    QVERIFY(!arrows[0].lost);
    QVERIFY(arrows[0].stopText.isEmpty());
    QVERIFY(arrows[1].lost);
    QCOMPARE(arrows[1].stopText, QStringLiteral("DROPPED by rule 1 (drop next synack)"));
    // Still drawn from its sender toward its receiver: it was sent, and lost on the way.
    QCOMPARE(arrows[1].fromLifeline, listenerLine);
    QCOMPARE(arrows[1].toLifeline, clientLine);
    QVERIFY(!arrows[2].lost);
    QCOMPARE(arrows[2].label, QStringLiteral("SYN,ACK seq=0 ack=1 (retransmission +1.00 s)"));
    QVERIFY(!arrows[3].lost);
    QVERIFY(arrows[4].lost);
    QCOMPARE(arrows[4].stopText, QStringLiteral("REFUSED by rule 2 (reject syn), answered with RST"));
    // An implied segment is never lost: nothing saw it.
    const Layout implied = Layout::of(threeLifelines(), {}, {Layout::SegmentSpec::implied(TcpFlag::Syn, client, listener, 0, ms(1))}, {});
    QVERIFY(!implied.arrows().first().lost);

    // In text: the arrow ends in an x where its head would be, with what stopped it.
    const QString text = SequenceText::render(layout, 100);
    const QStringList lines = text.split(QLatin1Char('\n'));
    const auto lineWith = [&lines](const QString &words) {
        for (const QString &line : lines) {
            if (line.contains(words))
                return line;
        }
        return QString();
    };
    const QString dropped = lineWith(QStringLiteral("DROPPED by rule 1 (drop next synack)"));
    QVERIFY2(dropped.contains(QStringLiteral("# x--")), qPrintable(text));
    QVERIFY2(dropped.contains(QStringLiteral(" SYN,ACK seq=0 ack=1 DROPPED by rule 1 (drop next synack) --")), qPrintable(text));
    QVERIFY2(!dropped.contains(QLatin1Char('<')), qPrintable(text));
    QVERIFY2(lineWith(QStringLiteral("(retransmission +1.00 s)")).contains(QStringLiteral("<-")), qPrintable(text));
    QVERIFY2(lineWith(QStringLiteral("REFUSED by rule 2")).contains(QStringLiteral("--x")), qPrintable(text));
    QVERIFY2(text.contains(QStringLiteral("---x lost: a wire rule stopped it")), qPrintable(text));
}

QTEST_GUILESS_MAIN(TestSequenceLayout)
#include "tst_sequencelayout.moc"
