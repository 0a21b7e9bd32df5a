// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "lab.h"

#include "core/capture/wiresegment.h"
#include "core/wire/wirerule.h"

#include <QList>
#include <QString>

#include <functional>

namespace sockscope {

// One end of a lab connection, as a scenario names it.
struct LabEnd
{
    enum class Kind : quint8 {
        Listener,
        Client,    // client #n's own socket
        ServerEnd, // the server's end of client #n's connection, accepted or still queued
    };
    Kind kind = Kind::Listener;
    int number = 1;

    static LabEnd listener() { return {Kind::Listener, 1}; }
    static LabEnd client(int n) { return {Kind::Client, n}; }
    static LabEnd serverEnd(int n) { return {Kind::ServerEnd, n}; }

    // The end a kernel row is, if it is one of the lab's.
    static std::optional<LabEnd> of(const RowRole &role);

    QString label() const; // "listener", "client #2", "server end of client #2"

    friend bool operator==(const LabEnd &a, const LabEnd &b) { return a.kind == b.kind && a.number == b.number; }
};

// Something a scenario must produce: a state seen on an end, a call failing with an errno or
// returning at least some value, a state that must never be seen, an epoll_wait() reporting an
// end with at least some events, or an end sending some segments on the lab's private wire.
struct Expectation
{
    enum class Kind : quint8 { State, CallError, CallReturns, NeverState, EpollReports, Sends };
    // Which of an end's segments of the kind a Sends expectation counts.
    enum class Counted : quint8 {
        Every,
        Retransmissions, // sent again (WireSegment::repeat)
        DuplicateAcks,   // pure ACKs repeating the one before (the kind is ack)
        Dropped,         // stopped by a wire rule that dropped it
        Refused,         // stopped by a wire rule that answered it with a RST in the receiver's name
    };
    Kind kind = Kind::State;
    LabEnd end;
    TcpState state = TcpState::Established;
    LabCall::Kind call = LabCall::Kind::Connect; // CallError, CallReturns
    int error = 0;
    qint64 minResult = 0; // CallReturns
    quint32 events = 0;   // EpollReports: every one of these (EPOLLIN, ...) in one report
    WireRule::Kind segment = WireRule::Kind::Any; // Sends: stateless kinds only (WireRule::isStateless)
    Counted counted = Counted::Every;             // Sends
    int atLeast = 1;                              // Sends: how many segments

    static Expectation inState(LabEnd end, TcpState state);
    static Expectation callFails(LabEnd end, LabCall::Kind call, int error);
    static Expectation callReturns(LabEnd end, LabCall::Kind call, qint64 atLeast);
    static Expectation never(LabEnd end, TcpState state);
    static Expectation epollReports(LabEnd end, quint32 events);
    // `sender` puts at least `atLeast` segments of `kind` on the wire that `counted` counts.
    // Met only by what a capture of the lab's private wire saw: never on this machine's
    // loopback, nor with capture off.
    static Expectation sends(LabEnd sender, WireRule::Kind kind, int atLeast = 1, Counted counted = Counted::Every);

    // Whether one epoll_wait() report of this end meets it (EpollReports).
    bool metBy(const LabCall::Ready &ready) const { return (ready.events & events) == events; }
    // Whether a segment its end sent counts towards it (Sends): of its kind, and what `counted`
    // asks for. Which end sent it is the caller's to know.
    bool counts(const WireSegment &segment) const;

