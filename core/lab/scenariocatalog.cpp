// SPDX-License-Identifier: GPL-3.0-or-later
#include "scenariocatalog.h"

#include <cerrno>
#include <sys/epoll.h>

#include <memory>

namespace sockscope {

namespace {

using S = TcpState;
using Opt = ScenarioContext::Option;

// Small buffers make the path fill with a few KiB (the kernel doubles what is asked).
constexpr int smallBuffer = 4096;

Expectation in(LabEnd end, TcpState state)
{
    return Expectation::inState(end, state);
}

const LabEnd listener = LabEnd::listener();
LabEnd client(int n) { return LabEnd::client(n); }
LabEnd serverEnd(int n) { return LabEnd::serverEnd(n); }

ScenarioStep step(const QString &description, std::function<bool(ScenarioContext &)> action,
                  QList<Expectation> expect = {}, int timeoutMs = 3000, int repeatEveryMs = 0)
{
    return ScenarioStep{description, std::move(action), std::move(expect), timeoutMs, repeatEveryMs};
}

ScenarioStep listenStep(int backlog, const QList<Opt> &options = {}, const QString &why = QString())
{
    return step(QStringLiteral("The server calls socket(), bind() to its port and listen(%1)%2.")
                    .arg(backlog)
                    .arg(why),
                [backlog, options](ScenarioContext &c) { return c.openListener(backlog, options); },
                {in(listener, S::Listen)});
}

ScenarioStep connectStep(int n, const QList<Opt> &options, const QString &what, QList<Expectation> expect)
{
    return step(what, [n, options](ScenarioContext &c) {
        return c.newClient(options) == n && c.connectClient(n);
    }, std::move(expect));
}

ScenarioStep acceptStep(const QString &what, QList<Expectation> expect = {})
{
    return step(what, [](ScenarioContext &c) { return c.acceptOne(); }, std::move(expect));
}

// The common start: a listener, one client, one accept().
QList<ScenarioStep> connectedPair(const QList<Opt> &listenerOptions = {}, const QList<Opt> &clientOptions = {})
{
    return {
        listenStep(8, listenerOptions),
        connectStep(1, clientOptions, QStringLiteral("Client #1 calls socket() and connect()."),
                    {in(client(1), S::Established), in(serverEnd(1), S::Established)}),
        acceptStep(QStringLiteral("The server calls accept() and gets accepted #1.")),
    };
}

Scenario handshake()
{
    Scenario s;
    s.name = QStringLiteral("handshake");
    s.title = QStringLiteral("Three-way handshake");
    s.summary = QStringLiteral("connect() and accept(): both ends ESTABLISHED, the kernel did the handshake");
    s.explanation = QStringLiteral(
        "connect() sends a SYN; the server's kernel answers SYN,ACK and the client's kernel ACKs: the "
        "handshake is done by the two kernels, before the server program calls accept(). On loopback "
        "SYN_SENT and SYN_RECV last microseconds, so the table shows both ends already ESTABLISHED; "
        "the backlog-overflow and deferred-accept scenarios hold those two states long enough to see.");
    s.steps = [](const ScenarioConfig &) {
        return QList<ScenarioStep>{
            listenStep(8),
            connectStep(1, {}, QStringLiteral("Client #1 calls socket() and connect(); being non-blocking, "
                                              "connect() returns EINPROGRESS at once."),
                        {in(client(1), S::Established), in(serverEnd(1), S::Established)}),
            acceptStep(QStringLiteral("The server calls accept(): it takes the finished connection off the "
                                      "queue and gets its own socket for it.")),
        };
    };
    return s;
}

Scenario acceptQueue()
{
    Scenario s;
    s.name = QStringLiteral("accept-queue");
    s.title = QStringLiteral("The accept queue: ESTABLISHED before accept()");
    s.summary = QStringLiteral("three clients connect, nobody accepts: the kernel completes all three");
    s.explanation = QStringLiteral(
        "Three clients connect and the server does not call accept(). The kernel completes every "
        "handshake anyway: both ends are ESTABLISHED, the server ends have no file yet (inode 0) and "
        "the listener's Recv-Q counts them. Each accept() takes one finished connection off the queue; "
        "when the queue is empty, a non-blocking accept() says EAGAIN.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps{listenStep(8)};
        steps.append(step(QStringLiteral("Clients #1, #2 and #3 connect; the server does not call accept()."),
                          [](ScenarioContext &c) {
                              for (int n = 1; n <= 3; ++n) {
                                  if (c.newClient() != n || !c.connectClient(n))
                                      return false;
                              }
                              return true;
                          },
                          {in(client(1), S::Established), in(client(2), S::Established), in(client(3), S::Established),
                           in(serverEnd(1), S::Established), in(serverEnd(2), S::Established),
                           in(serverEnd(3), S::Established)}));
        for (int n = 1; n <= 3; ++n)
            steps.append(acceptStep(QStringLiteral("accept() takes connection %1 off the queue.").arg(n)));
        steps.append(step(QStringLiteral("accept() once more: the queue is empty."),
                          [](ScenarioContext &c) {
                              c.acceptOne(); // fails with EAGAIN: that is the point
                              return true;
                          },
                          {Expectation::callFails(listener, LabCall::Kind::Accept, EAGAIN)}));
        return steps;
    };
    return s;
}

Scenario backlogOverflow()
{
    Scenario s;
    s.name = QStringLiteral("backlog-overflow");
    s.title = QStringLiteral("Backlog overflow: a client waits in SYN_SENT");
    s.summary = QStringLiteral("listen(0) and a full queue: the next SYN is dropped, the client retries");
    s.explanation = QStringLiteral(
        "listen(0) lets one completed connection wait for accept(). Client #1 fills that place. Client "
        "#2's SYN finds the queue full and the server's kernel drops it; client #2 stays in SYN_SENT and "
        "retransmits its SYN with its retransmit timer running (TCP_SYNCNT 6 lets it try six more times "
        "before connect() fails with ETIMEDOUT, about 10 s on current kernels). Once accept() takes "
        "client #1's connection, the next retransmission gets through.");
    s.steps = [](const ScenarioConfig &) {
        return QList<ScenarioStep>{
            listenStep(0, {}, QStringLiteral(": one completed connection may wait")),
            connectStep(1, {}, QStringLiteral("Client #1 connects and takes the only place in the queue."),
                        {in(client(1), S::Established), in(serverEnd(1), S::Established)}),
            connectStep(2, {{LabOption::SynRetries, 6}},
                        QStringLiteral("Client #2 (TCP_SYNCNT 6) connects: its SYN is dropped."),
                        {in(client(2), S::SynSent)}),
            // The next SYN retransmission can be several seconds away.
            step(QStringLiteral("The server accepts client #1; client #2's next SYN finds room."),
                 [](ScenarioContext &c) { return c.acceptOne(); },
                 {in(client(2), S::Established), in(serverEnd(2), S::Established)}, 20000),
        };
    };
    return s;
}

Scenario deferredAccept()
{
    Scenario s;
    s.name = QStringLiteral("deferred-accept");
    s.title = QStringLiteral("Deferred accept: the server end in SYN_RECV");
    s.summary = QStringLiteral("TCP_DEFER_ACCEPT keeps the server end in SYN_RECV until data arrives");
    s.explanation = QStringLiteral(
        "With TCP_DEFER_ACCEPT the server's kernel ignores the client's final ACK until data comes: the "
        "client is ESTABLISHED, but the server end stays a request socket in SYN_RECV (no file, "
        "retransmit timer running). The first data completes it; after the deferral runs out the "
        "kernel completes it anyway.");
    s.steps = [](const ScenarioConfig &config) {
        return QList<ScenarioStep>{
            listenStep(8, {{LabOption::DeferAccept, config.deferSeconds}},
                       QStringLiteral(" with TCP_DEFER_ACCEPT %1 s").arg(config.deferSeconds)),
            connectStep(1, {}, QStringLiteral("Client #1 connects and sends nothing."),
                        {in(client(1), S::Established), in(serverEnd(1), S::SynRecv)}),
            step(QStringLiteral("Client #1 sends 32 bytes: the server end completes."),
                 [](ScenarioContext &c) { return c.run(LabCommand::send(c.client(1), 32)); },
                 {in(serverEnd(1), S::Established)}),
            step(QStringLiteral("The server accepts and reads the 32 bytes."),
                 [](ScenarioContext &c) {
                     return c.acceptOne() && c.run(LabCommand::receive(c.serverEnd(1), 4096));
                 }),
        };
    };
    return s;
}

Scenario timeWait()
{
    Scenario s;
    s.name = QStringLiteral("time-wait");
    s.title = QStringLiteral("Active close to TIME_WAIT");
    s.summary = QStringLiteral("the end that closes first waits 60 s in TIME_WAIT");
    s.explanation = QStringLiteral(
        "The client closes first (the active close): its FIN is ACKed and it waits in FIN_WAIT2 while "
        "the server end sits in CLOSE_WAIT until the server closes too. Then the server's FIN arrives "
        "and the client end enters TIME_WAIT for 2MSL — 60 s on Linux, counted down by the kernel's "
        "timer — so that late segments of this connection cannot be taken for a new one. The server "
        "end passes LAST_ACK and is gone.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps = connectedPair();
        steps.append(step(QStringLiteral("Client #1 calls close() first: FIN to the server."),
                          [](ScenarioContext &c) { return c.run(LabCommand::close(c.client(1))); },
                          {in(client(1), S::FinWait2), in(serverEnd(1), S::CloseWait)}));
        steps.append(step(QStringLiteral("The server's recv() returns 0: end of file."),
                          [](ScenarioContext &c) { return c.run(LabCommand::receive(c.serverEnd(1))); }));
        steps.append(step(QStringLiteral("The server calls close(): FIN to the client, which enters TIME_WAIT."),
                          [](ScenarioContext &c) { return c.run(LabCommand::close(c.serverEnd(1))); },
                          {in(client(1), S::TimeWait)}));
        return steps;
    };
    return s;
}

Scenario halfClose()
{
    Scenario s;
    s.name = QStringLiteral("half-close");
    s.title = QStringLiteral("Half-close: FIN_WAIT2 and CLOSE_WAIT");
    s.summary = QStringLiteral("shutdown(SHUT_WR) closes one direction; data still flows the other way");
    s.explanation = QStringLiteral(
        "shutdown(SHUT_WR) sends a FIN but keeps the socket open for reading. The client waits in "
        "FIN_WAIT2, the server end in CLOSE_WAIT, for as long as the server does not close — this is "
        "how servers pile up CLOSE_WAIT sockets: they read end of file and never call close(). "
        "Meanwhile the server can still send, and the client still receives.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps = connectedPair();
        steps.append(step(QStringLiteral("Client #1 calls shutdown(SHUT_WR): FIN, but it keeps reading."),
                          [](ScenarioContext &c) { return c.run(LabCommand::shutdownWrite(c.client(1))); },
                          {in(client(1), S::FinWait2), in(serverEnd(1), S::CloseWait)}));
        steps.append(step(QStringLiteral("The server's recv() returns 0: end of file. It does not close."),
                          [](ScenarioContext &c) { return c.run(LabCommand::receive(c.serverEnd(1))); }));
        steps.append(step(QStringLiteral("The server sends 100 bytes."),
                          [](ScenarioContext &c) { return c.run(LabCommand::send(c.serverEnd(1), 100)); }));
        steps.append(step(QStringLiteral("The half-closed client reads them: it still receives."),
                          [](ScenarioContext &c) {
                              if (c.lab().socket(c.client(1))->bytesReceived < 100)
                                  c.run(LabCommand::receive(c.client(1), 4096)); // EAGAIN until they arrive
                              return true;
                          },
                          {Expectation::callReturns(client(1), LabCall::Kind::Receive, 100),
                           in(client(1), S::FinWait2), in(serverEnd(1), S::CloseWait)},
                          3000, 50));
        return steps;
    };
    return s;
}

Scenario finWait1()
{
    Scenario s;
    s.name = QStringLiteral("fin-wait-1");
    s.title = QStringLiteral("FIN behind unread data: FIN_WAIT1");
    s.summary = QStringLiteral("a FIN queued behind data the peer does not read stays unsent");
    s.explanation = QStringLiteral(
        "The server never reads; with small buffers the client's data fills the server's receive "
        "buffer and the client's send buffer. shutdown(SHUT_WR) queues the FIN behind that data, and a "
        "zero window lets none of it go: the client stays in FIN_WAIT1 with its zero-window probe "
        "timer running. When the server reads, the data and then the FIN get through.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps = connectedPair({{LabOption::ReceiveBuffer, smallBuffer}},
                                                  {{LabOption::SendBuffer, smallBuffer}});
        steps.append(step(QStringLiteral("Client #1 sends until the kernel takes no more."),
                          [](ScenarioContext &c) { return c.run(LabCommand::fill(c.client(1))); }));
        steps.append(step(QStringLiteral("Client #1 calls shutdown(SHUT_WR): the FIN waits behind the data."),
                          [](ScenarioContext &c) { return c.run(LabCommand::shutdownWrite(c.client(1))); },
                          {in(client(1), S::FinWait1), in(serverEnd(1), S::Established)}));
        steps.append(step(QStringLiteral("The server reads everything; data and FIN get through."),
                          [](ScenarioContext &c) { return c.drain(c.serverEnd(1)); },
                          {in(client(1), S::FinWait2), in(serverEnd(1), S::CloseWait)}, 5000, 50));
        return steps;
    };
    return s;
}

Scenario lastAck()
{
    Scenario s;
    s.name = QStringLiteral("last-ack");
    s.title = QStringLiteral("LAST_ACK: the second FIN waits for its ACK");
    s.summary = QStringLiteral("the passive closer's FIN is stuck behind data the client does not read");
    s.explanation = QStringLiteral(
        "The client half-closes and never reads. The server reads end of file, fills the client's small "
        "receive buffer, and shuts down its side: its FIN waits behind the data and the server end sits "
        "in LAST_ACK. When the client reads, the FIN is delivered and ACKed: the server end is gone and "
        "the client, which closed first, enters TIME_WAIT.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps = connectedPair({}, {{LabOption::ReceiveBuffer, smallBuffer}});
        steps.append(step(QStringLiteral("Accepted #1 gets a small send buffer."),
                          [](ScenarioContext &c) {
                              return c.setOption(c.serverEnd(1), {LabOption::SendBuffer, smallBuffer});
                          }));
        steps.append(step(QStringLiteral("Client #1 calls shutdown(SHUT_WR) and stops reading."),
                          [](ScenarioContext &c) { return c.run(LabCommand::shutdownWrite(c.client(1))); },
                          {in(client(1), S::FinWait2), in(serverEnd(1), S::CloseWait)}));
        steps.append(step(QStringLiteral("The server reads end of file, then sends until the kernel takes no more."),
                          [](ScenarioContext &c) {
                              return c.run(LabCommand::receive(c.serverEnd(1)))
                                  && c.run(LabCommand::fill(c.serverEnd(1)));
                          }));
        steps.append(step(QStringLiteral("The server calls shutdown(SHUT_WR): its FIN waits behind the data."),
                          [](ScenarioContext &c) { return c.run(LabCommand::shutdownWrite(c.serverEnd(1))); },
                          {in(serverEnd(1), S::LastAck)}));
        steps.append(step(QStringLiteral("Client #1 reads everything; the FIN arrives and is ACKed."),
                          [](ScenarioContext &c) { return c.drain(c.client(1)); },
                          {in(client(1), S::TimeWait)}, 5000, 50));
        return steps;
    };
    return s;
}

Scenario closing()
{
    Scenario s;
    s.name = QStringLiteral("closing");
    s.title = QStringLiteral("Simultaneous close: CLOSING");
    s.summary = QStringLiteral("both ends send FIN at once; one receives the other's FIN before its own is ACKed");
    s.explanation = QStringLiteral(
        "Both ends fill the path and shut down their sending side, so both FINs wait behind data: both "
        "ends are in FIN_WAIT1. Then the client reads: the server's data and FIN reach it while its own "
        "FIN is still stuck, and it goes from FIN_WAIT1 to CLOSING. When the server reads too, both "
        "FINs are ACKed and both ends enter TIME_WAIT.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps = connectedPair(
            {{LabOption::ReceiveBuffer, smallBuffer}},
            {{LabOption::ReceiveBuffer, smallBuffer}, {LabOption::SendBuffer, smallBuffer}});
        steps.append(step(QStringLiteral("Accepted #1 gets a small send buffer; both ends send until full."),
                          [](ScenarioContext &c) {
                              return c.setOption(c.serverEnd(1), {LabOption::SendBuffer, smallBuffer})
                                  && c.run(LabCommand::fill(c.client(1))) && c.run(LabCommand::fill(c.serverEnd(1)));
                          }));
        steps.append(step(QStringLiteral("Both call shutdown(SHUT_WR): two FINs, each behind data."),
                          [](ScenarioContext &c) {
                              return c.run(LabCommand::shutdownWrite(c.client(1)))
                                  && c.run(LabCommand::shutdownWrite(c.serverEnd(1)));
                          },
                          {in(client(1), S::FinWait1), in(serverEnd(1), S::FinWait1)}));
        steps.append(step(QStringLiteral("Client #1 reads everything: the server's FIN arrives before its own is ACKed."),
                          [](ScenarioContext &c) { return c.drain(c.client(1)); },
                          {in(client(1), S::Closing)}, 5000, 50));
        steps.append(step(QStringLiteral("The server reads everything: both FINs are ACKed."),
                          [](ScenarioContext &c) { return c.drain(c.serverEnd(1)); },
                          {in(client(1), S::TimeWait), in(serverEnd(1), S::TimeWait)}, 5000, 50));
        return steps;
    };
    return s;
}

