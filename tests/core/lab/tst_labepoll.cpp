// SPDX-License-Identifier: GPL-3.0-or-later
// The lab's epoll instances on real sockets, on this machine's loopback and in the lab's
// private network: each call logged with what the kernel answered, epoll_wait() never
// blocking the thread, and every reported event the kernel's own.
#include "core/lab/lab.h"
#include "core/system/labnetwork.h"

#include "../../common/privatenetwork.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTest>

#include <cerrno>
#include <sys/epoll.h>

using namespace sockscope;

namespace {

Endpoint loopback(quint16 port)
{
    return {IpAddress::fromIPv4(0x7f000001), port, QString()};
}

// The lab under test, on the network the test row names.
struct Bench
{
    LabNetwork network;
    Lab lab;

    int listener = 0;

    // socket + bind to an ephemeral loopback port + listen; returns the listener's id.
    int openListener(int backlog = 8)
    {
        listener = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
        lab.execute(LabCommand::bind(listener, loopback(0)));
        lab.execute(LabCommand::listen(listener, backlog));
        return listener;
    }

    quint16 port() const { return lab.socket(listener)->local.port; }

    int connectClient()
    {
        const int id = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
        lab.execute(LabCommand::connect(id, loopback(port())));
        return id;
    }

    int epoll() { return lab.execute(LabCommand::epollCreate()).socketId; }

    QList<LabCall> waitsOn(int epollId) const
    {
        QList<LabCall> out;
        for (const LabCall &c : lab.calls()) {
            if (c.kind == LabCall::Kind::EpollWait && c.epollId == epollId)
                out.append(c);
        }
        return out;
    }

    // The last call of the lab's log.
    LabCall last() const { return lab.calls().last(); }
};

#define START_BENCH(bench)                                           \
    do {                                                             \
        QFETCH(bool, inPrivateNetwork);                              \
        if (inPrivateNetwork) {                                      \
            SOCKSCOPE_START_PRIVATE_NETWORK_OR_SKIP((bench).network); \
            (bench).lab.setNetwork(&(bench).network);                \
        }                                                            \
    } while (false)

} // namespace

class TestLabEpoll : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldCreateAnEpollInstanceThatIsNoSocket_data() { networks(); }
    void shouldCreateAnEpollInstanceThatIsNoSocket();
    void shouldAddModifyAndDeleteASocket_data() { networks(); }
    void shouldAddModifyAndDeleteASocket();
    void shouldReturnAtOnceWithTimeoutZero_data() { networks(); }
    void shouldReturnAtOnceWithTimeoutZero();
    void shouldWaitWithoutBlockingAndTimeOut_data() { networks(); }
    void shouldWaitWithoutBlockingAndTimeOut();
    void shouldWakeWhenTheAcceptQueueFills_data() { networks(); }
    void shouldWakeWhenTheAcceptQueueFills();
    void shouldReportDataTheFinAndTheHangUp_data() { networks(); }
    void shouldReportDataTheFinAndTheHangUp();
    void shouldReportAResetWithoutTakingItsError_data() { networks(); }
    void shouldReportAResetWithoutTakingItsError();
    void shouldRefuseASecondWait_data() { networks(); }
    void shouldRefuseASecondWait();
    void shouldForgetAClosedSocketAndCloseWithTheLab_data() { networks(); }
    void shouldForgetAClosedSocketAndCloseWithTheLab();

private:
    static void networks()
    {
        QTest::addColumn<bool>("inPrivateNetwork");
        QTest::newRow("host") << false;
        QTest::newRow("private") << true;
    }
};

