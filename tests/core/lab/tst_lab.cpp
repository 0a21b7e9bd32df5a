// SPDX-License-Identifier: GPL-3.0-or-later
// The lab's real sockets: each call logged with what the kernel answered, failures reported,
// and every kernel row traced back to the lab socket it belongs to.
#include "core/lab/lab.h"
#include "core/sources/procsource.h"

#include "../loopbackpair.h"

#include <QDir>
#include <QScopeGuard>
#include <QSignalSpy>
#include <QTest>
#include <QThread>
#include <QThreadPool>

#include <cerrno>
#include <memory>
#include <sys/resource.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

Endpoint loopback(quint16 port, AddressFamily family = AddressFamily::IPv4)
{
    return {family == AddressFamily::IPv4 ? IpAddress::fromIPv4(0x7f000001) : *IpAddress::fromString(u"::1"),
            port, QString()};
}

// socket + bind to an ephemeral loopback port + listen; returns the listener's id.
int openListener(Lab &lab, int backlog = 8)
{
    const int id = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::bind(id, loopback(0)));
    lab.execute(LabCommand::listen(id, backlog));
    return id;
}

int connectClient(Lab &lab, quint16 port)
{
    const int id = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::connect(id, loopback(port)));
    return id;
}

const LabCall *lastCall(const Lab &lab, LabCall::Kind kind, int socketId)
{
    static LabCall found;
    const QList<LabCall> calls = lab.calls();
    for (qsizetype i = calls.size() - 1; i >= 0; --i) {
        if (calls[i].kind == kind && calls[i].socketId == socketId) {
            found = calls[i];
            return &found;
        }
    }
    return nullptr;
}

// The kernel's rows on a port, of the family every lab socket in this test has: an IPv6 socket
// elsewhere can have the same port number.
Snapshot tableOf(quint16 port)
{
    SocketFilter filter;
    filter.port = port;
    filter.family = AddressFamily::IPv4;
    return ProcSource().take(filter);
}

} // namespace

class TestLab : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldLogEveryCallWithItsResult();
    void shouldConnectWithoutBlocking();
    void shouldNameWhoHoldsABusyPort();
    void shouldGoAwayWhileItLooksUpAPort();
    void shouldReportARefusedConnect();
    void shouldReportAReset();
    void shouldReportAConnectThatTimesOut();
    void shouldAcceptOneConnectionAtATime();
    void shouldTellWhatEachKernelRowIs();
    void shouldNeverCallOnAClosedSocket();
    void shouldHalfCloseAndStillReceive();
    void shouldCloseEverySocketWhenDestroyed();
    void shouldLeaveDescriptorsForTheRestOfSockscope();
};

void TestLab::shouldLogEveryCallWithItsResult()
{
    Lab lab;
    QSignalSpy calls(&lab, &Lab::callMade);
    const int id = openListener(lab);
    QCOMPARE(calls.size(), 3);
    const LabCall socketCall = calls[0].first().value<LabCall>();
    QCOMPARE(socketCall.kind, LabCall::Kind::Socket);
    QCOMPARE(socketCall.family, AddressFamily::IPv4);
    QCOMPARE(socketCall.socketLabel, QStringLiteral("listener"));
    QVERIFY(socketCall.result >= 0);
    QCOMPARE(socketCall.argumentsText(), QStringLiteral("AF_INET, SOCK_STREAM | SOCK_NONBLOCK"));
    const LabCall bind = calls[1].first().value<LabCall>();
    QCOMPARE(bind.kind, LabCall::Kind::Bind);
    QCOMPARE(bind.endpoint, loopback(0));
    QCOMPARE(bind.argumentsText(), QStringLiteral("127.0.0.1:0"));
    QCOMPARE(bind.result, 0);
    QCOMPARE(bind.error, 0);
    QVERIFY(bind.detail.startsWith(QStringLiteral("the kernel chose port")));
    const LabCall listen = calls[2].first().value<LabCall>();
    QCOMPARE(listen.toString(), QStringLiteral("listen(8) = 0 — up to 9 completed connections can wait for accept()"));
    QVERIFY(listen.wallTimeMs > 0 && listen.steadyNs >= socketCall.steadyNs);

    const LabSocket *s = lab.socket(id);
    QVERIFY(s->listening);
    QVERIFY(s->inode > 0);
    QCOMPARE(tableOf(s->local.port).records.value(0).inode, std::optional<quint64>(s->inode));
}