Scenario selfConnect()
{
    Scenario s;
    s.name = QStringLiteral("self-connect");
    s.title = QStringLiteral("Self-connect: a simultaneous open with itself");
    s.summary = QStringLiteral("a socket bound to a port connects to that same port: local == remote");
    s.explanation = QStringLiteral(
        "A client binds a port and connects to that very address. Its SYN arrives at itself: a "
        "simultaneous open (SYN_SENT, then SYN_RECV, for microseconds) that ends ESTABLISHED with "
        "local and remote endpoint the same. It is why a client that retries connect() to a local port "
        "in the ephemeral range can end up talking to itself.");
    s.steps = [](const ScenarioConfig &config) {
        return QList<ScenarioStep>{
            step(QStringLiteral("Client #1 calls socket() and bind() to the port."),
                 [config](ScenarioContext &c) {
                     // SO_REUSEADDR: an earlier run may have left TIME_WAIT entries on the port.
                     return c.newClient({{LabOption::ReuseAddress, 1}}) == 1 && c.bindClient(1, config.port);
                 }),
            step(QStringLiteral("Client #1 calls connect() to its own address."),
                 [](ScenarioContext &c) { return c.connectClient(1); }, {in(client(1), S::Established)}),
        };
    };
    return s;
}

Scenario reset()
{
    Scenario s;
    s.name = QStringLiteral("reset");
    s.title = QStringLiteral("Refused connect and abortive close: RST, no TIME_WAIT");
    s.summary = QStringLiteral("a RST answers a connect to a port without listener, and ends a connection at once");
    s.explanation = QStringLiteral(
        "A port that is bound but not listening answers a SYN with RST: connect() fails with "
        "ECONNREFUSED. Later, client #2 sets SO_LINGER to 0 seconds and closes: instead of a FIN it "
        "sends RST, no TIME_WAIT is kept on either end, and the server's next recv() fails with "
        "ECONNRESET.");
    s.steps = [](const ScenarioConfig &) {
        return QList<ScenarioStep>{
            step(QStringLiteral("The server calls socket() and bind(), but not listen()."),
                 [](ScenarioContext &c) { return c.openListener(8, {}, false); }),
            step(QStringLiteral("Client #1 connects: refused."),
                 [](ScenarioContext &c) {
                     c.newClient();
                     c.connectClient(1); // fails: that is the point
                     return c.clientCount() == 1;
                 },
                 {Expectation::callFails(client(1), LabCall::Kind::Connect, ECONNREFUSED)}),
            step(QStringLiteral("The server calls listen(8)."), [](ScenarioContext &c) { return c.listenNow(8); },
                 {in(listener, S::Listen)}),
            connectStep(2, {}, QStringLiteral("Client #2 connects."),
                        {in(client(2), S::Established), in(serverEnd(2), S::Established)}),
            acceptStep(QStringLiteral("The server accepts client #2.")),
            step(QStringLiteral("Client #2 aborts: SO_LINGER 0 and close() send RST."),
                 [](ScenarioContext &c) { return c.run(LabCommand::abort(c.client(2))); },
                 {Expectation::never(client(2), S::TimeWait)}),
            step(QStringLiteral("The server calls recv(): the connection was reset."),
                 [](ScenarioContext &c) {
                     c.run(LabCommand::receive(c.serverEnd(2))); // fails: that is the point
                     return true;
                 },
                 {Expectation::callFails(serverEnd(2), LabCall::Kind::Receive, ECONNRESET)}),
        };
    };
    return s;
}