void TestLabEpoll::shouldCreateAnEpollInstanceThatIsNoSocket()
{
    Bench b;
    START_BENCH(b);
    QSignalSpy calls(&b.lab, &Lab::callMade);
    const Lab::Result created = b.lab.execute(LabCommand::epollCreate());
    QVERIFY(created.ok);
    QVERIFY(created.value >= 0); // the descriptor
    QCOMPARE(calls.size(), 1);
    const LabCall call = calls[0].first().value<LabCall>();
    QCOMPARE(call.kind, LabCall::Kind::EpollCreate);
    QCOMPARE(call.name(), QStringLiteral("epoll_create1"));
    QCOMPARE(call.socketLabel, QStringLiteral("epoll #1"));
    QCOMPARE(call.epollId, created.socketId);
    QCOMPARE(call.result, created.value);
    QVERIFY2(call.toString().startsWith(QStringLiteral("epoll_create1(EPOLL_CLOEXEC) = ")), qPrintable(call.toString()));

    // a descriptor of the lab's, but no socket: no row, no role
    QVERIFY(b.lab.sockets().isEmpty());
    QCOMPARE(b.lab.socket(created.socketId), nullptr);
    QCOMPARE(b.lab.epolls().size(), 1);
    const LabEpoll *e = b.lab.epoll(created.socketId);
    QVERIFY(e && e->open);
    QCOMPARE(e->label(), QStringLiteral("epoll #1"));
    // ids come from the sockets' count
    const int listener = b.openListener();
    QCOMPARE(listener, created.socketId + 1);
    QCOMPARE(b.lab.execute(LabCommand::epollCreate()).socketId, listener + 1);
    QCOMPARE(b.lab.epolls().last().label(), QStringLiteral("epoll #2"));

    QVERIFY(b.lab.execute(LabCommand::close(created.socketId)).ok);
    QCOMPARE(b.last().kind, LabCall::Kind::Close);
    QCOMPARE(b.last().socketLabel, QStringLiteral("epoll #1"));
    QVERIFY(!b.lab.epoll(created.socketId)->open);
    QVERIFY(b.lab.socket(listener)->open); // closing the epoll leaves the socket alone
    QVERIFY(!b.lab.execute(LabCommand::close(created.socketId)).ok);
    QVERIFY(b.last().notCalled);
    QVERIFY(!b.lab.execute(LabCommand::epollWait(created.socketId)).ok);
    QVERIFY(b.last().notCalled);
    QCOMPARE(b.last().detail, QStringLiteral("not called: epoll #1 is already closed"));
}

void TestLabEpoll::shouldAddModifyAndDeleteASocket()
{
    Bench b;
    START_BENCH(b);
    const int listener = b.openListener();
    const int epoll = b.epoll();

    QVERIFY(b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN)).ok);
    LabCall add = b.last();
    QCOMPARE(add.kind, LabCall::Kind::EpollCtl);
    QCOMPARE(add.socketId, listener); // drawn on the socket it registers
    QCOMPARE(add.socketLabel, QStringLiteral("listener"));
    QCOMPARE(add.epollId, epoll);
    QCOMPARE(add.epollLabel, QStringLiteral("epoll #1"));
    QCOMPARE(add.argumentsText(), QStringLiteral("epoll #1, EPOLL_CTL_ADD, listener, EPOLLIN"));
    QCOMPARE(add.result, 0);
    QVERIFY2(add.detail.contains(QStringLiteral("accept queue")), qPrintable(add.detail));
    QCOMPARE(b.lab.epoll(epoll)->interest.value(listener), quint32(EPOLLIN));

    // the kernel refuses a second ADD, and a MOD or DEL of what it does not watch
    QVERIFY(!b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN)).ok);
    QCOMPARE(b.last().error, EEXIST);
    QVERIFY(b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Modify, listener, EPOLLIN | EPOLLET)).ok);
    QCOMPARE(b.last().argumentsText(), QStringLiteral("epoll #1, EPOLL_CTL_MOD, listener, EPOLLIN|EPOLLET"));
    QCOMPARE(b.lab.epoll(epoll)->interest.value(listener), quint32(EPOLLIN | EPOLLET));
    QVERIFY(b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Delete, listener)).ok);
    QCOMPARE(b.last().argumentsText(), QStringLiteral("epoll #1, EPOLL_CTL_DEL, listener"));
    QVERIFY(b.lab.epoll(epoll)->interest.isEmpty());
    QVERIFY(!b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Delete, listener)).ok);
    QCOMPARE(b.last().error, ENOENT);
    QVERIFY(!b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Modify, listener, EPOLLIN)).ok);
    QCOMPARE(b.last().error, ENOENT);

    // never on a closed socket or a closed epoll
    b.lab.execute(LabCommand::close(listener));
    QVERIFY(!b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN)).ok);
    QVERIFY(b.last().notCalled);
    const int client = b.lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    b.lab.execute(LabCommand::close(epoll));
    QVERIFY(!b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, client, EPOLLOUT)).ok);
    QVERIFY(b.last().notCalled);
}