void TestLab::shouldConnectWithoutBlocking()
{
    Lab lab;
    const int listener = openListener(lab);
    const quint16 port = lab.socket(listener)->local.port;
    const int client = connectClient(lab, port);
    const LabCall *connect = lastCall(lab, LabCall::Kind::Connect, client);
    QVERIFY(connect);
    QCOMPARE(connect->error, EINPROGRESS);
    QCOMPARE(connect->errorName(), QStringLiteral("EINPROGRESS"));
    QCOMPARE(connect->errorText(), QStringLiteral("Operation now in progress"));
    QVERIFY(lab.socket(client)->connecting);
    // the outcome is reported when the kernel has it
    QTRY_VERIFY(lab.socket(client)->connected);
    QVERIFY(lab.calls().last().asynchronous);
    QCOMPARE(lab.calls().last().toString(), QStringLiteral("connect() finished: connected"));
    QCOMPARE(lab.socket(client)->local.address.toString(), QStringLiteral("127.0.0.1"));
    QVERIFY(lab.socket(client)->local.port != 0);
}

void TestLab::shouldNameWhoHoldsABusyPort()
{
    Fd taken = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(taken.isValid());
    Lab lab;
    QSignalSpy made(&lab, &Lab::callMade);
    QSignalSpy updated(&lab, &Lab::callUpdated);
    QSignalSpy done(&lab, &Lab::lookupsDone);
    const int id = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    const Lab::Result bound = lab.execute(LabCommand::bind(id, loopback(taken.localPort())));
    QVERIFY(!bound.ok);
    // The failed call is logged at once; who holds the port is looked up off this thread.
    const LabCall logged = made.last().first().value<LabCall>();
    QCOMPARE(logged.kind, LabCall::Kind::Bind);
    QCOMPARE(logged.errorName(), QStringLiteral("EADDRINUSE"));
    QVERIFY(logged.detail.isEmpty());
    QVERIFY(lab.lookingUp());
    QTRY_COMPARE(updated.size(), 1);
    QCOMPARE(done.size(), 1);
    QVERIFY(!lab.lookingUp());
    const LabCall found = updated.first().first().value<LabCall>();
    QCOMPARE(found.sequence, logged.sequence);
    QVERIFY(found.sameCall([&] {
        LabCall c = logged;
        c.detail = found.detail;
        return c;
    }()));
    const LabCall *bind = lastCall(lab, LabCall::Kind::Bind, id);
    QCOMPARE(bind->detail, found.detail); // the log holds it too
    QVERIFY2(bind->detail.contains(QStringLiteral("held by tst_lab (pid %1)").arg(QCoreApplication::applicationPid())),
             qPrintable(bind->detail));
    QVERIFY(bind->detail.contains(QStringLiteral("LISTEN")));

    // the lab's own listener is named as such
    const int first = openListener(lab);
    const int second = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::bind(second, loopback(lab.socket(first)->local.port)));
    QTRY_VERIFY(!lab.lookingUp());
    QVERIFY2(lastCall(lab, LabCall::Kind::Bind, second)->detail.contains(QStringLiteral("held by this lab's listener #2")),
             qPrintable(lastCall(lab, LabCall::Kind::Bind, second)->detail));
}

void TestLab::shouldGoAwayWhileItLooksUpAPort()
{
    Fd taken = Loopback::listen(AddressFamily::IPv4, 1);
    QVERIFY(taken.isValid());
    // A lab destroyed while its lookups run: they finish into nothing.
    for (int i = 0; i < 8; ++i) {
        auto lab = std::make_unique<Lab>();
        const int id = lab->execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
        lab->execute(LabCommand::bind(id, loopback(taken.localPort())));
        QVERIFY(lab->lookingUp());
        if (i % 2)
            QThread::usleep(500); // sometimes while the lookup posts its answer
        lab.reset();
    }
    QVERIFY(QThreadPool::globalInstance()->waitForDone(30000));
    QCoreApplication::processEvents();

    // A lab reset while its lookup runs drops the answer: the call is gone.
    Lab lab;
    QSignalSpy updated(&lab, &Lab::callUpdated);
    const int id = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::bind(id, loopback(taken.localPort())));
    lab.reset();
    QTRY_VERIFY(!lab.lookingUp());
    QCOMPARE(updated.size(), 0);
}