Scenario manyClients()
{
    Scenario s;
    s.name = QStringLiteral("many-clients");
    s.title = QStringLiteral("Many clients on one server port");
    s.summary = QStringLiteral("one listener and N connections, all with the server's local port");
    s.explanation = QStringLiteral(
        "One listening socket serves every client on the same port. Each accepted connection is a new "
        "socket with the same local address and port as the listener; what tells them apart is the "
        "other half of the 4-tuple, the client's address and port. The table shows the listener plus "
        "one row per connection, all on the server's port.");
    s.steps = [](const ScenarioConfig &config) {
        const int n = qBound(1, config.clients, 64);
        QList<Expectation> expect;
        for (int i = 1; i <= n; ++i)
            expect << in(client(i), S::Established) << in(serverEnd(i), S::Established);
        return QList<ScenarioStep>{
            listenStep(qMax(8, n)),
            step(QStringLiteral("%1 clients connect.").arg(n),
                 [n](ScenarioContext &c) {
                     for (int i = 1; i <= n; ++i) {
                         if (c.newClient() != i || !c.connectClient(i))
                             return false;
                     }
                     return true;
                 },
                 expect),
            step(QStringLiteral("The server accepts all %1.").arg(n),
                 [n](ScenarioContext &c) {
                     for (int i = 1; i <= n; ++i) {
                         if (!c.acceptOne())
                             return false;
                     }
                     return true;
                 },
                 expect),
        };
    };
    return s;
}