void TestLabEpoll::shouldReturnAtOnceWithTimeoutZero()
{
    Bench b;
    START_BENCH(b);
    const int listener = b.openListener();
    const int epoll = b.epoll();
    b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN));
    QSignalSpy calls(&b.lab, &Lab::callMade);
    const Lab::Result r = b.lab.execute(LabCommand::epollWait(epoll, 8, 0));
    QVERIFY(r.ok);
    QCOMPARE(r.value, 0);
    QCOMPARE(calls.size(), 1);
    const LabCall wait = b.last();
    QCOMPARE(wait.kind, LabCall::Kind::EpollWait);
    QCOMPARE(wait.socketLabel, QStringLiteral("epoll #1"));
    QCOMPARE(wait.result, 0);
    QVERIFY(!wait.waiting);
    QVERIFY(wait.ready.isEmpty());
    QCOMPARE(wait.argumentsText(), QStringLiteral("epoll #1, 8 events, 0 ms"));
    QVERIFY(!b.lab.epoll(epoll)->waiting);
    QTest::qWait(50);
    QCOMPARE(calls.size(), 1); // nothing follows a call that did not wait
}

void TestLabEpoll::shouldWaitWithoutBlockingAndTimeOut()
{
    Bench b;
    START_BENCH(b);
    const int listener = b.openListener();
    const int epoll = b.epoll();
    b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN));
    QElapsedTimer clock;
    clock.start();
    const Lab::Result r = b.lab.execute(LabCommand::epollWait(epoll, 8, 300));
    QVERIFY(clock.elapsed() < 250); // logged at once: the thread did not wait
    QVERIFY(r.ok);
    const LabCall waiting = b.last();
    QVERIFY(waiting.waiting);
    QVERIFY(!waiting.asynchronous);
    QVERIFY2(waiting.toString().contains(QStringLiteral(" waits")), qPrintable(waiting.toString()));
    QVERIFY(b.lab.epoll(epoll)->waiting);

    QTRY_COMPARE_WITH_TIMEOUT(b.waitsOn(epoll).size(), 2, 5000);
    const LabCall done = b.waitsOn(epoll).last();
    QVERIFY(done.asynchronous);
    QCOMPARE(done.result, 0);
    QVERIFY(done.ready.isEmpty());
    QCOMPARE(done.timeoutMs, 300);
    QVERIFY2(done.toString().contains(QStringLiteral("timeout ran out")), qPrintable(done.toString()));
    // ≈ the timeout: a coarse timer may fire a little early, never much
    QVERIFY2(clock.elapsed() >= 250, qPrintable(QString::number(clock.elapsed())));
    QVERIFY(!b.lab.epoll(epoll)->waiting);
}

void TestLabEpoll::shouldWakeWhenTheAcceptQueueFills()
{
    Bench b;
    START_BENCH(b);
    const int listener = b.openListener();
    const int epoll = b.epoll();
    b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN));
    b.lab.execute(LabCommand::epollWait(epoll, 8, 10000));
    QVERIFY(b.last().waiting);
    // A client connects: the kernel completes the handshake, the listener's queue holds it,
    // and the waiting call returns.
    b.connectClient();
    QTRY_COMPARE_WITH_TIMEOUT(b.waitsOn(epoll).size(), 2, 5000);
    const LabCall woken = b.waitsOn(epoll).last();
    QVERIFY(woken.asynchronous);
    QCOMPARE(woken.result, 1);
    QCOMPARE(woken.ready.size(), 1);
    QCOMPARE(woken.ready[0].socketId, listener);
    QCOMPARE(woken.ready[0].socketLabel, QStringLiteral("listener"));
    QCOMPARE(woken.ready[0].events, quint32(EPOLLIN));
    QCOMPARE(woken.readyText(), QStringLiteral("listener EPOLLIN"));
    // the queue's length as TCP_INFO gives it, and the backlog
    QVERIFY2(woken.detail.contains(QStringLiteral("accept queue holds 1 completed connection (backlog 8)")),
             qPrintable(woken.detail));

    // a second one joins it in the queue
    b.connectClient();
    QTRY_VERIFY_WITH_TIMEOUT(b.lab.execute(LabCommand::epollWait(epoll, 8, 0)).value == 1
                                 && b.last().detail.contains(QStringLiteral("holds 2 completed connections (backlog 8)")),
                             5000);

    // accept() takes one: the listener stays readable, with one left
    b.lab.execute(LabCommand::accept(listener));
    b.lab.execute(LabCommand::epollWait(epoll, 8, 0));
    QCOMPARE(b.last().result, 1);
    QVERIFY2(b.last().detail.contains(QStringLiteral("holds 1 completed connection (backlog 8)")), qPrintable(b.last().detail));
    b.lab.execute(LabCommand::accept(listener));
    b.lab.execute(LabCommand::epollWait(epoll, 8, 0));
    QCOMPARE(b.last().result, 0);
}

