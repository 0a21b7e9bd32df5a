// SPDX-License-Identifier: GPL-3.0-or-later
#include "scenario.h"

#include <cstring>
#include <sys/epoll.h>

namespace sockscope {

std::optional<LabEnd> LabEnd::of(const RowRole &role)
{
    switch (role.kind) {
    case RowRole::Kind::Foreign:
        return std::nullopt;
    case RowRole::Kind::Listener:
        return LabEnd{Kind::Listener, role.ordinal};
    case RowRole::Kind::Client:
        return LabEnd{Kind::Client, role.ordinal};
    case RowRole::Kind::Accepted:
    case RowRole::Kind::Queued:
    case RowRole::Kind::Handshaking:
        if (role.clientOrdinal == 0)
            return std::nullopt;
        return LabEnd{Kind::ServerEnd, role.clientOrdinal};
    }
    return std::nullopt;
}

QString LabEnd::label() const
{
    switch (kind) {
    case Kind::Listener:
        return number <= 1 ? QStringLiteral("listener") : QStringLiteral("listener #%1").arg(number);
    case Kind::Client:
        return QStringLiteral("client #%1").arg(number);
    case Kind::ServerEnd:
        return QStringLiteral("server end of client #%1").arg(number);
    }
    return QString();
}

Expectation Expectation::inState(LabEnd end, TcpState state)
{
    Expectation e;
    e.kind = Kind::State;
    e.end = end;
    e.state = state;
    return e;
}

Expectation Expectation::callFails(LabEnd end, LabCall::Kind call, int error)
{
    Expectation e;
    e.kind = Kind::CallError;
    e.end = end;
    e.call = call;
    e.error = error;
    return e;
}

Expectation Expectation::callReturns(LabEnd end, LabCall::Kind call, qint64 atLeast)
{
    Expectation e;
    e.kind = Kind::CallReturns;
    e.end = end;
    e.call = call;
    e.minResult = atLeast;
    return e;
}

Expectation Expectation::never(LabEnd end, TcpState state)
{
    Expectation e;
    e.kind = Kind::NeverState;
    e.end = end;
    e.state = state;
    return e;
}

Expectation Expectation::epollReports(LabEnd end, quint32 events)
{
    Expectation e;
    e.kind = Kind::EpollReports;
    e.end = end;
    e.events = events;
    return e;
}

Expectation Expectation::sends(LabEnd sender, WireRule::Kind kind, int atLeast, Counted counted)
{
    Q_ASSERT(WireRule::isStateless(kind));
    Expectation e;
    e.kind = Kind::Sends;
    e.end = sender;
    e.segment = counted == Counted::DuplicateAcks ? WireRule::Kind::Ack : kind;
    e.atLeast = qMax(1, atLeast);
    e.counted = counted;
    return e;
}

bool Expectation::counts(const WireSegment &w) const
{
    if (kind != Kind::Sends || !WireRule::matchesAlone(segment, w.segment))
        return false;
    switch (counted) {
    case Counted::Every:
        return true;
    case Counted::Retransmissions:
        return w.repeat.retransmission > 0;
    case Counted::DuplicateAcks:
        return w.repeat.duplicateAck > 0;
    case Counted::Dropped:
        return w.wasStopped() && !w.answeredWithReset;
    case Counted::Refused:
        return w.wasStopped() && w.answeredWithReset;
    }
    return false;
}

namespace {

// A segment kind as the sentence about an end's segments names it.
QString segmentNoun(WireRule::Kind kind)
{
    switch (kind) {
    case WireRule::Kind::Syn: return QStringLiteral("SYN");
    case WireRule::Kind::SynAck: return QStringLiteral("SYN,ACK");
    case WireRule::Kind::Ack: return QStringLiteral("ACK");
    case WireRule::Kind::Fin: return QStringLiteral("FIN");
    case WireRule::Kind::Data: return QStringLiteral("data");
    case WireRule::Kind::Rst: return QStringLiteral("RST");
    case WireRule::Kind::Any: return QStringLiteral("a segment");
    case WireRule::Kind::HandshakeAck:
    case WireRule::Kind::FinAck:
        break;
    }
    return WireRule::kindName(kind);
}

QString timesText(int n)
{
    return n == 1 ? QString() : QStringLiteral(" %1 times").arg(n);
}

QString sendsText(const Expectation &e)
{
    const QString who = e.end.label();
    const QString what = segmentNoun(e.segment);
    const int n = e.atLeast;
    switch (e.counted) {
    case Expectation::Counted::Every:
        if (e.segment == WireRule::Kind::Any)
            return n == 1 ? QStringLiteral("%1 sends a segment").arg(who) : QStringLiteral("%1 sends %2 segments").arg(who).arg(n);
        return QStringLiteral("%1 sends %2%3").arg(who, what, timesText(n));
    case Expectation::Counted::Retransmissions:
        return QStringLiteral("%1 sends %2 %3 times (%4 retransmission%5)")
            .arg(who, what)
            .arg(n + 1)
            .arg(n)
            .arg(n == 1 ? QString() : QStringLiteral("s"));
    case Expectation::Counted::DuplicateAcks:
        return n == 1 ? QStringLiteral("%1 sends a duplicate ACK").arg(who)
                      : QStringLiteral("%1 sends duplicate ACKs (%2 at least)").arg(who).arg(n);
    case Expectation::Counted::Dropped:
        return QStringLiteral("%1's %2 dropped on the wire%3").arg(who, what, timesText(n));
    case Expectation::Counted::Refused:
        return QStringLiteral("%1's %2 refused on the wire%3 (answered with RST)").arg(who, what, timesText(n));
    }
    return QString();
}

} // namespace

QString Expectation::describe() const
{
    switch (kind) {
    case Kind::State:
        return QStringLiteral("%1 in %2").arg(end.label(), kernelName(state));
    case Kind::CallError: {
        const char *name = ::strerrorname_np(error);
        return QStringLiteral("%1() on %2 fails with %3")
            .arg(LabCall::kindName(call), end.label(), name ? QString::fromLatin1(name) : QString::number(error));
    }
    case Kind::CallReturns:
        return QStringLiteral("%1() on %2 returns at least %3").arg(LabCall::kindName(call), end.label()).arg(minResult);
    case Kind::NeverState:
        return QStringLiteral("%1 never in %2").arg(end.label(), kernelName(state));
    case Kind::EpollReports:
        return QStringLiteral("epoll_wait reports %1 %2").arg(end.label(), LabCall::epollEventsText(events));
    case Kind::Sends:
        return sendsText(*this);
    }
    return QString();
}

QList<Expectation> Scenario::expectations(const ScenarioConfig &config) const
{
    QList<Expectation> all;
    for (const ScenarioStep &step : steps(config))
        all += step.expect;
    return all;
}

ScenarioContext::ScenarioContext(Lab &lab, const ScenarioConfig &config, ScenarioWire wire)
    : m_lab(lab), m_config(config), m_port(config.port), m_wire(std::move(wire))
{
}

bool ScenarioContext::setWireRules(const QString &rules)
{
    QString why;
    const QList<WireRule> parsed = WireRule::parse(rules, &why);
    if (parsed.isEmpty() && !rules.trimmed().isEmpty()) {
        fail(QStringLiteral("wire rules '%1': %2").arg(rules, why));
        return false;
    }
    if (!m_wire) {
        fail(QStringLiteral("wire rules act on the lab's private network only (sockscope never touches this "
                            "machine's own firewall)"));
        return false;
    }
    if (!m_wire(parsed, m_port, &why)) {
        fail(QStringLiteral("this scenario's wire rules (%1) cannot be put on the wire: %2").arg(rules, why));
        return false;
    }
    return true;
}

Endpoint ScenarioContext::serverEndpoint() const
{
    Endpoint e;
    e.address = m_config.family == AddressFamily::IPv4 ? IpAddress::fromIPv4(0x7f000001)
                                                        : *IpAddress::fromString(u"::1");
    e.port = m_port;
    return e;
}

bool ScenarioContext::run(const LabCommand &command)
{
    return m_lab.execute(command).ok;
}

bool ScenarioContext::setOption(int socketId, const Option &option)
{
    return run(LabCommand::setOption(socketId, option.option, option.value));
}

bool ScenarioContext::drain(int socketId)
{
    const LabSocket *s = m_lab.socket(socketId);
    if (s && s->sawEndOfFile)
        return true;
    return run(LabCommand::drain(socketId));
}

bool ScenarioContext::openListener(int backlog, const QList<Option> &options, bool listen)
{
    const Lab::Result created = m_lab.execute(LabCommand::socket(LabSocket::Role::Listener, m_config.family));
    if (!created.ok)
        return false;
    m_listener = created.socketId;
    // Without SO_REUSEADDR a listener cannot bind while connections of an earlier run on the
    // same port sit in TIME_WAIT; every real server sets it.
    if (!setOption(m_listener, {LabOption::ReuseAddress, 1}))
        return false;
    for (const Option &o : options) {
        if (!setOption(m_listener, o))
            return false;
    }
    if (!run(LabCommand::bind(m_listener, serverEndpoint())))
        return false;
    m_port = m_lab.socket(m_listener)->local.port;
    return !listen || listenNow(backlog);
}

bool ScenarioContext::listenNow(int backlog)
{
    return run(LabCommand::listen(m_listener, backlog));
}

int ScenarioContext::newClient(const QList<Option> &options)
{
    const Lab::Result created = m_lab.execute(LabCommand::socket(LabSocket::Role::Client, m_config.family));
    if (!created.ok)
        return 0;
    m_clients.append(created.socketId);
    for (const Option &o : options) {
        if (!setOption(created.socketId, o))
            return 0;
    }
    return int(m_clients.size());
}

bool ScenarioContext::bindClient(int n, quint16 port)
{
    Endpoint e = serverEndpoint();
    e.port = port;
    if (!run(LabCommand::bind(client(n), e)))
        return false;
    m_port = m_lab.socket(client(n))->local.port;
    return true;
}

bool ScenarioContext::connectClient(int n)
{
    return run(LabCommand::connect(client(n), serverEndpoint()));
}

bool ScenarioContext::acceptOne()
{
    return run(LabCommand::accept(m_listener));
}

QList<int> ScenarioContext::acceptAll()
{
    QList<int> accepted;
    // Bounded: a listener's queue is never longer than its backlog, far below this.
    for (int i = 0; i < 1024; ++i) {
        const Lab::Result r = m_lab.execute(LabCommand::accept(m_listener));
        if (!r.ok)
            break;
        accepted.append(r.socketId);
    }
    return accepted;
}

int ScenarioContext::epoll()
{
    if (m_epoll == 0) {
        const Lab::Result created = m_lab.execute(LabCommand::epollCreate());
        m_epoll = created.ok ? created.socketId : 0;
    }
    return m_epoll;
}

bool ScenarioContext::epollCtl(EpollOp op, int socketId, quint32 events)
{
    const int e = epoll();
    return e != 0 && run(LabCommand::epollCtl(e, op, socketId, events));
}

bool ScenarioContext::epollWaiting() const
{
    const LabEpoll *e = m_lab.epoll(m_epoll);
    return e && e->waiting;
}

bool ScenarioContext::epollWait(int timeoutMs)
{
    const int e = epoll();
    if (e == 0)
        return false;
    return epollWaiting() || run(LabCommand::epollWait(e, 16, timeoutMs));
}

int ScenarioContext::serverEnd(int n) const
{
    const int clientId = client(n);
    for (const LabSocket &s : m_lab.sockets()) {
        if (s.role == LabSocket::Role::Accepted && s.peerClientId == clientId && clientId != 0)
            return s.id;
    }
    return 0;
}

} // namespace sockscope