// How long an epoll server's epoll_wait() may wait for the next step's clients. Long enough
// for the slowest source's poll to see a step through; a wait that runs out only returns 0,
// and the step after it asks again.
constexpr int epollTimeoutMs = 10000;
constexpr quint32 readable = EPOLLIN;
constexpr quint32 peerClosed = EPOLLIN | EPOLLRDHUP;

Expectation reports(LabEnd end, quint32 events)
{
    return Expectation::epollReports(end, events);
}

// The server's epoll_wait() when it would wait: logged as waiting, it returns when the next
// step makes something ready.
ScenarioStep waitStep(const QString &what)
{
    return step(what, [](ScenarioContext &c) { return c.epollWait(epollTimeoutMs); });
}

// A step whose action makes sockets ready while the server waits in epoll_wait(). `once`
// runs once; should the waiting call return before every end was ready (it returns as soon
// as one is), the server calls epoll_wait() again, as a server's loop does, until they all
// were reported.
ScenarioStep wakeStep(const QString &what, std::function<bool(ScenarioContext &)> once, QList<Expectation> expect)
{
    auto done = std::make_shared<bool>(false);
    return step(what,
                [done, once = std::move(once)](ScenarioContext &c) {
                    if (!*done) {
                        *done = true;
                        return once(c);
                    }
                    return c.epollWait(0);
                },
                std::move(expect), 5000, 100);
}