namespace {

// epoll_wait() until it returns, waiting up to 5 s for the kernel; the call that returned.
LabCall waitFor(Bench &b, int epoll)
{
    const qsizetype before = b.waitsOn(epoll).size();
    b.lab.execute(LabCommand::epollWait(epoll, 8, 5000));
    if (b.waitsOn(epoll).last().waiting)
        (void)QTest::qWaitFor([&] { return b.waitsOn(epoll).size() > before + 1; }, 6000); // the caller checks what came
    return b.waitsOn(epoll).last();
}

struct Pair
{
    int client = 0;
    int accepted = 0;
};

Pair connectedPair(Bench &b)
{
    b.openListener();
    Pair p;
    p.client = b.connectClient();
    (void)QTest::qWaitFor([&] { return b.lab.socket(p.client)->connected; }, 5000); // accept() says if not
    p.accepted = b.lab.execute(LabCommand::accept(b.listener)).socketId;
    return p;
}

} // namespace

void TestLabEpoll::shouldReportDataTheFinAndTheHangUp()
{
    Bench b;
    START_BENCH(b);
    const Pair p = connectedPair(b);
    QVERIFY(b.lab.socket(p.accepted));
    const int epoll = b.epoll();
    QVERIFY(b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, p.accepted, EPOLLIN | EPOLLRDHUP)).ok);
    b.lab.execute(LabCommand::epollWait(epoll, 8, 0));
    QCOMPARE(b.last().result, 0);

    // data: EPOLLIN alone
    b.lab.execute(LabCommand::send(p.client, 10));
    LabCall r = waitFor(b, epoll);
    QCOMPARE(r.result, 1);
    QCOMPARE(r.ready[0].socketId, p.accepted);
    QCOMPARE(r.ready[0].events, quint32(EPOLLIN));
    QVERIFY2(r.detail.contains(QStringLiteral("accepted #1: 10 bytes to read")), qPrintable(r.detail));

    // the peer's FIN: EPOLLIN | EPOLLRDHUP
    b.lab.execute(LabCommand::shutdownWrite(p.client));
    QTRY_VERIFY_WITH_TIMEOUT((waitFor(b, epoll).ready.value(0).events & EPOLLRDHUP) != 0, 5000);
    r = b.waitsOn(epoll).last();
    QCOMPARE(r.ready[0].events, quint32(EPOLLIN | EPOLLRDHUP));
    QVERIFY2(r.detail.contains(QStringLiteral("the peer's FIN arrived: recv() returns 0 once the data is read")),
             qPrintable(r.detail));
    QVERIFY(b.lab.execute(LabCommand::drain(p.accepted)).ok);
    QCOMPARE(b.last().result, 10);
    QVERIFY(b.lab.socket(p.accepted)->sawEndOfFile);

    // both directions shut: EPOLLHUP, which no one asked for; EPOLLOUT asked for, and reported
    QVERIFY(b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Modify, p.accepted, EPOLLOUT)).ok);
    r = waitFor(b, epoll);
    QCOMPARE(r.ready.value(0).events, quint32(EPOLLOUT));
    QVERIFY2(r.detail.contains(QStringLiteral("room in the send buffer")), qPrintable(r.detail));
    b.lab.execute(LabCommand::shutdownWrite(p.accepted));
    QTRY_VERIFY_WITH_TIMEOUT((waitFor(b, epoll).ready.value(0).events & EPOLLHUP) != 0, 5000);
    r = b.waitsOn(epoll).last();
    QCOMPARE(r.ready[0].events, quint32(EPOLLOUT | EPOLLHUP));
    QVERIFY2(r.detail.contains(QStringLiteral("hung up")), qPrintable(r.detail));
    QCOMPARE(r.readyText(), QStringLiteral("accepted #1 EPOLLOUT|EPOLLHUP"));
}