    // "client #2 in SYN_SENT", "connect() on client #1 fails with ECONNREFUSED",
    // "recv() on client #1 returns at least 100", "client #2 never in TIME_WAIT",
    // "epoll_wait reports listener EPOLLIN", "client #1 sends SYN 3 times (2 retransmissions)",
    // "server end of client #1's SYN,ACK dropped on the wire",
    // "server end of client #1 sends duplicate ACKs"
    QString describe() const;
};

struct ScenarioConfig
{
    AddressFamily family = AddressFamily::IPv4;
    quint16 port = 8000;   // 0: let the kernel choose
    int clients = 5;       // for "many clients on one server port"
    int deferSeconds = 5;  // TCP_DEFER_ACCEPT of the deferred-accept scenario
};

// Puts a scenario's wire rules on the lab's wire, replacing the ones it put there before (an
// empty list takes them away); false with why not (the lab is on this machine's loopback, or
// nft refused). The server port is the scenario's. LiveSession gives one.
using ScenarioWire = std::function<bool(const QList<WireRule> &rules, quint16 serverPort, QString *why)>;

// What a scenario's steps work with: the lab, the configuration, and the sockets so far.
class ScenarioContext
{
public:
    struct Option
    {
        LabOption option;
        int value;
    };

    ScenarioContext(Lab &lab, const ScenarioConfig &config, ScenarioWire wire = {});

    Lab &lab() const { return m_lab; }
    const ScenarioConfig &config() const { return m_config; }
    quint16 port() const { return m_port; } // the server port, once bound
    Endpoint serverEndpoint() const;

    // Each returns false when a call failed that the step needed.
    bool run(const LabCommand &command);
    bool openListener(int backlog, const QList<Option> &options = {}, bool listenNow = true);
    bool listenNow(int backlog);
    int newClient(const QList<Option> &options = {}); // client number, 0 on failure
    bool connectClient(int n);
    bool bindClient(int n, quint16 port);
    bool acceptOne();
    // accept() until the queue is empty (EAGAIN); the sockets it made, in order.
    QList<int> acceptAll();
    // The scenario's epoll instance, made on first use; 0 when epoll_create1() failed.
    int epoll();
    bool epollCtl(EpollOp op, int socketId, quint32 events = 0);
    // epoll_wait() on the scenario's instance, unless one is already waiting.
    bool epollWait(int timeoutMs);
    bool epollWaiting() const;
    bool setOption(int socketId, const Option &option);
    // Reads everything that has arrived; once end of file was seen, does nothing more.
    bool drain(int socketId);
    // Puts these rules (the wire grammar, WireRule::parse) on the lab's wire in place of the
    // scenario's earlier ones; false, with failure() saying why, where there is no wire.
    bool setWireRules(const QString &rules);
    // Why the step failed when no lab call says so (setWireRules()), or empty.
    QString failure() const { return m_failure; }
    void fail(const QString &why) { m_failure = why; }

    int listener() const { return m_listener; }
    int client(int n) const { return m_clients.value(n - 1); }
    int serverEnd(int n) const; // the accepted socket of client #n, 0 before accept()
    int clientCount() const { return int(m_clients.size()); }

private:
    Lab &m_lab;
    ScenarioConfig m_config;
    quint16 m_port = 0;
    int m_listener = 0;
    QList<int> m_clients;
    int m_epoll = 0;
    ScenarioWire m_wire;
    QString m_failure;
};

struct ScenarioStep
{
    QString description;
    std::function<bool(ScenarioContext &)> action;
    QList<Expectation> expect; // waited for before the next step
    int timeoutMs = 3000;
    int repeatEveryMs = 0;     // > 0: repeat the action until the expectations hold (a reader
                               // that keeps reading as data keeps arriving)
};

struct Scenario
{
    QString name;        // "time-wait"
    QString title;       // "Active close to TIME_WAIT"
    QString summary;     // one line for --list
    QString explanation; // a short plain explanation for the window and the command line
    // Its steps put rules on the lab's wire and it expects segments a capture sees: it runs in
    // the lab's private network with capture on. On this machine's loopback the step that sets
    // the rules fails, saying why.
    bool needsWire = false;
    std::function<QList<ScenarioStep>(const ScenarioConfig &)> steps;

    // Every expectation of every step, in order.
    QList<Expectation> expectations(const ScenarioConfig &config) const;
};

} // namespace sockscope