Scenario epollEcho()
{
    Scenario s;
    s.name = QStringLiteral("epoll-echo");
    s.title = QStringLiteral("An epoll server: three clients, one message each");
    s.summary = QStringLiteral("one thread serves three clients: epoll_wait() says which socket is ready");
    s.explanation = QStringLiteral(
        "An event-driven server never blocks on one socket: it registers its sockets with an epoll "
        "instance (epoll_ctl) and sleeps in epoll_wait() until one is ready. The listener is readable "
        "when its accept queue holds completed connections — the kernel has already done each "
        "handshake — so the server accepts until EAGAIN. An accepted socket is readable when data "
        "arrives, and readable with EPOLLRDHUP when the peer's FIN does: recv() then returns 0, and "
        "the server removes the socket (epoll_ctl DEL) and closes it.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps;
        steps.append(step(QStringLiteral("The server calls socket(), bind(), listen(8), epoll_create1() and "
                                         "epoll_ctl(ADD, listener, EPOLLIN)."),
                          [](ScenarioContext &c) {
                              return c.openListener(8) && c.epollCtl(EpollOp::Add, c.listener(), EPOLLIN);
                          },
                          {in(listener, S::Listen)}));
        steps.append(waitStep(QStringLiteral("The server calls epoll_wait(): nothing is ready, so it waits.")));
        steps.append(wakeStep(QStringLiteral("Clients #1, #2 and #3 connect. The kernel completes each handshake "
                                             "and the listener becomes readable: epoll_wait() returns."),
                              [](ScenarioContext &c) {
                                  for (int n = 1; n <= 3; ++n) {
                                      if (c.newClient() != n || !c.connectClient(n))
                                          return false;
                                  }
                                  return true;
                              },
                              {in(client(1), S::Established), in(client(2), S::Established),
                               in(client(3), S::Established), reports(listener, readable)}));
        steps.append(step(QStringLiteral("The server calls accept() until EAGAIN, and epoll_ctl(ADD, EPOLLIN | "
                                         "EPOLLRDHUP) for each accepted socket."),
                          [](ScenarioContext &c) {
                              for (int id : c.acceptAll()) {
                                  if (!c.epollCtl(EpollOp::Add, id, EPOLLIN | EPOLLRDHUP))
                                      return false;
                              }
                              return c.serverEnd(1) && c.serverEnd(2) && c.serverEnd(3);
                          },
                          {Expectation::callFails(listener, LabCall::Kind::Accept, EAGAIN),
                           in(serverEnd(1), S::Established), in(serverEnd(2), S::Established),
                           in(serverEnd(3), S::Established)}));
        steps.append(waitStep(QStringLiteral("The server calls epoll_wait() again: no data yet, it waits.")));
        steps.append(wakeStep(QStringLiteral("Each client sends one message of 32 bytes: the accepted sockets "
                                             "become readable."),
                              [](ScenarioContext &c) {
                                  for (int n = 1; n <= 3; ++n) {
                                      if (!c.run(LabCommand::send(c.client(n), 32)))
                                          return false;
                                  }
                                  return true;
                              },
                              {reports(serverEnd(1), readable), reports(serverEnd(2), readable),
                               reports(serverEnd(3), readable)}));
        steps.append(step(QStringLiteral("The server echoes each message; each client reads its echo."),
                          [](ScenarioContext &c) {
                              for (int n = 1; n <= 3; ++n) {
                                  if (c.lab().socket(c.serverEnd(n))->bytesSent == 0
                                      && !c.run(LabCommand::echo(c.serverEnd(n))))
                                      return false;
                                  if (c.lab().socket(c.client(n))->bytesReceived < 32)
                                      c.run(LabCommand::receive(c.client(n), 4096)); // EAGAIN until it arrives
                              }
                              return true;
                          },
                          {Expectation::callReturns(client(1), LabCall::Kind::Receive, 32),
                           Expectation::callReturns(client(2), LabCall::Kind::Receive, 32),
                           Expectation::callReturns(client(3), LabCall::Kind::Receive, 32)},
                          3000, 50));
        steps.append(waitStep(QStringLiteral("The server calls epoll_wait(): it waits for more.")));
        steps.append(wakeStep(QStringLiteral("The clients call close(): each FIN makes its server end readable "
                                             "with EPOLLRDHUP."),
                              [](ScenarioContext &c) {
                                  for (int n = 1; n <= 3; ++n) {
                                      if (!c.run(LabCommand::close(c.client(n))))
                                          return false;
                                  }
                                  return true;
                              },
                              {reports(serverEnd(1), peerClosed), reports(serverEnd(2), peerClosed),
                               reports(serverEnd(3), peerClosed), in(serverEnd(1), S::CloseWait),
                               in(serverEnd(2), S::CloseWait), in(serverEnd(3), S::CloseWait)}));
        steps.append(step(QStringLiteral("For each, the server's recv() returns 0 (end of file); it calls "
                                         "epoll_ctl(DEL) and close()."),
                          [](ScenarioContext &c) {
                              for (int n = 1; n <= 3; ++n) {
                                  const int id = c.serverEnd(n);
                                  if (!c.run(LabCommand::receive(id)) || !c.epollCtl(EpollOp::Delete, id)
                                      || !c.run(LabCommand::close(id)))
                                      return false;
                              }
                              return true;
                          },
                          {in(client(1), S::TimeWait), in(client(2), S::TimeWait), in(client(3), S::TimeWait)}));
        return steps;
    };
    return s;
}