void TestLabEpoll::shouldReportAResetWithoutTakingItsError()
{
    Bench b;
    START_BENCH(b);
    const Pair p = connectedPair(b);
    const int epoll = b.epoll();
    b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, p.accepted, EPOLLIN | EPOLLRDHUP));
    b.lab.execute(LabCommand::epollWait(epoll, 8, 10000));
    QVERIFY(b.last().waiting);
    b.lab.execute(LabCommand::abort(p.client)); // SO_LINGER 0 and close(): RST
    QTRY_COMPARE_WITH_TIMEOUT(b.waitsOn(epoll).size(), 2, 5000);
    const LabCall r = b.waitsOn(epoll).last();
    QCOMPARE(r.result, 1);
    const quint32 events = r.ready[0].events;
    QVERIFY2((events & (EPOLLERR | EPOLLHUP)) == (EPOLLERR | EPOLLHUP), qPrintable(LabCall::epollEventsText(events)));
    QVERIFY2(r.detail.contains(QStringLiteral("an error is pending")), qPrintable(r.detail));
    QVERIFY2(r.detail.contains(QStringLiteral("the kernel has it in CLOSE")), qPrintable(r.detail));
    // the error is still there for the program's next call
    QVERIFY(!b.lab.execute(LabCommand::receive(p.accepted)).ok);
    QCOMPARE(b.last().error, ECONNRESET);
}

void TestLabEpoll::shouldRefuseASecondWait()
{
    Bench b;
    START_BENCH(b);
    const int listener = b.openListener();
    const int epoll = b.epoll();
    b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN));
    QVERIFY(b.lab.execute(LabCommand::epollWait(epoll, 8, 10000)).ok);
    QVERIFY(b.last().waiting);
    QVERIFY(!b.lab.execute(LabCommand::epollWait(epoll, 8, 0)).ok);
    QVERIFY(b.last().notCalled);
    QCOMPARE(b.last().detail, QStringLiteral("not called: an epoll_wait() on epoll #1 is already waiting; one wait at a time"));
    // a second instance waits on its own
    const int other = b.epoll();
    b.lab.execute(LabCommand::epollCtl(other, EpollOp::Add, listener, EPOLLIN));
    QVERIFY(b.lab.execute(LabCommand::epollWait(other, 8, 10000)).ok);
    QVERIFY(b.last().waiting);

    // closing an instance ends its wait without a completion; the other still wakes
    QVERIFY(b.lab.execute(LabCommand::close(epoll)).ok);
    QVERIFY2(b.last().detail.contains(QStringLiteral("never returns")), qPrintable(b.last().detail));
    b.connectClient();
    QTRY_COMPARE_WITH_TIMEOUT(b.waitsOn(other).size(), 2, 5000);
    QCOMPARE(b.waitsOn(other).last().ready.value(0).socketId, listener);
    QCOMPARE(b.waitsOn(epoll).size(), 2); // the waiting call and the refused one, no completion
}

void TestLabEpoll::shouldForgetAClosedSocketAndCloseWithTheLab()
{
    Bench b;
    START_BENCH(b);
    const int listener = b.openListener();
    const int epoll = b.epoll();
    b.lab.execute(LabCommand::epollCtl(epoll, EpollOp::Add, listener, EPOLLIN));
    b.lab.execute(LabCommand::close(listener));
    QVERIFY2(b.last().detail.contains(QStringLiteral("epoll #1 no longer watches it")), qPrintable(b.last().detail));
    QVERIFY(b.lab.epoll(epoll)->interest.isEmpty());
    // the kernel agrees: nothing is watched, so nothing is ready
    b.lab.execute(LabCommand::epollWait(epoll, 8, 0));
    QCOMPARE(b.last().result, 0);
    QCOMPARE(b.last().detail, QStringLiteral("nothing is ready: epoll #1 watches no socket"));

    b.lab.execute(LabCommand::epollWait(epoll, 8, 10000));
    QVERIFY(b.lab.epoll(epoll)->waiting);
    b.lab.abortAll();
    QVERIFY(!b.lab.epoll(epoll)->open);
    QCOMPARE(b.last().kind, LabCall::Kind::Close);
    QCOMPARE(b.last().socketId, epoll);
    b.lab.reset();
    QVERIFY(b.lab.epolls().isEmpty());
    QCOMPARE(b.lab.execute(LabCommand::epollCreate()).ok, true);
    QCOMPARE(b.lab.epolls().first().label(), QStringLiteral("epoll #1"));
}

QTEST_GUILESS_MAIN(TestLabEpoll)
#include "tst_labepoll.moc"