void TestLab::shouldReportARefusedConnect()
{
    Lab lab;
    // bound but not listening: the kernel answers a SYN with RST
    const int server = lab.execute(LabCommand::socket(LabSocket::Role::Listener, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::bind(server, loopback(0)));
    const int client = connectClient(lab, lab.socket(server)->local.port);
    QTRY_VERIFY(lastCall(lab, LabCall::Kind::Connect, client)->error == ECONNREFUSED);
    QVERIFY(!lab.socket(client)->connected);
    QVERIFY(lab.calls().last().toString().contains(QStringLiteral("ECONNREFUSED (Connection refused)")));
}

void TestLab::shouldReportAReset()
{
    Lab lab;
    const int listener = openListener(lab);
    const int client = connectClient(lab, lab.socket(listener)->local.port);
    QTRY_VERIFY(lab.socket(client)->connected);
    const int accepted = lab.execute(LabCommand::accept(listener)).socketId;
    QVERIFY(accepted);
    lab.execute(LabCommand::abort(client));
    const LabCall *linger = lastCall(lab, LabCall::Kind::SetOption, client);
    QCOMPARE(linger->option, LabOption::Linger);
    QCOMPARE(linger->value, 0);
    QCOMPARE(linger->argumentsText(), QStringLiteral("SO_LINGER, {on, 0 s}"));
    const Lab::Result received = lab.execute(LabCommand::receive(accepted));
    QVERIFY(!received.ok);
    QCOMPARE(lastCall(lab, LabCall::Kind::Receive, accepted)->errorName(), QStringLiteral("ECONNRESET"));
    // no TIME_WAIT for an aborted connection: neither of its ends is left (other rows on the
    // port can be TIME_WAIT ends of earlier connections to a listener with the same port number)
    const Endpoint clientEnd = lab.socket(client)->local;
    const Snapshot table = tableOf(lab.socket(listener)->local.port);
    bool listed = false;
    for (const SocketRecord &r : table.records) {
        listed |= r.state == TcpState::Listen && r.local == lab.socket(listener)->local;
        QVERIFY2(!(r.local == clientEnd || r.remote == clientEnd) || r.state != TcpState::TimeWait,
                 qPrintable(r.local.toString() + QLatin1Char(' ') + r.remote.toString()));
    }
    QVERIFY(listed);
}

void TestLab::shouldReportAConnectThatTimesOut()
{
    // listen(0) holds one completed connection; the next SYN is dropped and retried.
    Lab lab;
    const int listener = openListener(lab, 0);
    const quint16 port = lab.socket(listener)->local.port;
    const int first = connectClient(lab, port);
    QTRY_VERIFY(lab.socket(first)->connected);
    const int second = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    lab.execute(LabCommand::setOption(second, LabOption::SynRetries, 1)); // SYNs at 0 s and 1 s
    lab.execute(LabCommand::connect(second, loopback(port)));
    const Snapshot table = tableOf(port);
    const SocketRecord *synSent = nullptr;
    for (const SocketRecord &r : table.records) {
        if (r.local == lab.socket(second)->local)
            synSent = &r;
    }
    QVERIFY(synSent);
    QCOMPARE(synSent->state, TcpState::SynSent);
    QCOMPARE(lab.identify(*synSent).label(), QStringLiteral("client #2"));
    QTRY_VERIFY_WITH_TIMEOUT(!lab.socket(second)->connecting, 10000);
    QCOMPARE(lab.calls().last().errorName(), QStringLiteral("ETIMEDOUT"));
    QVERIFY(lab.calls().last().detail.contains(QStringLiteral("no SYN-ACK")));
}

void TestLab::shouldAcceptOneConnectionAtATime()
{
    Lab lab;
    const int listener = openListener(lab);
    const quint16 port = lab.socket(listener)->local.port;
    const int a = connectClient(lab, port);
    const int b = connectClient(lab, port);
    QTRY_VERIFY(lab.socket(a)->connected && lab.socket(b)->connected);
    const auto queue = [&] {
        for (const SocketRecord &r : tableOf(port).records) {
            if (r.state == TcpState::Listen)
                return int(r.rxQueue);
        }
        return -1;
    };
    QCOMPARE(queue(), 2);
    QVERIFY(lab.execute(LabCommand::accept(listener)).ok);
    QCOMPARE(queue(), 1);
    QVERIFY(lab.execute(LabCommand::accept(listener)).ok);
    QCOMPARE(queue(), 0);
    QVERIFY(!lab.execute(LabCommand::accept(listener)).ok);
    QCOMPARE(lastCall(lab, LabCall::Kind::Accept, listener)->errorName(), QStringLiteral("EAGAIN"));
    QCOMPARE(lab.socket(a + 2)->label(), QStringLiteral("accepted #1"));
    QCOMPARE(lab.socket(a + 2)->peerClientId, a);
}

void TestLab::shouldTellWhatEachKernelRowIs()
{
    Lab lab;
    const int listener = openListener(lab);
    const quint16 port = lab.socket(listener)->local.port;
    const int c1 = connectClient(lab, port);
    QTRY_VERIFY(lab.socket(c1)->connected);
    const int accepted1 = lab.execute(LabCommand::accept(listener)).socketId;
    const int c2 = connectClient(lab, port); // stays in the accept queue
    const int c3 = connectClient(lab, port);
    QTRY_VERIFY(lab.socket(c2)->connected && lab.socket(c3)->connected);
    const int accepted2 = lab.execute(LabCommand::accept(listener)).socketId; // takes client #2's
    QCOMPARE(lab.socket(accepted2)->peerClientId, c2);
    // client #2 closes first, then its server end: client #2 is left in TIME_WAIT, closed
    lab.execute(LabCommand::close(c2));
    lab.execute(LabCommand::close(accepted2));
    Fd foreign = Loopback::connect(AddressFamily::IPv4, port); // not the lab's, but a client of its server

    QMap<QString, QString> seen; // label -> state
    QTRY_VERIFY_WITH_TIMEOUT([&] {
        seen.clear();
        for (const SocketRecord &r : tableOf(port).records) {
            const QString label = lab.identify(r).label();
            // Of the lab's strangers, only the foreign client's two ends: the client end of an
            // earlier connection to a listener that had this port number may still be in TIME_WAIT.
            if (label.isEmpty() && r.local.port != foreign.localPort() && r.remote.port != foreign.localPort())
                continue;
            seen.insert(label, kernelName(r.state));
        }
        return seen.value(QStringLiteral("client #2 (closed)")) == QLatin1String("TIME_WAIT");
    }(), 5000);
    QCOMPARE(seen.value(QStringLiteral("listener")), QStringLiteral("LISTEN"));
    QCOMPARE(seen.value(QStringLiteral("client #1")), QStringLiteral("ESTABLISHED"));
    QCOMPARE(seen.value(QStringLiteral("accepted #1")), QStringLiteral("ESTABLISHED"));
    QCOMPARE(seen.value(QStringLiteral("client #3")), QStringLiteral("ESTABLISHED"));
    QCOMPARE(seen.value(QStringLiteral("in accept queue, not yet accepted (client #3)")), QStringLiteral("ESTABLISHED"));
    QCOMPARE(seen.value(QString()), QStringLiteral("ESTABLISHED")); // the foreign client and its server end
    QVERIFY(accepted1 > 0);

    RowRole role = lab.identify(*[&] {
        static SocketRecord r;
        for (const SocketRecord &x : tableOf(port).records) {
            if (x.local.port == port && x.remote == lab.socket(c1)->local)
                r = x;
        }
        return &r;
    }());
    QCOMPARE(role.kind, RowRole::Kind::Accepted);
    QCOMPARE(role.clientOrdinal, 1);
}

void TestLab::shouldNeverCallOnAClosedSocket()
{
    Lab lab;
    const int id = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
    QVERIFY(lab.execute(LabCommand::close(id)).ok);
    const qsizetype before = lab.calls().size();
    QVERIFY(!lab.execute(LabCommand::close(id)).ok);
    QCOMPARE(lab.calls().size(), before + 1);
    QVERIFY(lab.calls().last().notCalled);
    QCOMPARE(lab.calls().last().toString(), QStringLiteral("close() — not called: client #1 is already closed"));
    QVERIFY(!lab.execute(LabCommand::send(999, 10)).ok);
}

void TestLab::shouldHalfCloseAndStillReceive()
{
    Lab lab;
    const int listener = openListener(lab);
    const int client = connectClient(lab, lab.socket(listener)->local.port);
    QTRY_VERIFY(lab.socket(client)->connected);
    const int server = lab.execute(LabCommand::accept(listener)).socketId;
    QVERIFY(lab.execute(LabCommand::shutdownWrite(client)).ok);
    // (QTRY_ macros evaluate their condition once more after it holds: keep it free of surprises)
    QTRY_VERIFY(lab.execute(LabCommand::receive(server)).ok && lab.socket(server)->sawEndOfFile);
    QCOMPARE(lab.execute(LabCommand::send(server, 100)).value, 100);
    // the half-closed client still receives, but can no longer send
    qint64 received = 0;
    QTRY_VERIFY((received += lab.execute(LabCommand::receive(client, 4096)).value) >= 100);
    QCOMPARE(received, 100);
    QVERIFY(!lab.execute(LabCommand::send(client, 10)).ok);
    QCOMPARE(lastCall(lab, LabCall::Kind::Send, client)->errorName(), QStringLiteral("EPIPE"));
}

void TestLab::shouldCloseEverySocketWhenDestroyed()
{
    quint16 port = 0;
    {
        Lab lab;
        const int listener = openListener(lab);
        port = lab.socket(listener)->local.port;
        const int client = connectClient(lab, port);
        QTRY_VERIFY(lab.socket(client)->connected);
        lab.execute(LabCommand::accept(listener));
        int onPort = 0; // the listener and accepted #1
        for (const SocketRecord &r : tableOf(port).records)
            onPort += r.local.port == port ? 1 : 0;
        QCOMPARE(onPort, 2);
    }
    // closed with RST: no listener, and no connection left in any state (TIME_WAIT included)
    for (const SocketRecord &r : tableOf(port).records)
        QVERIFY2(r.local.port != port && r.state == TcpState::TimeWait, qPrintable(r.local.toString()));
}

void TestLab::shouldLeaveDescriptorsForTheRestOfSockscope()
{
    // A low descriptor limit: the lab stops before the kernel would say EMFILE, so that reading
    // the kernel's table (and the sanitizers' own checks) still have descriptors.
    const auto openNow = [] {
        return int(QDir(QStringLiteral("/proc/self/fd")).entryList(QDir::NoDotAndDotDot | QDir::AllEntries).size()) - 1;
    };
    rlimit saved{};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    rlimit low = saved;
    low.rlim_cur = rlim_t(openNow() + 40);
    QCOMPARE(::setrlimit(RLIMIT_NOFILE, &low), 0);
    const auto restore = qScopeGuard([&saved] { ::setrlimit(RLIMIT_NOFILE, &saved); });

    Lab lab;
    const int listener = openListener(lab, 64);
    const quint16 port = lab.socket(listener)->local.port;
    int clients = 0;
    int refused = 0;
    while (clients < 64) {
        const int id = lab.execute(LabCommand::socket(LabSocket::Role::Client, AddressFamily::IPv4)).socketId;
        if (id == 0) {
            refused = 1;
            break;
        }
        lab.execute(LabCommand::connect(id, loopback(port)));
        ++clients;
    }
    QVERIFY2(refused, "the lab never stopped");
    const LabCall refusal = lab.calls().last();
    QCOMPARE(refusal.kind, LabCall::Kind::Socket);
    QVERIFY(refusal.notCalled);
    QCOMPARE(refusal.error, EMFILE);
    QVERIFY2(refusal.detail.contains(QStringLiteral("ulimit -n")), qPrintable(refusal.detail));
    QVERIFY2(int(low.rlim_cur) - openNow() >= Lab::reservedDescriptors / 2, qPrintable(QString::number(openNow())));
    // accept() stops the same way, while the table can still be read
    QTRY_VERIFY(tableOf(port).records.size() > 1);
    bool acceptRefused = false;
    for (int i = 0; i < clients && !acceptRefused; ++i) {
        lab.execute(LabCommand::accept(listener));
        acceptRefused = lab.calls().last().notCalled;
    }
    QVERIFY(acceptRefused);
    QVERIFY(tableOf(port).ok());
    QVERIFY(tableOf(port).records.size() > 1);
}

QTEST_GUILESS_MAIN(TestLab)
#include "tst_lab.moc"