Scenario epollHalfClose()
{
    Scenario s;
    s.name = QStringLiteral("epoll-half-close");
    s.title = QStringLiteral("Half-close as epoll reports it");
    s.summary = QStringLiteral("EPOLLRDHUP for the peer's FIN, EPOLLOUT for the reply, EPOLLHUP once both ways are shut");
    s.explanation = QStringLiteral(
        "The client shuts down its sending side. The server, waiting in epoll_wait(), is woken with "
        "EPOLLIN | EPOLLRDHUP: the peer's FIN arrived, and recv() returns 0. End of file stays "
        "readable for ever, so the server stops asking for EPOLLIN (epoll_ctl MOD) and asks for "
        "EPOLLOUT to send its reply: the send buffer has room. After its own shutdown(SHUT_WR) both "
        "directions are shut, and epoll reports EPOLLHUP, which no one has to ask for.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps = connectedPair();
        steps.append(step(QStringLiteral("The server calls epoll_create1() and epoll_ctl(ADD, accepted #1, "
                                         "EPOLLIN | EPOLLRDHUP)."),
                          [](ScenarioContext &c) { return c.epollCtl(EpollOp::Add, c.serverEnd(1), EPOLLIN | EPOLLRDHUP); }));
        steps.append(waitStep(QStringLiteral("The server calls epoll_wait(): nothing has arrived, it waits.")));
        steps.append(wakeStep(QStringLiteral("Client #1 calls shutdown(SHUT_WR): its FIN wakes the server with "
                                             "EPOLLIN | EPOLLRDHUP."),
                              [](ScenarioContext &c) { return c.run(LabCommand::shutdownWrite(c.client(1))); },
                              {reports(serverEnd(1), peerClosed), in(client(1), S::FinWait2),
                               in(serverEnd(1), S::CloseWait)}));
        steps.append(step(QStringLiteral("The server's recv() returns 0: end of file. To send its reply it "
                                         "calls epoll_ctl(MOD, EPOLLOUT) and epoll_wait(): the send buffer has room."),
                          [](ScenarioContext &c) {
                              return c.run(LabCommand::receive(c.serverEnd(1)))
                                  && c.epollCtl(EpollOp::Modify, c.serverEnd(1), EPOLLOUT) && c.epollWait(epollTimeoutMs);
                          },
                          {reports(serverEnd(1), EPOLLOUT)}));
        steps.append(step(QStringLiteral("The server sends its 100-byte reply and calls shutdown(SHUT_WR); the "
                                         "half-closed client reads the reply and the end of file."),
                          [](ScenarioContext &c) {
                              const int server = c.serverEnd(1);
                              if (!c.lab().socket(server)->shutWrite
                                  && !(c.run(LabCommand::send(server, 100)) && c.run(LabCommand::shutdownWrite(server))))
                                  return false;
                              return c.drain(c.client(1));
                          },
                          {Expectation::callReturns(client(1), LabCall::Kind::Receive, 100), in(client(1), S::TimeWait)},
                          3000, 50));
        steps.append(step(QStringLiteral("epoll_wait() on the server end: both directions are shut, EPOLLHUP."),
                          [](ScenarioContext &c) { return c.epollWait(epollTimeoutMs); },
                          {reports(serverEnd(1), EPOLLHUP)}));
        steps.append(step(QStringLiteral("The server calls close(); the kernel takes it off the interest list."),
                          [](ScenarioContext &c) { return c.run(LabCommand::close(c.serverEnd(1))); }));
        return steps;
    };
    return s;
}

// The wire's scenarios: rules on the lab's private loopback lose or refuse chosen segments,
// and a capture shows what each end sends about it.
using Seg = WireRule::Kind;
using Counted = Expectation::Counted;

Expectation sends(LabEnd end, Seg kind, int atLeast = 1, Counted counted = Counted::Every)
{
    return Expectation::sends(end, kind, atLeast, counted);
}

ScenarioStep wireStep(const QString &rules, const QString &what)
{
    return step(what, [rules](ScenarioContext &c) { return c.setWireRules(rules); });
}

// A step that only waits for what the kernel does next.
ScenarioStep waitFor(const QString &what, QList<Expectation> expect, int timeoutMs)
{
    return step(what, [](ScenarioContext &) { return true; }, std::move(expect), timeoutMs);
}

Scenario synRetry()
{
    Scenario s;
    s.name = QStringLiteral("syn-retry");
    s.title = QStringLiteral("Lost SYN,ACKs: SYN retries, then ETIMEDOUT");
    s.summary = QStringLiteral("the wire drops every SYN,ACK: the client sends its SYN again and again, then gives up");
    s.needsWire = true;
    s.explanation = QStringLiteral(
        "The wire drops every SYN,ACK. The server's kernel got the SYN: it keeps a request socket in "
        "SYN_RECV and answers, but the answer never arrives, so the client waits in SYN_SENT. Its "
        "retransmit timer sends the SYN again after 1 s. Linux 6.5 and later keep the first retries "
        "1 s apart (net.ipv4.tcp_syn_linear_timeouts, 4 by default); older kernels double the wait "
        "each time (1 s, 2 s, 4 s). Every SYN that arrives again is answered with the same SYN,ACK, "
        "which is dropped again, and the server's own timer resends it too. TCP_SYNCNT 2 gives "
        "connect() the time of two doubling retries, 1 + 2 + 4 = 7 s, however many SYNs the kernel "
        "fits into it; then connect() fails with ETIMEDOUT. The server's half-open connection "
        "outlives the client: once the rule is lifted, its next SYN,ACK reaches a port where no "
        "socket is left, and the client's kernel answers RST.");
    s.steps = [](const ScenarioConfig &) {
        return QList<ScenarioStep>{
            listenStep(8),
            wireStep(QStringLiteral("drop synack"), QStringLiteral("The wire gets a rule: drop every SYN,ACK.")),
            connectStep(1, {{LabOption::SynRetries, 2}},
                        QStringLiteral("Client #1 (TCP_SYNCNT 2) calls connect(): its SYN arrives, the server's "
                                       "SYN,ACK is dropped."),
                        {in(client(1), S::SynSent), in(serverEnd(1), S::SynRecv),
                         sends(serverEnd(1), Seg::SynAck, 1, Counted::Dropped)}),
            // The second retry comes 2 s after connect() (3 s on kernels before 6.5).
            waitFor(QStringLiteral("Client #1's timer sends the SYN again, the first time a second after "
                                   "connect(); each SYN is answered with the SYN,ACK again, and it is dropped again."),
                    {sends(client(1), Seg::Syn, 2, Counted::Retransmissions),
                     sends(serverEnd(1), Seg::SynAck, 2, Counted::Dropped), in(client(1), S::SynSent),
                     in(serverEnd(1), S::SynRecv)},
                    6000),
            waitFor(QStringLiteral("7 s after connect() the client gives up: connect() fails with ETIMEDOUT."),
                    {Expectation::callFails(client(1), LabCall::Kind::Connect, ETIMEDOUT)}, 8000),
            // The server's next SYN,ACK is due within 8 s (its timer doubles from 1 s).
            step(QStringLiteral("The rule is lifted: the server's next SYN,ACK reaches client #1's port, where no "
                                "socket is left, and the client's kernel answers RST."),
                 [](ScenarioContext &c) { return c.setWireRules(QString()); },
                 {sends(client(1), Seg::Rst)}, 20000),
        };
    };
    return s;
}

Scenario lostFinalAck()
{
    Scenario s;
    s.name = QStringLiteral("lost-final-ack");
    s.title = QStringLiteral("The last ACK lost: LAST_ACK sends its FIN again");
    s.summary = QStringLiteral("the ACK of the server's FIN is dropped: the server resends its FIN, TIME_WAIT answers again");
    s.needsWire = true;
    s.explanation = QStringLiteral(
        "The client closes first and waits in FIN_WAIT2; when the server closes, its FIN moves the "
        "client to TIME_WAIT and the client ACKs it — but the wire drops that ACK. The server end "
        "stays in LAST_ACK with its retransmit timer running and sends its FIN again (after about "
        "200 ms on loopback, its smallest timeout). The client, in TIME_WAIT, still knows the "
        "connection and ACKs the FIN once more; this ACK arrives and the server end is gone. This is "
        "what TIME_WAIT is for: an end that forgot the connection at once could only answer the "
        "repeated FIN with RST.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps{
            listenStep(8),
            // Before the connection starts: the rule follows it from its SYN on (conntrack does
            // not take up a connection at a FIN).
            wireStep(QStringLiteral("drop next fin-ack from client"),
                     QStringLiteral("The wire gets a rule: drop the next ACK client #1 sends for a FIN from the server.")),
            connectStep(1, {}, QStringLiteral("Client #1 calls socket() and connect()."),
                        {in(client(1), S::Established), in(serverEnd(1), S::Established)}),
            acceptStep(QStringLiteral("The server calls accept() and gets accepted #1.")),
        };
        steps.append(step(QStringLiteral("Client #1 calls close() first: FIN; the server's ACK arrives."),
                          [](ScenarioContext &c) { return c.run(LabCommand::close(c.client(1))); },
                          {in(client(1), S::FinWait2), in(serverEnd(1), S::CloseWait)}));
        steps.append(step(QStringLiteral("The server calls close(): FIN. Client #1 enters TIME_WAIT and ACKs it, "
                                         "but the ACK is dropped; the server end sends its FIN again."),
                          [](ScenarioContext &c) { return c.run(LabCommand::close(c.serverEnd(1))); },
                          {in(serverEnd(1), S::LastAck), in(client(1), S::TimeWait),
                           sends(client(1), Seg::Ack, 1, Counted::Dropped),
                           sends(serverEnd(1), Seg::Fin, 1, Counted::Retransmissions),
                           sends(client(1), Seg::Ack, 1, Counted::DuplicateAcks)}));
        return steps;
    };
    return s;
}

Scenario lostData()
{
    Scenario s;
    s.name = QStringLiteral("lost-data");
    s.title = QStringLiteral("A lost data segment: a duplicate ACK and a fast retransmission");
    s.summary = QStringLiteral("one data segment is dropped: the receiver repeats its ACK, the sender resends at once");
    s.needsWire = true;
    s.explanation = QStringLiteral(
        "Client #1 sends small messages with TCP_NODELAY, so each send() is a segment of its own. The "
        "wire drops one. The next arrives out of order: the server's kernel keeps it but can "
        "acknowledge only what came in order, so it repeats its last ACK — a duplicate ACK — with a "
        "SACK block naming what it holds. Classic fast retransmit waits for three duplicates; Linux "
        "(RACK, RFC 8985) counts a segment lost as soon as one sent after it has arrived and a round "
        "trip has passed, which on loopback is microseconds. So one duplicate ACK is enough here: "
        "the client sends the lost segment again at once, long before its retransmission timer "
        "(200 ms at least) would, the next ACK covers everything, and the server reads the bytes in "
        "order.");
    s.steps = [](const ScenarioConfig &) {
        QList<ScenarioStep> steps = connectedPair({}, {{LabOption::NoDelay, 1}});
        steps.append(step(QStringLiteral("Client #1 sends a first message of 100 bytes; the server's kernel ACKs it."),
                          [](ScenarioContext &c) { return c.run(LabCommand::send(c.client(1), 100)); },
                          {sends(client(1), Seg::Data), sends(serverEnd(1), Seg::Ack)}));
        steps.append(wireStep(QStringLiteral("drop next data from client"),
                              QStringLiteral("The wire gets a rule: drop the next data segment from client #1.")));
        // The 100 ms let sockscope take the spent rule out (some ms) before more data comes, and
        // are shorter than the retransmission timer, which would repair the loss alone.
        steps.append(step(QStringLiteral("Client #1 sends a message of 100 bytes, which is dropped, and 100 ms later "
                                         "three more: the first of them arrives out of order."),
                          [](ScenarioContext &c) {
                              const qint64 sent = c.lab().socket(c.client(1))->bytesSent;
                              if (sent == 100)
                                  return c.run(LabCommand::send(c.client(1), 100));
                              if (sent == 200) {
                                  for (int i = 0; i < 3; ++i) {
                                      if (!c.run(LabCommand::send(c.client(1), 100)))
                                          return false;
                                  }
                              }
                              return true;
                          },
                          {sends(client(1), Seg::Data, 1, Counted::Dropped),
                           sends(serverEnd(1), Seg::Ack, 1, Counted::DuplicateAcks),
                           sends(client(1), Seg::Data, 1, Counted::Retransmissions)}, 3000, 100));
        steps.append(step(QStringLiteral("The server reads: all 500 bytes, in order."),
                          [](ScenarioContext &c) {
                              if (c.lab().socket(c.serverEnd(1))->bytesReceived < 500)
                                  c.run(LabCommand::receive(c.serverEnd(1), 4096)); // EAGAIN until they arrive
                              return true;
                          },
                          {Expectation::callReturns(serverEnd(1), LabCall::Kind::Receive, 500)}, 3000, 50));
        return steps;
    };
    return s;
}

Scenario rstOnConnect()
{
    Scenario s;
    s.name = QStringLiteral("rst-on-connect");
    s.title = QStringLiteral("A refused SYN: RST from the wire, the listener untouched");
    s.summary = QStringLiteral("the wire answers the SYN with RST in the server's name: ECONNREFUSED though it listens");
    s.needsWire = true;
    s.explanation = QStringLiteral(
        "The server listens, but the wire refuses every SYN: it answers it with a RST in the "
        "server's name, as a firewall's reject rule does, and the SYN never reaches the listener. "
        "For the client this looks exactly like a port where nothing listens: connect() fails with "
        "ECONNREFUSED. The listener stays in LISTEN and never sees a connection — its queue is empty "
        "and no server end exists. ECONNREFUSED says only that something answered the SYN with RST, "
        "not that no server is listening.");
    s.steps = [](const ScenarioConfig &) {
        return QList<ScenarioStep>{
            listenStep(8),
            wireStep(QStringLiteral("reject syn"), QStringLiteral("The wire gets a rule: answer every SYN with RST.")),
            step(QStringLiteral("Client #1 calls connect(): the SYN is refused, and a RST comes back from the "
                                "server's port."),
                 [](ScenarioContext &c) {
                     c.newClient();
                     c.connectClient(1); // fails: that is the point
                     return c.clientCount() == 1;
                 },
                 {Expectation::callFails(client(1), LabCall::Kind::Connect, ECONNREFUSED),
                  sends(client(1), Seg::Syn, 1, Counted::Refused), sends(serverEnd(1), Seg::Rst),
                  in(listener, S::Listen), Expectation::never(serverEnd(1), S::SynRecv)}),
        };
    };
    return s;
}

} // namespace

const QList<Scenario> &ScenarioCatalog::all()
{
    static const QList<Scenario> scenarios{
        handshake(), acceptQueue(), backlogOverflow(), deferredAccept(), timeWait(), halfClose(),
        finWait1(), lastAck(), closing(), selfConnect(), reset(), manyClients(), epollEcho(), epollHalfClose(),
        synRetry(), lostFinalAck(), lostData(), rstOnConnect(),
    };
    return scenarios;
}

const Scenario *ScenarioCatalog::find(QStringView name)
{
    for (const Scenario &s : all()) {
        if (s.name == name)
            return &s;
    }
    return nullptr;
}

} // namespace sockscope
